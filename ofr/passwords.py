"""Passwords: rules beyond Django's, and how reset e-mails leave."""

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

# Reset e-mails are sent from this thread, after the answer has gone: waiting
# for the mail server would make the answer slower when an account has the
# address typed, and so tell that it has. One thread: they are few.
mail_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reset-mail")


class ContextWordsValidator:
    """Rejects passwords built on this system's own vocabulary (ASVS 6.2.11)."""

    WORDS = ("overdose", "fatality", "ofr", "review", "coroner", "sheriff")

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        for word in self.WORDS:
            if word in lowered:
                raise ValidationError(
                    gettext(
                        "Your password must not contain the word “%(word)s”: "
                        "it is easy to guess for a system like this one."
                    ),
                    code="password_context_word",
                    params={"word": word},
                )

    def get_help_text(self) -> str:
        return gettext(
            "Your password must not contain words such as “overdose”, “review” or “OFR”."
        )


def send_later(message: EmailMessage, *, user_id: int) -> Future:
    return mail_sender.submit(_send, message, user_id)


def _send(message: EmailMessage, user_id: int) -> None:
    try:
        message.send()
    except Exception:
        # As Django's reset form does: the person sees the same page either way.
        logger.exception("Failed to send a password reset e-mail to user %s", user_id)

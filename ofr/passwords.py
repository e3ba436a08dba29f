"""Password rules beyond Django's: no words an attacker would guess for this system."""

from django.core.exceptions import ValidationError


class ContextWordsValidator:
    """Rejects passwords built on this system's own vocabulary (ASVS 6.2.11)."""

    WORDS = ("overdose", "fatality", "ofr", "review", "coroner", "sheriff")

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        for word in self.WORDS:
            if word in lowered:
                raise ValidationError(
                    f"Your password must not contain the word “{word}”: "
                    "it is easy to guess for a system like this one.",
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return "Your password must not contain words such as “overdose”, “review” or “OFR”."

"""A person's own account: the "My account" page, signing out everywhere else,
and changing or resetting the password (Django's views, with the USWDS look).

A new password ends the person's other sessions at once. Django would refuse
them at their next request anyway (their copy of the password hash no longer
matches), but ending them also takes them off the account page.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST, require_safe

from ofr import second_factor
from ofr.access import active_memberships
from ofr.audit import Action, keyed_digest, record
from ofr.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from ofr.models import AccessEvent
from ofr.sessions import (
    describe_browser,
    end_sessions,
    live_sessions,
    previous_sign_in,
    renew_key,
)
from ofr.views import locked_out

# The object a reset request names in the access log: a keyed digest of the
# address typed (never the address), which the throttle counts by.
RESET_REQUEST = "password-reset-request"


def sessions_ended(count: int) -> str:
    return f"{count} other session{'' if count == 1 else 's'} ended"


@login_required
@require_safe
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = request.session.session_key
    previous = previous_sign_in(user, request.session)
    sessions = [
        {
            "started": row.created_at,
            "ip_address": row.ip_address,
            "browser": describe_browser(row.user_agent),
            "current": row.session_key == current,
        }
        for row in live_sessions(user, current=current)
    ]
    return render(
        request,
        "account/account.html",
        {
            "memberships": active_memberships(user),
            "previous_sign_in": previous,
            "previous_browser": describe_browser(previous.user_agent) if previous else "",
            "sessions": sessions,
            "other_sessions": sum(not session["current"] for session in sessions),
            "second_factor": second_factor.device_of(user),
            "recovery_codes_left": second_factor.recovery_codes_left(user),
        },
    )


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    ended = end_sessions(request.user, keep=request.session.session_key)
    record(request, Action.SIGNED_OUT_ALL, detail=sessions_ended(ended))
    if ended:
        text = ngettext(
            "You have been signed out of %(count)d other session.",
            "You have been signed out of %(count)d other sessions.",
            ended,
        )
        messages.success(request, text % {"count": ended})
    else:
        messages.info(request, gettext("You were not signed in anywhere else."))
    return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "account/change_password.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        session = self.request.session
        old_key = session.session_key
        # Counted before the new password voids them.
        ended = end_sessions(form.user, keep=old_key)
        # Saves the password and keeps this session signed in, under a new key.
        response = super().form_valid(form)
        renew_key(old_key, session.session_key)
        record(self.request, Action.PASSWORD_CHANGED, detail=sessions_ended(ended))
        messages.success(self.request, gettext("Your password has been changed."))
        return response

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        """A wrong current password counts as a failed sign-in (django-axes):
        whoever holds an open session cannot guess the password at leisure.
        At the limit the session ends and the account is locked as at sign-in."""
        if "old_password" in form.errors:
            request = self.request
            user_login_failed.send(
                sender=__name__,
                credentials={"username": request.user.get_username()},
                request=request,
            )
            if getattr(request, "axes_locked_out", False):
                logout(request)
                return locked_out(request)
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an e-mail address and sends a link to set a new password to
    the active account that has it, if any. The page says the same either way.

    At most PASSWORD_RESETS_PER_HOUR requests for one address are answered in
    an hour, counted from the access log (every host sees the same count),
    whether or not an account has the address, so that refusing tells nothing
    either."""

    form_class = PasswordResetForm
    template_name = "registration/reset_password.html"
    subject_template_name = "registration/reset_password_subject.txt"
    email_template_name = "registration/reset_password_email.txt"
    success_url = reverse_lazy("password_reset_done")

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in, a person changes their password with the current one.
            return redirect("password_change")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = keyed_digest("password-reset-address", form.cleaned_data["email"].casefold())
        asked = AccessEvent.objects.filter(
            object_type=RESET_REQUEST,
            object_id=address,
            created_at__gte=timezone.now() - timedelta(hours=1),
        ).count()
        if asked >= settings.PASSWORD_RESETS_PER_HOUR:
            self.record(address, detail="refused: too many requests for this address this hour")
            form.add_error(
                None,
                gettext(
                    "There have been too many requests for this address in the last hour. "
                    "Please try again later, or use a link that has already arrived."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        self.extra_email_context = {
            "site_url": settings.OFR_SITE_URL,
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }
        response = super().form_valid(form)
        if len(form.mailed) == 1:
            self.record(address, user=form.mailed[0], detail="link sent")
        elif form.mailed:
            count = len(form.mailed)
            detail = f"link sent to each of {count} accounts with this address"
            self.record(address, user=form.mailed[0], detail=detail)
        else:
            self.record(address, detail="no active account has this address")
        return response

    def record(self, address: str, *, user=None, detail: str) -> None:
        record(
            self.request,
            Action.PASSWORD_RESET_SENT,
            user=user,
            object_type=RESET_REQUEST,
            object_id=address,
            detail=detail,
        )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets the new password from the e-mailed link. The link works once (its
    token is made from the password it replaces) and does not sign the person
    in (post_reset_login stays False): they then sign in as always."""

    form_class = SetPasswordForm
    template_name = "registration/reset_password_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        # Counted before the new password voids them.
        ended = end_sessions(form.user, keep=self.request.session.session_key)
        response = super().form_valid(form)
        record(self.request, Action.PASSWORD_RESET, user=form.user, detail=sessions_ended(ended))
        return response


password_change = PasswordChangeView.as_view()
password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/reset_password_sent.html"
)
password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/reset_password_complete.html"
)

"""The second step of signing in: enrolment, codes, recovery codes, and an
administrator's reset. The rules are in ofr/second_factor.py."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from ofr import second_factor
from ofr.audit import record
from ofr.forms import USWDSFormMixin
from ofr.models import AccessEvent
from ofr.views import locked_out


class CodeForm(USWDSFormMixin, forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        help_text=gettext_lazy(
            "The six digits your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class EnrolForm(CodeForm):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=10,
        help_text=gettext_lazy("The six digits the app shows for this account."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ResetForm(USWDSFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        help_text=gettext_lazy(
            "Kept in the access log, e.g. “lost phone, identity checked by phone call”."
        ),
    )


def next_page(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@second_factor.exempt
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    device = second_factor.start_enrolment(request.user)
    if device is None:
        return redirect(next_page(request))
    form = EnrolForm(request.POST or None)
    if form.is_valid() and not device.verify_is_allowed()[0]:
        form.add_error(
            "code", gettext("Too many wrong codes in a row: wait a few seconds and try again.")
        )
    elif form.is_valid():
        codes = second_factor.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            # Shown in this response only: never stored in clear, never redirected to.
            return render(
                request,
                "account/recovery_codes.html",
                {"codes": codes, "continue_to": next_page(request), "first_time": True},
            )
        form.add_error(
            "code",
            gettext(
                "That code is not right. Check the app shows this account, then try the next code."
            ),
        )
    return render(
        request,
        "account/second_factor_enrol.html",
        {
            "form": form,
            "qr_svg": second_factor.qr_svg(device),
            "secret": second_factor.secret_text(device),
            "next": request.GET.get("next", ""),
        },
    )


@second_factor.exempt
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if second_factor.has_passed(request):
        return redirect(next_page(request))
    device = second_factor.device_of(request.user)
    if device is None or not device.confirmed:
        return redirect_to_login(next_page(request), "second_factor_enrol")
    form = CodeForm(request.POST or None)
    outcome = None
    if second_factor.locked_until(device):
        outcome = second_factor.Outcome(False, locked=True)
    elif form.is_valid():
        outcome = second_factor.check_code(request, device, form.cleaned_data["code"])
        if outcome.passed:
            return redirect(next_page(request))
        if not outcome.locked:
            form.add_error("code", outcome.message)
    if outcome is not None and outcome.locked:
        logout(request)
        return locked_out(request)  # the password lockout's own page
    return render(
        request,
        "account/second_factor_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
    )


@require_POST
@login_required
def renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    if second_factor.device_of(request.user) is None:
        return redirect("second_factor_enrol")
    codes = second_factor.issue_recovery_codes(request.user)
    record(request, AccessEvent.Action.MFA_CODES_RENEWED)
    return render(
        request,
        "account/recovery_codes.html",
        {"codes": codes, "continue_to": reverse(settings.LOGIN_REDIRECT_URL), "first_time": False},
    )


@login_required
@permission_required("auth.change_user", raise_exception=True)
def reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator's reset of someone's second factor, with the reason."""
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        second_factor.reset(request, person, form.cleaned_data["reason"])
        messages.success(
            request,
            gettext(
                "The second factor of %(username)s is reset: they enrol again at "
                "their next sign-in, and their sessions have ended."
            )
            % {"username": person.get_username()},
        )
        return redirect("admin:auth_user_change", person.pk)
    return render(
        request,
        "account/second_factor_reset.html",
        {"form": form, "person": person, "enrolled": second_factor.device_of(person) is not None},
    )


@second_factor.exempt
@require_safe
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin signs in through the same two steps as everything else."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

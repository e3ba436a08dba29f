"""Deferral requests: a member from law enforcement or a prosecutor's office
asks the team to defer a case while an investigation or prosecution runs; a
coordinator declines it here, or grants it by deferring the case on its
status page (Case.move_to)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from cases.access import get_case_for_user, may_ask_deferral
from cases.forms.deferral import AskDeferralForm, DeclineDeferralForm
from cases.models import Case, DeferralRequest
from ofr.audit import DeniedForbidden


@dataclass(frozen=True)
class DeferralPanel:
    """What the case page shows one viewer of deferral requests."""

    open_requests: list  # for coordinators, who decide them
    own_request: DeferralRequest | None  # the viewer's latest request
    may_ask: bool  # the "Ask the team to defer" link

    def __bool__(self) -> bool:
        return bool(self.open_requests or self.own_request or self.may_ask)


def deferral_panel(case: Case, user) -> DeferralPanel:
    """The case page's deferral section for this viewer (case from get_case_for_user)."""
    requests = case.deferral_requests.select_related("requested_by", "resolved_by")
    asker = may_ask_deferral(user, case)
    return DeferralPanel(
        open_requests=list(requests.open()) if case.viewer.decides_deferrals else [],
        own_request=requests.filter(requested_by=user).first() if asker else None,
        may_ask=asker and not DeferralRequest.problem_asking(case),
    )


def case_anchor(case: Case) -> str:
    return reverse("cases:detail", args=[case.code]) + "#deferral"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ask_deferral(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_case")
    if not may_ask_deferral(request.user, case):
        raise DeniedForbidden("cases.case", code, "ask_deferral")
    problem = DeferralRequest.problem_asking(case)
    form = AskDeferralForm(request.POST or None)
    if request.method == "POST":
        if problem:
            messages.error(request, problem)
            return redirect(case_anchor(case))
        if form.is_valid():
            try:
                DeferralRequest.ask(
                    case,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    gettext(
                        "You asked the team to defer case %(reference)s. "
                        "The coordinator will decide."
                    )
                    % {"reference": case.reference},
                )
            return redirect(case_anchor(case))
    return render(
        request,
        "cases/deferral_ask.html",
        {"case": case, "form": form, "problem": problem},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def decline_deferral(request: HttpRequest, code, item) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_case")
    if not case.viewer.decides_deferrals:
        raise DeniedForbidden("cases.case", code, "decide_deferral")
    deferral = get_object_or_404(case.deferral_requests, code=item)
    form = DeclineDeferralForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, gettext("Say briefly why the case will not be deferred (300 characters).")
        )
        return redirect(case_anchor(case))
    try:
        with transaction.atomic():
            current = DeferralRequest.objects.select_for_update().get(pk=deferral.pk)
            current.decline(by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            gettext("Deferral of case %(reference)s declined.") % {"reference": case.reference},
        )
    return redirect(case_anchor(case))

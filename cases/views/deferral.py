"""Deferral requests: a member from law enforcement or a prosecutor's office
asks the team to defer a case while an investigation or prosecution runs; a
coordinator declines it here, or grants it by deferring the case on its
status page (Case.move_to)."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from cases.access import get_case_for_user
from cases.models import Case, DeferralRequest
from ofr.access import active_memberships
from ofr.audit import DeniedForbidden
from ofr.forms import USWDSFormMixin
from ofr.roles import Sector

# Those who know of an investigation or a prosecution.
ASKING_SECTORS = frozenset({Sector.LAW_ENFORCEMENT, Sector.PROSECUTOR})


class AskDeferralForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = DeferralRequest
        fields = ["reason", "note"]
        widgets = {"reason": forms.RadioSelect}
        labels = {"reason": "Why should the team defer the case?"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [c for c in self.fields["reason"].choices if c[0]]


class DeclineDeferralForm(USWDSFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why not defer", max_length=300, help_text="Short; the asker reads it. No names."
    )


def may_ask_deferral(user, case: Case) -> bool:
    """Members of the case's team from a law-enforcement or prosecutor agency."""
    return any(
        m.team_id == case.team_id and m.sector in ASKING_SECTORS for m in active_memberships(user)
    )


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
    decides = "view_access_log" in case.viewer_permissions
    requests = case.deferral_requests.select_related("requested_by", "resolved_by")
    asker = may_ask_deferral(user, case)
    return DeferralPanel(
        open_requests=list(requests.open()) if decides else [],
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
                    f"You asked the team to defer case {case.reference}. "
                    "The coordinator will decide.",
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
    # Coordinators decide deferrals; view_access_log is theirs alone.
    case = get_case_for_user(request.user, code, "view_access_log")
    deferral = get_object_or_404(case.deferral_requests, code=item)
    form = DeclineDeferralForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say briefly why the case will not be deferred (300 characters).")
        return redirect(case_anchor(case))
    try:
        with transaction.atomic():
            current = DeferralRequest.objects.select_for_update().get(pk=deferral.pk)
            current.decline(by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Deferral of case {case.reference} declined.")
    return redirect(case_anchor(case))

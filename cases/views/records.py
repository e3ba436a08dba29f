"""Record requests: add, edit (answer, re-request), the PDF letter, and the overdue list."""

from collections import defaultdict
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from cases.access import (
    cases_for_user,
    get_case_for_user,
    get_item_for_user,
    may_chase_requests,
    viewers_for,
)
from cases.business_days import business_days_between
from cases.forms.records import RequestEditForm, RequestForm
from cases.letters import letter_filename, letter_pdf
from cases.models import RecordRequest
from cases.views.editing import edit_versioned
from ofr.audit import Action, DeniedForbidden, record
from ofr.models import Holiday
from ofr.paging import keyset_page

GET_OR_POST = ["GET", "HEAD", "POST"]


def requests_url(case) -> str:
    return reverse("cases:detail", args=[case.code]) + "#requests"


@login_required
@require_http_methods(GET_OR_POST)
def add_request(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    window_start, window_end = RecordRequest.default_window(case.death.date_of_death)
    record_request = RecordRequest(
        case=case,
        created_by=request.user,
        window_start=window_start,
        window_end=window_end,
        requested_on=timezone.localdate(),
    )
    form = RequestForm(request.POST or None, instance=record_request)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            record_request = form.save(commit=False)
            record_request._change_reason = "Record request added"
            record_request.save()  # computes the due date
        messages.success(
            request,
            gettext("Record request to %(agency)s: saved, due %(due)s.")
            % {"agency": record_request.agency, "due": f"{record_request.due_on:%Y-%m-%d}"},
        )
        if record_request.agreement_flag:
            messages.warning(
                request, gettext("Flagged: %(flag)s") % {"flag": record_request.agreement_flag}
            )
        return redirect(requests_url(case))
    return render(
        request,
        "cases/versioned_form.html",
        {
            "form": form,
            "case": case,
            "title": gettext("Request records"),
            "conflict": None,
            "cancel_url": requests_url(case),
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_request(request: HttpRequest, code, item) -> HttpResponse:
    record_request = get_item_for_user(request.user, code, RecordRequest, item, "change_case")
    case = record_request.case
    form = RequestEditForm(request.POST or None, instance=record_request)
    return edit_versioned(
        request,
        form,
        case=case,
        title=gettext("Record request to %(agency)s") % {"agency": record_request.agency},
        reason="Record request edited",
        success_url=requests_url(case),
        cancel_url=requests_url(case),
        item=record_request,
    )


@login_required
@require_safe
def request_letter(request: HttpRequest, code, item) -> HttpResponse:
    record_request = get_item_for_user(request.user, code, RecordRequest, item, "change_case")
    case = record_request.case
    pdf = letter_pdf(record_request, case.viewer)
    record(request, Action.EXPORT, case, detail=f"record request letter {item}")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{letter_filename(record_request)}"'
    response["Cache-Control"] = "no-store"
    return response


def shown_requests(user, requests: list) -> list:
    """The requests the confidentiality policy shows the user, as on the case
    page (e.g. none for SUD treatment records to law enforcement)."""
    viewers = viewers_for(user, {r.case for r in requests})
    return [r for r in requests if viewers[r.case_id].decide(r).shown]


@login_required
@require_safe
def overdue_requests(request: HttpRequest) -> HttpResponse:
    if not may_chase_requests(request.user):
        raise DeniedForbidden("cases.recordrequest", "", "overdue")
    today = timezone.localdate()
    # EXISTS per overdue request, not IN: SQLite would list every case the
    # user keeps first (340 ms at 100,000 cases), though few have a request overdue.
    kept = cases_for_user(request.user, "change_case").filter(pk=OuterRef("case_id"))
    candidates = RecordRequest.objects.filter(
        Exists(kept),
        outcome=RecordRequest.Outcome.PENDING,
        due_on__lt=today,
    ).select_related("case", "case__team", "agency")
    page = keyset_page(
        candidates,
        field="due_on",
        keep=partial(shown_requests, request.user),
        after=request.GET.get("after", ""),
    )
    overdue = page.rows
    closures = defaultdict(list)
    if overdue:
        holidays = Holiday.objects.filter(
            team__in={r.case.team_id for r in overdue},
            date__gt=overdue[0].due_on,
            date__lte=today,
        )
        for team_id, day in holidays.values_list("team_id", "date"):
            closures[team_id].append(day)
    rows = [(r, business_days_between(r.due_on, today, closures[r.case.team_id])) for r in overdue]
    return render(
        request,
        "cases/records/overdue.html",
        {"rows": rows, "today": today, "page": page},
    )

"""Facilitator mode: one screen per agenda case during the review meeting.

Only those who manage the meeting (coordinators and facilitators of its team,
cases/access.py) use it. Each screen shows the case file through the same
filter as the case page, and records a finding, the minutes of the case and
"reviewed". Reading it logs a view of the case; a closed meeting's cases can
be read here but no longer changed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from cases.access import get_case_for_user
from cases.casefile import case_file_context
from cases.models import Case, Finding
from cases.policy import TextGuard
from meetings.access import get_meeting_for_user
from meetings.forms.facilitation import DiscussionForm, QuickFindingForm
from meetings.models import AgendaItem, Meeting
from meetings.packets import previous_meeting_day
from ofr.audit import Action, DeniedNotFound, record
from ofr.concurrency import EditConflict, save_versioned
from recommendations.access import open_recommendations

CLOSED_MESSAGE = gettext_lazy(
    "The meeting is closed: its cases can no longer be changed in facilitator mode."
)


def case_url(meeting: Meeting, agenda_item: AgendaItem, anchor: str = "") -> str:
    url = reverse("meetings:facilitate_case", args=[meeting.code, agenda_item.pk])
    return f"{url}#{anchor}" if anchor else url


def agenda_case(request: HttpRequest, code, item) -> tuple[Meeting, list[AgendaItem], AgendaItem]:
    """The meeting (managers only: else 404 or 403), its agenda in order, and
    the agenda item `item` of it (else 404) with its case loaded for the user
    (cases/access.py: the case's permissions are on case.viewer_permissions)."""
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    agenda = list(
        meeting.agenda_items.select_related("case", "reviewed_by").order_by("position", "id")
    )
    agenda_item = next((a for a in agenda if a.pk == item), None)
    if agenda_item is None:
        raise DeniedNotFound("meetings.agendaitem", item, "manage_meeting")
    agenda_item.case = get_case_for_user(request.user, agenda_item.case.code, "view_case")
    return meeting, agenda, agenda_item


def review_problem(case: Case) -> str:
    """Why the case cannot be marked reviewed now, or "" (mark_reviewed checks again)."""
    if case.status in (Case.Status.READY_FOR_REVIEW, Case.Status.REVIEWED):
        return ""
    return gettext(
        "Case %(reference)s is %(status)s: only a case that is "
        "ready for review can be marked reviewed."
    ) % {"reference": case.reference, "status": case.get_status_display().lower()}


def facilitation_page(
    request: HttpRequest,
    meeting: Meeting,
    agenda: list[AgendaItem],
    agenda_item: AgendaItem,
    *,
    finding_form: QuickFindingForm | None = None,
    discussion_form: DiscussionForm | None = None,
    conflict: EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    case = agenda_item.case
    record(request, Action.VIEW, case, detail="facilitator mode")
    index = agenda.index(agenda_item)
    may_change = not meeting.is_closed
    if may_change and finding_form is None:
        finding_form = QuickFindingForm(
            instance=Finding(case=case, proposed_by=request.user), prefix="finding"
        )
    if may_change and discussion_form is None:
        discussion_form = DiscussionForm(instance=agenda_item, prefix="discussion")
    since = previous_meeting_day(meeting)
    return render(
        request,
        "meetings/facilitation/case.html",
        {
            "meeting": meeting,
            "agenda_item": agenda_item,
            "position": index + 1,
            "total": len(agenda),
            "previous": agenda[index - 1] if index > 0 else None,
            "next": agenda[index + 1] if index + 1 < len(agenda) else None,
            "may_change": may_change,
            "may_mark_reviewed": may_change and agenda_item.reviewed_at is None,
            "review_problem": review_problem(case),
            **case_file_context(case, case.viewer),
            "finding_form": finding_form,
            "discussion_form": discussion_form,
            "conflict": conflict,
            # Recommendations come up in every case discussion (agenda step 8).
            "recommendations": open_recommendations(request.user, meeting.team, since),
            "recommendations_since": since,
        },
        status=status,
    )


@login_required
@require_safe
def facilitate(request: HttpRequest, code) -> HttpResponse:
    """Start (or resume) at the first agenda case not yet reviewed."""
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    agenda = list(meeting.agenda_items.order_by("position", "id"))
    if not agenda:
        return render(request, "meetings/facilitation/no_cases.html", {"meeting": meeting})
    first = next((a for a in agenda if a.reviewed_at is None), agenda[0])
    return redirect(case_url(meeting, first))


@login_required
@require_safe
def facilitate_case(request: HttpRequest, code, item) -> HttpResponse:
    meeting, agenda, agenda_item = agenda_case(request, code, item)
    return facilitation_page(request, meeting, agenda, agenda_item)


@login_required
@require_POST
def quick_finding(request: HttpRequest, code, item) -> HttpResponse:
    meeting, agenda, agenda_item = agenda_case(request, code, item)
    if meeting.is_closed:
        messages.error(request, CLOSED_MESSAGE)
        return redirect(case_url(meeting, agenda_item))
    case = agenda_item.case
    form = QuickFindingForm(
        request.POST,
        instance=Finding(case=case, proposed_by=request.user),
        prefix="finding",
        guard=TextGuard(request.user, team=case.team, case=case),
    )
    if not form.is_valid():
        return facilitation_page(
            request, meeting, agenda, agenda_item, finding_form=form, status=400
        )
    confirmed = form.cleaned_data.get("confirmed", False)
    with transaction.atomic():
        finding = form.save(commit=False)
        finding._history_user = request.user
        finding._change_reason = f"Finding proposed at {meeting.title}"
        finding.save()
        form.save_m2m()  # the links to touchpoints, each with its history row
        if confirmed:
            finding.confirm(by=request.user)
    messages.success(
        request,
        gettext("Finding recorded and confirmed.")
        if confirmed
        else gettext("Finding recorded as proposed."),
    )
    return redirect(case_url(meeting, agenda_item, f"finding-{finding.code}"))


@login_required
@require_POST
def save_discussion(request: HttpRequest, code, item) -> HttpResponse:
    meeting, agenda, agenda_item = agenda_case(request, code, item)
    if meeting.is_closed:
        messages.error(request, CLOSED_MESSAGE)
        return redirect(case_url(meeting, agenda_item))
    form = DiscussionForm(
        request.POST,
        instance=agenda_item,
        prefix="discussion",
        guard=TextGuard(request.user, team=meeting.team, case=agenda_item.case),
    )
    if form.is_valid():
        try:
            save_versioned(
                form, by=request.user, reason=f"Discussion notes saved at {meeting.title}"
            )
        except EditConflict as conflict:
            return facilitation_page(
                request,
                meeting,
                agenda,
                agenda_item,
                discussion_form=form,
                conflict=conflict,
                status=409,
            )
        messages.success(request, gettext("Discussion notes saved."))
        return redirect(case_url(meeting, agenda_item, "discussion"))
    return facilitation_page(
        request, meeting, agenda, agenda_item, discussion_form=form, status=400
    )


@login_required
@require_POST
def mark_reviewed(request: HttpRequest, code, item) -> HttpResponse:
    """Move the case to reviewed (if its lifecycle allows) and mark it reviewed
    at this meeting, then go on to the next case not yet reviewed."""
    meeting, agenda, agenda_item = agenda_case(request, code, item)
    if meeting.is_closed:
        messages.error(request, CLOSED_MESSAGE)
        return redirect(case_url(meeting, agenda_item))
    try:
        agenda_item.mark_reviewed(by=request.user)
    except ValidationError as error:
        messages.error(
            request,
            gettext("Not marked reviewed: %(problems)s Nothing was changed.")
            % {"problems": " ".join(error.messages)},
        )
        return redirect(case_url(meeting, agenda_item))
    messages.success(
        request, gettext("Case %(reference)s reviewed.") % {"reference": agenda_item.case.reference}
    )
    # The next case not yet reviewed, after this one first, then from the top.
    index = agenda.index(agenda_item)
    rest = agenda[index + 1 :] + agenda[:index]
    following = next((a for a in rest if a.reviewed_at is None), None)
    if following is None:
        messages.info(request, gettext("Every case on the agenda is reviewed."))
        return redirect("meetings:detail", meeting.code)
    return redirect(case_url(meeting, following))

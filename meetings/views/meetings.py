"""Review meetings: list, plan, agenda, roster, signatures, status and copies.

Packets are in meetings/views/packets.py, facilitator mode in
meetings/views/facilitation.py. Access comes from meetings/access.py: coordinators,
data managers and facilitators see the team's meetings, others the meetings
they attend; coordinators and facilitators manage them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.access import cases_for_user, ungated_team_ids
from cases.models import Case
from cases.policy import TextGuard
from cases.views.editing import edit_versioned
from meetings.access import (
    get_meeting_for_user,
    may_list_meetings,
    may_manage_meetings,
    meetings_for_user,
    teams_managing_meetings,
)
from meetings.forms.meetings import (
    AddMembersForm,
    AgendaCaseForm,
    AgendaMoveForm,
    AgreementForm,
    DisposeCopyForm,
    InviteGuestForm,
    MeetingForm,
    MeetingRecordForm,
    MeetingStatusForm,
    SignatureForm,
)
from meetings.models import (
    AgendaItem,
    Attendance,
    ConfidentialityAgreement,
    Meeting,
    PacketCopy,
    Signature,
)
from meetings.packets import AGENDA_STEPS, previous_meeting_day
from ofr.audit import DeniedForbidden, DeniedNotFound, client_ip
from ofr.history import merged_entries
from ofr.models import Team
from recommendations.access import open_recommendations, recommendations_for_user

GET_OR_POST = ["GET", "HEAD", "POST"]

MEETINGS_PER_PAGE = 50


def meeting_url(meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.code])


def put_errors_on(form, error: ValidationError) -> None:
    """A model verb's refusal on the form: by field where the form has that
    field, else above the form."""
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error)


@login_required
@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    if not may_list_meetings(request.user):
        raise DeniedForbidden("meetings.meeting", "", "list_meetings")
    meetings = meetings_for_user(request.user)
    # The work queue's link: open meetings with signatures missing.
    unsigned = request.GET.get("unsigned") == "1"
    if unsigned:
        meetings = meetings.needing_signatures()
    now = timezone.now()
    past = Q(status=Meeting.Status.CLOSED) | Q(starts_at__lt=now)
    # Meetings to come are few; the past grows every month, so it comes in pages.
    recent = meetings.filter(past).order_by("-starts_at", "-id")
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "upcoming": list(meetings.exclude(past).order_by("starts_at", "id")),
            "page": Paginator(recent, MEETINGS_PER_PAGE).get_page(request.GET.get("page")),
            "can_add": bool(teams_managing_meetings(request.user)),
            "unsigned": unsigned,
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def meeting_new(request: HttpRequest) -> HttpResponse:
    teams = teams_managing_meetings(request.user)
    if not teams:
        raise DeniedForbidden("meetings.meeting", "", "add_meeting")
    form = MeetingForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        meeting = form.save(commit=False)
        meeting.created_by = request.user
        meeting._history_user = request.user
        meeting._change_reason = "Meeting planned"
        meeting.save()
        messages.success(request, gettext("Meeting planned: %(title)s.") % {"title": meeting.title})
        return redirect(meeting_url(meeting))
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@login_required
@require_safe
def meeting_detail(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code)
    user = request.user
    agenda = list(
        meeting.agenda_items.select_related("case", "case__death").order_by("position", "id")
    )
    # Which agenda cases the viewer may open: the roles that prepare the review,
    # or anyone once signed (the case page checks again).
    may_open = meeting.team_id in ungated_team_ids(user) or meeting.viewer_has_signed
    roster = list(
        meeting.attendances.select_related("user", "signature", "guest_membership").order_by(
            "user__last_name", "user__first_name", "user__username"
        )
    )
    copies = meeting.packet_copies.select_related("recipient").order_by("number")
    if not meeting.viewer_may_manage:
        copies = copies.filter(recipient=user)
    copies = list(copies)
    since = previous_meeting_day(meeting)
    # Recommendations as the recommendation pages would show them to this reader.
    readable = recommendations_for_user(user)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "steps": AGENDA_STEPS,
            "agenda": agenda,
            "may_open_cases": may_open,
            "roster": roster,
            "signed_count": sum(1 for a in roster if a.signature_or_none is not None),
            "recommendations": open_recommendations(user, meeting.team, since),
            "recommendations_since": since,
            "adopted_here": meeting.adopted_recommendations.filter(
                recommendation__in=readable
            ).select_related("recommendation"),
            "reported_here": meeting.reported_updates.filter(
                update__recommendation__in=readable
            ).select_related("update__recommendation"),
            "copies": copies,
            "outstanding": [
                c
                for c in copies
                if c.status == PacketCopy.Status.READY
                and c.disposition == PacketCopy.Disposition.OUTSTANDING
            ],
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def meeting_edit(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    if meeting.is_closed:
        messages.error(request, gettext("The meeting is closed and can no longer change."))
        return redirect(meeting_url(meeting))
    form = MeetingForm(
        request.POST or None, instance=meeting, guard=TextGuard(request.user, team=meeting.team)
    )
    return edit_versioned(
        request,
        form,
        case=None,
        title=gettext("Meeting details: %(title)s") % {"title": meeting.title},
        reason="Meeting details edited",
        success_url=meeting_url(meeting),
        cancel_url=meeting_url(meeting),
    )


@login_required
@require_http_methods(GET_OR_POST)
def meeting_status(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    form = MeetingStatusForm(request.POST or None, meeting=meeting)
    stale = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                current = Meeting.objects.select_for_update().get(pk=meeting.pk)
                stale = current.version != data["opened_version"]
                if not stale:
                    current.move_to(data["status"], by=request.user, note=data["note"])
        except ValidationError as error:
            form.add_error("note" if "outstanding" in error.messages[0] else None, error)
        else:
            if not stale:
                messages.success(
                    request,
                    gettext("The meeting is now %(status)s.")
                    % {"status": current.get_status_display().lower()},
                )
                return redirect(meeting_url(meeting))
    return render(
        request,
        "meetings/meeting_status.html",
        {
            "meeting": meeting,
            "form": form,
            "stale": stale,
            "outstanding": meeting.outstanding_copies().select_related("recipient"),
        },
        status=409 if stale else (400 if form.errors else 200),
    )


@login_required
@require_safe
def meeting_history(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    sources = [
        (Meeting, Meeting.history.filter(id=meeting.pk), lambda r: gettext("Meeting")),
        (
            AgendaItem,
            AgendaItem.history.filter(meeting_id=meeting.pk),
            lambda r: gettext("Agenda"),
        ),
        (Attendance, Attendance.history.filter(meeting_id=meeting.pk), lambda r: gettext("Roster")),
        (
            Signature,
            Signature.history.filter(attendance__meeting=meeting),
            lambda r: gettext("Signature"),
        ),
        (
            PacketCopy,
            PacketCopy.history.filter(meeting_id=meeting.pk),
            lambda r: gettext("Packet copy %(number)s") % {"number": r.number},
        ),
    ]
    entries = merged_entries(sources)
    return render(
        request, "meetings/meeting_history.html", {"meeting": meeting, "entries": entries}
    )


# --- Agenda -------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def add_agenda_case(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    cases = cases_for_user(request.user).filter(team=meeting.team)
    form = AgendaCaseForm(request.POST or None, meeting=meeting, cases=cases)
    if request.method == "POST" and form.is_valid():
        case = form.cleaned_data["case"]
        try:
            meeting.add_to_agenda(case, by=request.user)
        except ValidationError as error:
            put_errors_on(form, error)
        else:
            messages.success(
                request,
                gettext("Case %(reference)s is on the agenda.") % {"reference": case.reference},
            )
            return redirect(meeting_url(meeting))
    # The team's other open cases, with why they are not ready (their recorded
    # status reason) and the month of death: month and year only, since an
    # exact date beside an excluded or deferred case identifies the death.
    not_ready = (
        cases.exclude(status__in=[Case.Status.READY_FOR_REVIEW, Case.Status.REVIEWED])
        .exclude(status=Case.Status.CLOSED)
        .select_related("death")
        .order_by("reference")
    )
    return render(
        request,
        "meetings/agenda_add.html",
        {"meeting": meeting, "form": form, "not_ready": not_ready},
        status=400 if form.errors else 200,
    )


def _agenda_item(meeting: Meeting, item_id: int) -> AgendaItem:
    return get_object_or_404(meeting.agenda_items.select_related("case"), pk=item_id)


@login_required
@require_POST
def move_agenda_case(request: HttpRequest, code, item) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    agenda_item = _agenda_item(meeting, item)
    form = AgendaMoveForm(request.POST)
    if form.is_valid():
        try:
            meeting.move_on_agenda(agenda_item, form.cleaned_data["direction"], by=request.user)
        except ValidationError:
            pass
        else:
            return redirect(meeting_url(meeting) + "#agenda")
    messages.error(request, gettext("The agenda could not be changed."))
    return redirect(meeting_url(meeting))


@login_required
@require_POST
def remove_agenda_case(request: HttpRequest, code, item) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    agenda_item = _agenda_item(meeting, item)
    try:
        meeting.remove_from_agenda(agenda_item, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(meeting_url(meeting))
    messages.success(
        request,
        gettext("Case %(reference)s is off the agenda.")
        % {"reference": agenda_item.case.reference},
    )
    return redirect(meeting_url(meeting) + "#agenda")


# --- Roster and signatures ------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def add_attendee(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    which = request.POST.get("form") if request.method == "POST" else None
    members_form = AddMembersForm(request.POST if which == "members" else None, meeting=meeting)
    guest_form = InviteGuestForm(request.POST if which == "guest" else None, meeting=meeting)
    if meeting.is_closed and request.method == "POST":
        messages.error(request, gettext("The meeting is closed; its roster cannot change."))
        return redirect(meeting_url(meeting))
    if which == "members" and members_form.is_valid():
        try:
            added = meeting.add_attendees(members_form.cleaned_data["users"], by=request.user)
        except ValidationError as error:
            put_errors_on(members_form, error)
        else:
            count = len(added)
            messages.success(
                request,
                ngettext(
                    "%(count)d member added to the roster.",
                    "%(count)d members added to the roster.",
                    count,
                )
                % {"count": count},
            )
            return redirect(meeting_url(meeting) + "#roster")
    if which == "guest" and guest_form.is_valid():
        user = guest_form.cleaned_data["account"]
        try:
            Attendance.invite_guest(
                meeting, user, kind=guest_form.cleaned_data["kind"], by=request.user
            )
        except ValidationError as error:
            put_errors_on(guest_form, error)
        else:
            messages.success(
                request,
                gettext("%(name)s is invited to this meeting only.")
                % {"name": user.get_full_name() or user.username},
            )
            return redirect(meeting_url(meeting) + "#roster")
    return render(
        request,
        "meetings/attendee_add.html",
        {"meeting": meeting, "members_form": members_form, "guest_form": guest_form},
        status=400 if (members_form.errors or guest_form.errors) else 200,
    )


@login_required
@require_POST
def remove_attendee(request: HttpRequest, code, attendance) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    row = get_object_or_404(meeting.attendances.select_related("user"), pk=attendance)
    name = row.user.get_full_name() or row.user.username
    if meeting.is_closed or row.signature_or_none is not None:
        messages.error(
            request,
            gettext(
                "%(name)s has signed the agreement for this meeting; the signature stays on record."
            )
            % {"name": name}
            if not meeting.is_closed
            else gettext("The meeting is closed; its roster cannot change."),
        )
        return redirect(meeting_url(meeting) + "#roster")
    with transaction.atomic():
        if row.is_guest:
            row.revoke_guest_access(by=request.user, reason="Taken off the roster")
        row._history_user = request.user
        row._change_reason = "Taken off the roster"
        row.delete()
    messages.success(request, gettext("%(name)s is off the roster.") % {"name": name})
    return redirect(meeting_url(meeting) + "#roster")


@login_required
@require_http_methods(GET_OR_POST)
def sign_agreement(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code)
    attendance = meeting.viewer_attendance
    agreement = ConfidentialityAgreement.current(meeting.team)
    form = SignatureForm(request.POST or None)
    problem = ""
    if attendance is None:
        problem = gettext("You are not on this meeting's roster: ask the coordinator to add you.")
    elif meeting.viewer_has_signed:
        problem = gettext("You have already signed the agreement for this meeting.")
    elif meeting.is_closed:
        problem = gettext("The meeting is closed; there is nothing left to sign.")
    if request.method == "POST" and not problem and form.is_valid():
        try:
            attendance.sign(
                typed_name=form.cleaned_data["typed_name"],
                confirmed=form.cleaned_data["confirm"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            form.add_error("typed_name" if "name" in error.messages[0] else None, error)
        except IntegrityError:
            problem = gettext("You have already signed the agreement for this meeting.")
        else:
            messages.success(
                request, gettext("Signed. You can now open the meeting's cases and packet.")
            )
            return redirect(meeting_url(meeting))
    bad = request.method == "POST" and (problem or form.errors)
    return render(
        request,
        "meetings/sign.html",
        {"meeting": meeting, "agreement": agreement, "form": form, "problem": problem},
        status=400 if bad else 200,
    )


@login_required
@require_safe
def sign_in_sheet(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    roster = meeting.attendances.select_related(
        "user", "signature", "signature__agreement", "guest_membership"
    ).order_by("user__last_name", "user__first_name", "user__username")
    agencies = {
        m.user_id: m.agency.name
        for m in meeting.team.memberships.active().select_related("agency")
        if m.agency_id
    }
    rows = [(a, agencies.get(a.user_id, "")) for a in roster]
    return render(
        request,
        "meetings/sign_in_sheet.html",
        {
            "meeting": meeting,
            "rows": rows,
            "agreement": ConfidentialityAgreement.current(meeting.team),
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_agreement(request: HttpRequest, team) -> HttpResponse:
    team_obj = Team.objects.filter(code=team).first()
    if team_obj is None or not may_manage_meetings(request.user, team_obj.pk):
        raise DeniedNotFound("ofr.team", team, "manage_meeting")
    current = ConfidentialityAgreement.current(team_obj)
    form = AgreementForm(request.POST or None, initial={"text": current.text})
    if request.method == "POST" and form.is_valid():
        try:
            agreement = ConfidentialityAgreement.publish(
                team_obj, form.cleaned_data["text"], by=request.user
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(
                request,
                gettext("Version %(version)s of the agreement is in force.")
                % {"version": agreement.version},
            )
            return redirect(reverse("meetings:list"))
    versions = team_obj.agreements.order_by("-version")
    return render(
        request,
        "meetings/agreement_form.html",
        {"team": team_obj, "form": form, "current": current, "versions": versions},
        status=400 if form.errors else 200,
    )


# --- Packet copies --------------------------------------------------------------


@login_required
@require_POST
def dispose_copy(request: HttpRequest, code, copy) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    packet_copy = meeting.packet_copies.filter(code=copy).first()
    if packet_copy is None:
        raise Http404("No such copy")
    form = DisposeCopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose whether the copy was collected or destroyed."))
        return redirect(meeting_url(meeting) + "#copies")
    try:
        packet_copy.dispose(
            form.cleaned_data["disposition"], by=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            gettext("Copy %(number)s: %(disposition)s.")
            % {
                "number": packet_copy.number,
                "disposition": packet_copy.get_disposition_display().lower(),
            },
        )
    return redirect(meeting_url(meeting) + "#copies")


@login_required
@require_http_methods(GET_OR_POST)
def record_at_meeting(request: HttpRequest, code) -> HttpResponse:
    """Record a recommendation adopted, or a progress update reported, at this
    meeting (after it closed too: the write-up often comes later)."""
    meeting = get_meeting_for_user(request.user, code, "manage_meeting")
    form = MeetingRecordForm(request.POST if request.method == "POST" else None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        adopted, reported = form.cleaned_data["adopted"], form.cleaned_data["reported"]
        try:
            with transaction.atomic():
                if adopted:
                    meeting.record_adoption(adopted, by=request.user)
                if reported:
                    meeting.record_report(reported, by=request.user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error("adopted" if field == "recommendation" else "reported", problems)
        else:
            messages.success(request, gettext("Recorded at this meeting."))
            return redirect(meeting_url(meeting) + "#recommendations")
    return render(
        request,
        "meetings/record.html",
        {"meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )

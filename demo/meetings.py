"""Demo meetings: a past, closed Riverside review whose packet copies
were all collected, and a planned one with four cases on the agenda, where
facilitator and reviewer have signed and officer has not yet. Officer has asked
the team to defer one of the planned cases; the coordinator has not decided."""

import hashlib
from datetime import datetime, time, timedelta

from django.utils import timezone

from cases import valuesets as vs
from cases.models import Case, DeferralRequest
from meetings.models import AgendaItem, Attendance, ConfidentialityAgreement, Meeting, PacketCopy

PAST_CASES = ["RIV-2025-001", "RIV-2025-002", "RIV-2025-003"]
PLANNED_CASES = ["RIV-2025-004", "RIV-2025-005", "RIV-2025-006", "RIV-2026-001"]
# The planned case the sheriff's office asks the team to hold back.
DEFERRAL_ASKED_FOR = "RIV-2026-001"


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _save(obj, user, reason: str = "Demo data") -> None:
    obj._history_user = user
    obj._change_reason = reason
    obj.save()


def build_meetings(team, users: dict) -> None:
    coordinator, facilitator = users["coordinator"], users["facilitator"]
    ConfidentialityAgreement.current(team)
    today = timezone.localdate()

    past = Meeting(
        team=team,
        title="Riverside case review, autumn",
        starts_at=_at(today - timedelta(days=45), 13),
        place="Riverside County Health Department, conference room B",
        created_by=coordinator,
        minutes="Three cases reviewed. The team found missed opportunities at jail release "
        "and after non-fatal overdoses, and asked for a work group on MOUD at re-entry.",
    )
    _save(past, coordinator, "Meeting planned")
    for position, reference in enumerate(PAST_CASES, start=1):
        item = AgendaItem(
            meeting=past,
            case=Case.objects.get(team=team, reference=reference),
            position=position,
            discussion_notes="Member report-outs heard; timeline confirmed.",
            reviewed_at=past.starts_at + timedelta(minutes=40 * position),
            reviewed_by=facilitator,
        )
        _save(item, coordinator)
    roster = ["facilitator", "reviewer", "officer", "coordinator"]
    for name in roster:
        attendance = Attendance(meeting=past, user=users[name], added_by=coordinator)
        _save(attendance, coordinator)
        signature = attendance.sign(typed_name=users[name].get_full_name(), confirmed=True)
        signature.signed_at = past.starts_at - timedelta(minutes=10)
        _save(signature, users[name], "Signed in the room")
    for number, name in enumerate(roster, start=1):
        # The files were deleted when the meeting closed; number, recipient and hash stay.
        copy = PacketCopy(
            meeting=past,
            number=number,
            recipient=users[name],
            requested_by=facilitator,
            requested_at=past.starts_at - timedelta(days=1),
            status=PacketCopy.Status.READY,
            progress=100,
            finished_at=past.starts_at - timedelta(hours=20),
            sha256=hashlib.sha256(f"demo packet {number}".encode()).hexdigest(),
            page_count=14,
            disposition=PacketCopy.Disposition.COLLECTED,
            disposition_at=past.starts_at + timedelta(hours=2, minutes=5),
            disposition_by=facilitator,
        )
        _save(copy, facilitator)
    for status in (Meeting.Status.IN_SESSION, Meeting.Status.ADJOURNED, Meeting.Status.CLOSED):
        past.move_to(status, by=facilitator)

    planned = Meeting(
        team=team,
        title="Riverside case review, December",
        starts_at=_at(today + timedelta(days=14), 13),
        place="Riverside County Health Department, conference room B",
        video_link="https://meet.example.org/riverside-ofr",
        created_by=coordinator,
    )
    _save(planned, coordinator, "Meeting planned")
    for position, reference in enumerate(PLANNED_CASES, start=1):
        item = AgendaItem(
            meeting=planned,
            case=Case.objects.get(team=team, reference=reference),
            position=position,
        )
        _save(item, coordinator)
    for name in ("facilitator", "reviewer", "officer"):
        attendance = Attendance(meeting=planned, user=users[name], added_by=coordinator)
        _save(attendance, coordinator)
        if name != "officer":
            attendance.sign(typed_name=users[name].get_full_name(), confirmed=True)
    ask_for_deferral(team, users)


def ask_for_deferral(team, users: dict) -> None:
    """Officer's open request to defer a case of the planned meeting: granting
    it (deferring the case) would take the case off that agenda."""
    request = DeferralRequest(
        case=Case.objects.get(team=team, reference=DEFERRAL_ASKED_FOR),
        requested_by=users["officer"],
        reason=vs.DeferralReason.PROSECUTION_PENDING,
        note="Charges against the supplier are expected within two months.",
        requested_at=timezone.now() - timedelta(days=2),
    )
    _save(request, users["officer"], "Deferral requested")

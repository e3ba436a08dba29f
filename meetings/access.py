"""Who may see and do what on meetings. Every meeting view starts here.

Coordinators, data managers and facilitators see every meeting of their team;
anyone else sees the meetings whose roster they are on. Coordinators and
facilitators manage them (agenda, roster, packets, facilitator mode). Review
members and guests see a case once they signed the agreement of a meeting
with the case on its agenda (SignedForMeeting, which cases/access.py asks).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from cases.access import permissions_on_cases, team_roles, viewer_content
from cases.models import Case
from cases.policy import investigation_deferred, restricted_since
from meetings.models import Attendance, Meeting, PacketCopy, ReviewClearance
from ofr.access import active_memberships, active_team_ids
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.roles import MEETING_GATED_ROLES, MEETING_MANAGER_ROLES, MEETING_VIEWER_ROLES


class SignedForMeeting:
    """The review clearance of cases/access.py (settings.CASE_REVIEW_CLEARANCE):
    a member or guest is cleared for a case once they signed the agreement of
    a meeting with the case on its agenda; for guests, while it is open. Read
    from ReviewClearance, which the signatures and agendas keep up to date."""

    def cleared(self, user, *, open_only: bool) -> Q:
        rows = ReviewClearance.objects.filter(user=user)
        if open_only:
            rows = rows.filter(meeting_open=True)
        return Q(pk__in=rows.values("case_id"))

    def cleared_cases(self, user, case_ids) -> dict[int, bool]:
        rows = ReviewClearance.objects.filter(user=user, case_id__in=list(case_ids))
        return dict(rows.values_list("case_id", "meeting_open"))


def may_manage_meetings(user, team_id: int) -> bool:
    return bool(team_roles(user, team_id) & MEETING_MANAGER_ROLES)


def teams_managing_meetings(user) -> list:
    """Teams on which the user may plan meetings (for the "new meeting" form)."""
    teams = {m.team_id: m.team for m in active_memberships(user) if m.role in MEETING_MANAGER_ROLES}
    return sorted(teams.values(), key=lambda team: team.name)


def meetings_for_user(user) -> QuerySet[Meeting]:
    if not user.is_authenticated or not user.is_active:
        return Meeting.objects.none()
    team_ids = {m.team_id for m in active_memberships(user) if m.role in MEETING_VIEWER_ROLES}
    # The roster counts while the person is still on the team (a guest: until
    # their one-meeting membership ends).
    attending = Attendance.objects.filter(meeting=OuterRef("pk"), user=user)
    return Meeting.objects.select_related("team").filter(
        Q(team_id__in=team_ids) | (Q(team_id__in=active_team_ids(user)) & Exists(attending))
    )


def may_list_meetings(user) -> bool:
    """Members and guests (their one-meeting membership) list the meetings they
    attend; partners, oversight and administrators have no meetings page."""
    roles = MEETING_VIEWER_ROLES | MEETING_GATED_ROLES
    return any(m.role in roles for m in active_memberships(user))


def get_meeting_for_user(user, code, perm: str = "view_meeting") -> Meeting:
    """The meeting, if the user may see it (else 404) and, for perm
    "manage_meeting", manage it (else 403). Sets on the meeting:
    viewer_attendance (the user's roster row or None), viewer_has_signed and
    viewer_may_manage."""
    meeting = (
        Meeting.objects.select_related("team").filter(code=code).first()
        if user.is_authenticated and user.is_active
        else None
    )
    roles = team_roles(user, meeting.team_id) if meeting is not None else set()
    attendance = (
        Attendance.objects.filter(meeting=meeting, user=user).select_related("signature").first()
        if meeting is not None
        else None
    )
    on_roster = attendance is not None and bool(roles)  # still on the team
    if meeting is None or not (roles & MEETING_VIEWER_ROLES or on_roster):
        raise DeniedNotFound("meetings.meeting", code, perm)
    may_manage = bool(roles & MEETING_MANAGER_ROLES)
    if perm == "manage_meeting" and not may_manage:
        raise DeniedForbidden("meetings.meeting", code, perm)
    meeting.viewer_attendance = attendance
    meeting.viewer_has_signed = attendance is not None and attendance.signature_or_none is not None
    meeting.viewer_may_manage = may_manage
    return meeting


def packet_recipient_problem(meeting: Meeting, recipient, *, requested_by) -> str:
    """Why a packet cannot be made for this recipient, or "" if it can. Anyone on
    the roster gets their own once signed; managers make them for signed attendees."""
    if meeting.is_closed:
        return gettext("The meeting is closed: no more packet copies can be made.")
    attendance = Attendance.objects.filter(meeting=meeting, user=recipient).first()
    if attendance is None:
        return gettext("%(name)s is not on the meeting's roster.") % {
            "name": recipient.get_full_name() or recipient
        }
    if attendance.signature_or_none is None:
        if recipient == requested_by:
            return gettext(
                "You have not signed the confidentiality agreement for this meeting yet."
            )
        return gettext(
            "%(name)s has not signed the confidentiality agreement for this meeting yet."
        ) % {"name": recipient.get_full_name()}
    if recipient != requested_by and not may_manage_meetings(requested_by, meeting.team_id):
        return gettext("You may only ask for your own packet.")
    return ""


def get_packet_copy_for_user(user, meeting: Meeting, copy_code) -> PacketCopy:
    """The meeting's copy, if the user is its recipient or manages the meeting
    (else 404: its existence is not revealed). `meeting` comes from
    get_meeting_for_user."""
    copies = PacketCopy.objects.select_related("recipient")
    packet_copy = copies.filter(meeting=meeting, code=copy_code).first()
    if packet_copy is None or not (
        packet_copy.recipient_id == user.pk or meeting.viewer_may_manage
    ):
        raise DeniedNotFound("meetings.packetcopy", copy_code, "view_packet_copy")
    packet_copy.meeting = meeting
    return packet_copy


def packet_copy_problem(packet_copy: PacketCopy) -> str:
    """Why the copy no longer stands, or "". A copy holds the case files as its
    recipient might see them when it was laid out; it may be downloaded only
    while that still stands: its cases still on the agenda, none deferred for
    an investigation, its recipient still allowed to open each, nothing in
    them restricted further since."""
    on_agenda = set(packet_copy.meeting.agenda_items.values_list("case_id", flat=True))
    if set(packet_copy.case_ids) - on_agenda:
        return gettext("A case in this copy was taken off the agenda after it was made.")
    cases = list(Case.objects.filter(pk__in=packet_copy.case_ids))
    if any(investigation_deferred(case) for case in cases):
        return gettext("A case in this copy was deferred for an investigation after it was made.")
    theirs = permissions_on_cases(packet_copy.recipient, cases)
    if any("view_case" not in theirs[case.pk] for case in cases):
        return gettext("Its recipient may no longer open every case in it.")
    since = packet_copy.contents_at or packet_copy.finished_at
    if since is not None and restricted_since(packet_copy.case_ids, since):
        return gettext(
            "Part of the case files in it has been restricted further since it was made."
        )
    return ""


def copy_shows_more_than(packet_copy: PacketCopy, user) -> bool:
    """Whether another person's copy holds content this user may not see (e.g.
    the decedent's identifiers, in a coordinator's copy downloaded by the
    facilitator)."""
    if packet_copy.recipient_id == user.pk:
        return False
    cases = list(Case.objects.filter(pk__in=packet_copy.case_ids))
    theirs = permissions_on_cases(packet_copy.recipient, cases)
    mine = permissions_on_cases(user, cases)
    return any(not viewer_content(theirs[c.pk]) <= viewer_content(mine[c.pk]) for c in cases)

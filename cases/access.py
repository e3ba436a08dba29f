"""Who may see and do what on cases. Every view touching a case starts here.

Guardian answers "which cases" (object grants to the team's role groups);
ofr/roles.py answers "which actions". Superuser status and model-level
permissions never widen access: a system administrator is not a reviewer.
"""

from collections import defaultdict

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from cases import valuesets as vs
from cases.models import (
    AgendaItem,
    Attendance,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Meeting,
    PacketCopy,
)
from cases.policy import CaseViewer, ItemIndex, investigation_deferred, restricted_since
from ofr.access import (
    active_group_ids,
    active_memberships,
    active_team_ids,
    has_case_role,
    team_ids_with,
)
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.roles import (
    CASE_PERMISSIONS,
    DEFERRAL_ASKING_SECTORS,
    MEETING_GATED_ROLES,
    MEETING_MANAGER_ROLES,
    MEETING_VIEWER_ROLES,
    SensitiveCategory,
    category_permission,
    ungated_case_role,
)

# What widens a viewer's view of a case's content (beyond view_case).
CONTENT_PERMISSIONS = frozenset(
    {"view_identifiers", "view_deferred_investigative"}
    | {category_permission(c) for c in SensitiveCategory.values}
)


def ungated_team_ids(user) -> set[int]:
    """Teams on which the user prepares the review (coordinator, data manager,
    facilitator) and so sees the cases without signing for a meeting."""
    return {m.team_id for m in active_memberships(user) if ungated_case_role(m.role)}


def signed_agenda_items(user, case_ref=None, *, open_only: bool = False) -> QuerySet[AgendaItem]:
    """Agenda items of meetings whose agreement the user has signed (one join:
    the attendance and its signature are the same user's)."""
    items = AgendaItem.objects.filter(
        case=case_ref if case_ref is not None else OuterRef("pk"),
        meeting__attendances__user=user,
        meeting__attendances__signature__isnull=False,
    )
    if open_only:
        items = items.exclude(meeting__status="closed")
    return items


def cases_for_user(user, perm: str = "view_case") -> QuerySet[Case]:
    """Cases on which the user holds `perm` through an object grant (to the
    user, or to a team group their active memberships put them in today).
    Model-level permissions and superuser status never count. Members and
    guests hold a grant only on the cases of meetings whose agreement they
    signed (guests: until the meeting closes, while their membership lasts).

    Written with EXISTS over guardian's direct-FK tables rather than guardian's
    get_objects_for_user, whose IN (SELECT CAST(...)) lists made the case list
    take ~250 ms at 10,000 cases (manage.py bench); EXISTS uses the unique
    (group, permission, object) index: ~20 ms."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    permission = Permission.objects.filter(
        content_type__app_label="cases", content_type__model="case", codename=perm
    ).values("pk")
    via_group = CaseGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        group_id__in=active_group_ids(user),
        permission__in=permission,
    )
    direct = CaseUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__in=permission
    )
    ungated = Q(team_id__in=ungated_team_ids(user))
    signed = Exists(signed_agenda_items(user))
    on_a_team = Q(team_id__in=active_team_ids(user))
    return Case.objects.select_related("team").filter(
        (Exists(via_group) & (ungated | signed))
        | (on_a_team & Exists(direct) & Exists(signed_agenda_items(user, open_only=True)))
    )


def permissions_on_cases(user, cases) -> dict[int, frozenset[str]]:
    """The user's case permission codenames on each case (by pk), by the same
    rule as cases_for_user: group grants count on teams where the user prepares
    the review, or once they signed for a meeting with the case on its agenda;
    direct (guest) grants while such a meeting is open. Four queries however
    many cases."""
    cases = list(cases)
    result = {case.pk: frozenset() for case in cases}
    if not user.is_authenticated or not user.is_active or not cases:
        return result
    case_ids = list(result)
    via_groups = CaseGroupObjectPermission.objects.filter(
        group_id__in=active_group_ids(user), content_object_id__in=case_ids
    ).values_list("content_object_id", "permission__codename", Value(False))
    direct = CaseUserObjectPermission.objects.filter(
        user=user, content_object_id__in=case_ids
    ).values_list("content_object_id", "permission__codename", Value(True))
    group_grants, direct_grants = defaultdict(set), defaultdict(set)
    for case_id, codename, is_direct in via_groups.union(direct, all=True):
        (direct_grants if is_direct else group_grants)[case_id].add(codename)
    signed, signed_open = set(), set()
    ungated, on_teams = ungated_team_ids(user), active_team_ids(user)
    if any(c.team_id not in ungated for c in cases if group_grants[c.pk] or direct_grants[c.pk]):
        items = AgendaItem.objects.filter(
            case_id__in=case_ids,
            meeting__attendances__user=user,
            meeting__attendances__signature__isnull=False,
        )
        for case_id, status in items.values_list("case_id", "meeting__status"):
            signed.add(case_id)
            if status != Meeting.Status.CLOSED:
                signed_open.add(case_id)
    for case in cases:
        if case.team_id not in on_teams:
            continue
        held = set()
        if case.team_id in ungated or case.pk in signed:
            held |= group_grants[case.pk]
        if case.pk in signed_open:
            held |= direct_grants[case.pk]
        result[case.pk] = frozenset(held)
    return result


def case_permissions(user, case: Case) -> frozenset[str]:
    """The case permission codenames the user holds on this case."""
    return permissions_on_cases(user, [case])[case.pk]


def viewer_for(user, case: Case, permissions: frozenset[str] | None = None, index=None):
    """What the confidentiality policy (cases/policy.py) needs to know of this
    user on this case."""
    if permissions is None:
        permissions = case_permissions(user, case)
    user_id = user.pk if user.is_authenticated else None
    roles = frozenset(team_roles(user, case.team_id)) if permissions else frozenset()
    return CaseViewer(user_id=user_id, permissions=permissions, case=case, roles=roles, index=index)


def viewers_for(user, cases) -> dict[int, CaseViewer]:
    """A viewer per case (by pk), sharing one policy index: for pages and
    packets that show several cases."""
    cases = list(cases)
    permissions = permissions_on_cases(user, cases)
    index = ItemIndex([case.pk for case in cases])
    return {case.pk: viewer_for(user, case, permissions[case.pk], index) for case in cases}


def get_case_for_user(user, code, perm: str = "view_case") -> Case:
    """The case, if the user may see it (else 404) and holds `perm` on it (else 403).

    The policy's view of the user is kept on `case.viewer`, and the permissions
    found on `case.viewer_permissions`, for the view."""
    case = (
        Case.objects.select_related("team", "decedent", "death", "circumstances")
        .filter(code=code)
        .first()
    )
    permissions = case_permissions(user, case) if case is not None else frozenset()
    if "view_case" not in permissions:
        raise DeniedNotFound("cases.case", code, perm)
    if perm not in permissions:
        raise DeniedForbidden("cases.case", code, perm)
    case.viewer_permissions = permissions
    case.viewer = viewer_for(user, case, permissions)
    return case


def may_list_cases(user) -> bool:
    """Partners, oversight and administrators without a case role get no case pages."""
    return has_case_role(user)


def may_chase_requests(user) -> bool:
    """Roles that change case files (coordinator, data manager) keep the record requests going."""
    return any("change_case" in CASE_PERMISSIONS[m.role] for m in active_memberships(user))


def may_edit_finding(user, finding) -> bool:
    """Editors and facilitators edit any finding; its proposer only while it is proposed."""
    permissions = finding.case.viewer_permissions
    if "change_case" in permissions or "confirm_finding" in permissions:
        return True
    return finding.status == vs.FindingStatus.PROPOSED and finding.proposed_by_id == user.pk


def may_ask_deferral(user, case: Case) -> bool:
    """Members of the case's team from the sectors that know of investigations."""
    return any(
        m.team_id == case.team_id and m.sector in DEFERRAL_ASKING_SECTORS
        for m in active_memberships(user)
    )


def may_add_cases(user) -> bool:
    return bool(team_ids_with(user, "add_team_case"))


def get_item_for_user(user, case_code, model, item_code, perm: str = "view_case"):
    """A case item (timeline event, note, document, request, finding) by its
    code, if the user may see its case and the policy shows it to them (else
    404) and holds `perm` (else 403). The case is on `item.case`, with its
    viewer; the policy's decision is on `item.decision`."""
    case = get_case_for_user(user, case_code, "view_case")
    item = model.objects.filter(case=case, code=item_code).first()
    decision = case.viewer.decide(item) if item is not None else None
    if decision is None or not decision.shown:
        raise DeniedNotFound(model._meta.label_lower, item_code, perm)
    if perm not in case.viewer_permissions:
        raise DeniedForbidden(model._meta.label_lower, item_code, perm)
    item.case = case
    item.decision = decision
    return item


# --- Meetings -----------------------------------------------------------------
# Coordinators, data managers and facilitators see every meeting of their team;
# anyone else sees the meetings whose roster they are on. Coordinators and
# facilitators manage them (agenda, roster, packets, facilitator mode).


def team_roles(user, team_id: int) -> set[str]:
    return {m.role for m in active_memberships(user) if m.team_id == team_id}


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
        raise DeniedNotFound("cases.meeting", code, perm)
    may_manage = bool(roles & MEETING_MANAGER_ROLES)
    if perm == "manage_meeting" and not may_manage:
        raise DeniedForbidden("cases.meeting", code, perm)
    meeting.viewer_attendance = attendance
    meeting.viewer_has_signed = attendance is not None and attendance.signature_or_none is not None
    meeting.viewer_may_manage = may_manage
    return meeting


def packet_recipient_problem(meeting: Meeting, recipient, *, requested_by) -> str:
    """Why a packet cannot be made for this recipient, or "" if it can. Anyone on
    the roster gets their own once signed; managers make them for signed attendees."""
    if meeting.is_closed:
        return "The meeting is closed: no more packet copies can be made."
    attendance = Attendance.objects.filter(meeting=meeting, user=recipient).first()
    if attendance is None:
        return f"{recipient.get_full_name() or recipient} is not on the meeting's roster."
    if attendance.signature_or_none is None:
        who = "You have" if recipient == requested_by else f"{recipient.get_full_name()} has"
        return f"{who} not signed the confidentiality agreement for this meeting yet."
    if recipient != requested_by and not may_manage_meetings(requested_by, meeting.team_id):
        return "You may only ask for your own packet."
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
        raise DeniedNotFound("cases.packetcopy", copy_code, "view_packet_copy")
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
        return "A case in this copy was taken off the agenda after it was made."
    cases = list(Case.objects.filter(pk__in=packet_copy.case_ids))
    if any(investigation_deferred(case) for case in cases):
        return "A case in this copy was deferred for an investigation after it was made."
    theirs = permissions_on_cases(packet_copy.recipient, cases)
    if any("view_case" not in theirs[case.pk] for case in cases):
        return "Its recipient may no longer open every case in it."
    since = packet_copy.contents_at or packet_copy.finished_at
    if since is not None and restricted_since(packet_copy.case_ids, since):
        return "Part of the case files in it has been restricted further since it was made."
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


def viewer_content(permissions: frozenset[str]) -> frozenset[str]:
    """The permissions that widen what a viewer sees of a case's content."""
    return frozenset(p for p in permissions if p in CONTENT_PERMISSIONS)

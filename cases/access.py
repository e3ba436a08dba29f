"""Who may see and do what on cases. Every view touching a case starts here.

Guardian answers "which cases" (object grants to the team's role groups);
ofr/roles.py answers "which actions". Superuser status and model-level
permissions never widen access: a system administrator is not a reviewer.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from cases import valuesets as vs
from cases.models import (
    AgendaItem,
    Attendance,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    DecedentIdentifiers,
    Meeting,
    Note,
    PacketCopy,
    TimelineEvent,
)
from ofr.access import active_memberships, has_case_role
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.roles import (
    CASE_PERMISSIONS,
    MEETING_GATED_ROLES,
    MEETING_MANAGER_ROLES,
    MEETING_VIEWER_ROLES,
    TEAM_PERMISSIONS,
    SensitiveCategory,
    categories_for,
    category_permission,
    ungated_case_role,
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
    user or one of their groups). Model-level permissions and superuser status
    never count. Members and guests hold a grant only on the cases of meetings
    whose agreement they signed (guests: until the meeting closes).

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
        content_object=OuterRef("pk"), group__user=user, permission__in=permission
    )
    direct = CaseUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"), user=user, permission__in=permission
    )
    ungated = Q(team_id__in=ungated_team_ids(user))
    signed = Exists(signed_agenda_items(user))
    return Case.objects.select_related("team").filter(
        (Exists(via_group) & (ungated | signed))
        | (Exists(direct) & Exists(signed_agenda_items(user, open_only=True)))
    )


def case_permissions(user, case: Case) -> frozenset[str]:
    """The case permission codenames the user holds on this case: none at all
    for a member or guest who has not signed for a meeting with the case."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    direct = CaseUserObjectPermission.objects.filter(user=user, content_object=case)
    via_groups = CaseGroupObjectPermission.objects.filter(group__user=user, content_object=case)
    codenames = frozenset(
        direct.values_list("permission__codename", flat=True).union(
            via_groups.values_list("permission__codename", flat=True)
        )
    )
    if not codenames or case.team_id in ungated_team_ids(user):
        return codenames
    if not signed_agenda_items(user, case).exists():
        return frozenset()
    return codenames


def get_case_for_user(user, code, perm: str = "view_case") -> Case:
    """The case, if the user may see it (else 404) and holds `perm` on it (else 403).

    The permissions found are kept on `case.viewer_permissions` for the view."""
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


def may_add_cases(user) -> bool:
    return any("add_team_case" in TEAM_PERMISSIONS[m.role] for m in active_memberships(user))


# --- What a viewer may see inside a case -------------------------------------
# One filter for pages, packets and exports: a viewer without a category's
# permission gets a placeholder with the date coarsened to the month, never
# the text. Part 2 items shown to a permitted viewer carry the 42 CFR 2.32 notice.

PART2_NOTICE = (
    "42 CFR part 2 prohibits unauthorized use or disclosure of these records. "
    "This information has been disclosed to you from records protected by federal "
    "confidentiality rules (42 CFR part 2), which prohibit further disclosure and its use "
    "to investigate or prosecute any patient with regard to a crime."
)

PLACEHOLDER_LABELS = {
    SensitiveCategory.PART2_SUD: "SUD treatment contact (restricted)",
    SensitiveCategory.MENTAL_HEALTH: "Mental health contact (restricted)",
    SensitiveCategory.LE_INVESTIGATIVE: "Law-enforcement investigative item (restricted)",
    SensitiveCategory.NOK_INTERVIEW: "Next-of-kin interview (restricted)",
    SensitiveCategory.CHILD_SERVICES: "Child services record (restricted)",
    SensitiveCategory.EDUCATION: "Education record (restricted)",
}


def may_view_category(permissions: frozenset[str], category: str) -> bool:
    return not category or category_permission(category) in permissions


def notice_for(category: str) -> str:
    return PART2_NOTICE if category == SensitiveCategory.PART2_SUD else ""


@dataclass(frozen=True)
class TimelineItem:
    """A timeline event as one viewer may see it."""

    anchor: str
    date: date
    date_display: str
    days_before_death: int | None
    system: str
    system_label: str
    missed_opportunity: bool
    restricted: bool
    label: str  # the touchpoint type, or the placeholder
    agency: str = ""
    description: str = ""
    sensitivity_label: str = ""
    notice: str = ""
    event: TimelineEvent | None = None  # only when not restricted
    notes: tuple = ()


def _date_display(event: TimelineEvent) -> str:
    if event.date_precision == vs.DatePrecision.MONTH:
        return event.date.strftime("%B %Y")
    if event.date_precision == vs.DatePrecision.YEAR:
        return str(event.date.year)
    prefix = "about " if event.date_precision == vs.DatePrecision.APPROXIMATE else ""
    return prefix + event.date.isoformat()


def timeline_item(event: TimelineEvent, permissions, date_of_death) -> TimelineItem:
    anchor = f"event-{event.code}"
    system_label = vs.TouchpointSystem(event.system).label
    if not may_view_category(permissions, event.sensitivity):
        month = event.date.replace(day=1)
        return TimelineItem(
            anchor=anchor,
            date=month,
            date_display=month.strftime("%B %Y"),
            days_before_death=None,
            system=event.system,
            system_label=system_label,
            # The team's judgement on a hidden contact is hidden with it.
            missed_opportunity=False,
            restricted=True,
            label=PLACEHOLDER_LABELS[event.sensitivity],
        )
    return TimelineItem(
        anchor=anchor,
        date=event.date,
        date_display=_date_display(event),
        days_before_death=event.days_before_death(date_of_death),
        system=event.system,
        system_label=system_label,
        missed_opportunity=event.missed_opportunity,
        restricted=False,
        label=event.get_touchpoint_type_display(),
        agency=event.agency.name if event.agency_id else "",
        description=event.description,
        sensitivity_label=event.get_sensitivity_display() if event.sensitivity else "",
        notice=notice_for(event.sensitivity),
        event=event,
        notes=tuple(visible_notes(event.notes.all(), permissions)),
    )


def visible_timeline(case: Case, permissions: frozenset[str]) -> list[TimelineItem]:
    """The case's timeline, oldest first, filtered for the viewer (two queries)."""
    date_of_death = case.death.date_of_death
    events = case.timeline_events.select_related("agency").prefetch_related(
        Prefetch("notes", queryset=Note.objects.select_related("author"))
    )
    return [timeline_item(event, permissions, date_of_death) for event in events]


@dataclass(frozen=True)
class RestrictedItem:
    """What a viewer without the category's permission sees of a note or document."""

    label: str
    date_display: str
    restricted: bool = True


def viewable_categories(permissions: frozenset[str]) -> list[str]:
    """The sensitive categories whose content the viewer may see."""
    return [c for c in SensitiveCategory.values if may_view_category(permissions, c)]


def _visible(items, permissions, *, categories, placeholder) -> list:
    """Each item as the viewer may see it: itself (with the Part 2 notice when it
    is Part 2 content), or placeholder(item, first hidden category)."""
    visible = []
    for item in items:
        needed = categories(item)
        hidden = [c for c in needed if not may_view_category(permissions, c)]
        if hidden:
            visible.append(placeholder(item, hidden[0]))
        else:
            item.notice = PART2_NOTICE if SensitiveCategory.PART2_SUD in needed else ""
            item.restricted = False
            visible.append(item)
    return visible


def _own_category(item) -> tuple[str, ...]:
    return (item.sensitivity,) if item.sensitivity else ()


def _month(day) -> str:
    return day.strftime("%B %Y")


def visible_notes(notes, permissions: frozenset[str]) -> list:
    """A note needs its own category and its event's."""
    return _visible(
        notes,
        permissions,
        categories=lambda note: note.categories,
        placeholder=lambda note, category: RestrictedItem(
            label=f"Note ({PLACEHOLDER_LABELS[category].replace(' (restricted)', '')}, restricted)",
            date_display=_month(note.created_at),
        ),
    )


def visible_findings(findings, permissions: frozenset[str]) -> list:
    """A finding in a hidden category becomes a placeholder (its kind and
    system stay hidden too)."""
    return _visible(
        findings,
        permissions,
        categories=_own_category,
        placeholder=lambda finding, _: RestrictedItem(
            label="Finding (restricted)", date_display=_month(finding.proposed_at)
        ),
    )


def visible_requests(requests, permissions: frozenset[str]) -> list:
    """A request asking for records of a hidden category becomes a placeholder
    (the agency and record types stay hidden)."""
    return _visible(
        requests,
        permissions,
        categories=lambda request: request.categories,
        placeholder=lambda request, _: RestrictedItem(
            label="Record request (restricted)", date_display=_month(request.requested_on)
        ),
    )


def visible_documents(documents, permissions: frozenset[str]) -> list:
    return _visible(
        documents,
        permissions,
        categories=_own_category,
        placeholder=lambda document, category: RestrictedItem(
            label=PLACEHOLDER_LABELS[category].replace("contact", "record"),
            date_display=_month(document.received_on or document.uploaded_at.date()),
        ),
    )


def may_view_request_on_team(user, record_request) -> bool:
    """For lists across cases: the categories the user's memberships give on
    the request's team (from the memberships the header already loads)."""
    allowed = set()
    for membership in active_memberships(user):
        if membership.team_id == record_request.case.team_id:
            sector = membership.agency.sector if membership.agency_id else None
            allowed |= categories_for(membership.role, sector)
    return all(c in allowed for c in record_request.categories)


def identifiers_for(case: Case, permissions: frozenset[str]) -> DecedentIdentifiers | None:
    """The decedent's identifiers, or None: never loaded for those who may not see them."""
    if "view_identifiers" not in permissions:
        return None
    return DecedentIdentifiers.objects.get(case=case)


def get_item_for_user(user, case_code, model, item_code, perm: str = "view_case"):
    """A case item (timeline event, note, document, request, finding) by its
    code, if the user may see its case and its category (else 404) and holds
    `perm` (else 403). The case is on `item.case`, with viewer_permissions."""
    case = get_case_for_user(user, case_code, "view_case")
    item = model.objects.filter(case=case, code=item_code).first()
    categories = getattr(item, "categories", (getattr(item, "sensitivity", ""),))
    if item is None or not all(may_view_category(case.viewer_permissions, c) for c in categories):
        raise DeniedNotFound(model._meta.label_lower, item_code, perm)
    if perm not in case.viewer_permissions:
        raise DeniedForbidden(model._meta.label_lower, item_code, perm)
    item.case = case
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
    attending = Attendance.objects.filter(meeting=OuterRef("pk"), user=user)
    return Meeting.objects.select_related("team").filter(
        Q(team_id__in=team_ids) | Exists(attending)
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
    if meeting is None or not (roles & MEETING_VIEWER_ROLES or attendance is not None):
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

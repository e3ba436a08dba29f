"""Who may see and do what on cases. Every view touching a case starts here.

Guardian answers "which cases" (object grants to the team's role groups);
ofr/roles.py answers "which actions". Superuser status and model-level
permissions never widen access: a system administrator is not a reviewer.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from cases import valuesets as vs
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    DecedentIdentifiers,
    Note,
    TimelineEvent,
)
from ofr.access import active_memberships, has_case_role
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.roles import (
    CASE_PERMISSIONS,
    TEAM_PERMISSIONS,
    SensitiveCategory,
    categories_for,
    category_permission,
)


def cases_for_user(user, perm: str = "view_case") -> QuerySet[Case]:
    """Cases on which the user holds `perm` through an object grant (to the
    user or one of their groups). Model-level permissions and superuser status
    never count.

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
    return Case.objects.select_related("team").filter(Exists(via_group) | Exists(direct))


def case_permissions(user, case: Case) -> frozenset[str]:
    """The case permission codenames the user holds on this case (one query)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    direct = CaseUserObjectPermission.objects.filter(user=user, content_object=case)
    via_groups = CaseGroupObjectPermission.objects.filter(group__user=user, content_object=case)
    codenames = direct.values_list("permission__codename", flat=True).union(
        via_groups.values_list("permission__codename", flat=True)
    )
    return frozenset(codenames)


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

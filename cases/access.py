"""Who may see and do what on cases. Every view touching a case starts here.

Guardian answers "which cases" (object grants to the team's role groups);
ofr/roles.py answers "which actions". Superuser status and model-level
permissions never widen access: a system administrator is not a reviewer.
"""

import operator
from collections import defaultdict
from functools import cache, reduce

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.signals import setting_changed
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.utils.module_loading import import_string

from cases import valuesets as vs
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    DataSharingAgreement,
)
from cases.policy import (
    CaseViewer,
    ItemIndex,
    may_manage_interviews,
    may_see_interview,
    may_send_outreach,
    may_work_interview,
)
from ofr.access import (
    active_group_ids,
    active_memberships,
    active_team_ids,
    has_case_role,
    team_ids_with,
    teams_for_user,
)
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.models import Team
from ofr.roles import (
    CASE_PERMISSIONS,
    COMPLETENESS_OVERRIDE_ROLES,
    DEFERRAL_ASKING_SECTORS,
    Role,
    SensitiveCategory,
    category_permission,
    ungated_case_role,
)

# What widens a viewer's view of a case's content (beyond view_case).
CONTENT_PERMISSIONS = frozenset(
    {"view_identifiers", "view_deferred_investigative"}
    | {category_permission(c) for c in SensitiveCategory.values}
)


def guest_team_ids(user) -> set[int]:
    """Teams on which the user is a guest (or observer) of a meeting today:
    their direct grants on its cases count only there."""
    return {m.team_id for m in active_memberships(user) if m.role == Role.GUEST}


def ungated_team_ids(user) -> set[int]:
    """Teams on which the user prepares the review (coordinator, data manager,
    facilitator) and so sees the cases without signing for a meeting."""
    return {m.team_id for m in active_memberships(user) if ungated_case_role(m.role)}


class NoClearance:
    """Which cases a review member or guest is cleared to see, beyond the
    teams where they prepare the review. The rule belongs to the app that runs
    the review meetings, above this one: settings.CASE_REVIEW_CLEARANCE names
    it (meetings.access.SignedForMeeting: a signed agreement for a meeting
    with the case on its agenda). This default clears no one."""

    def cleared(self, user, *, open_only: bool) -> Q | Exists:
        """A filter on cases: those the user is cleared for (`open_only`: by a
        clearance that still holds for guests, i.e. its meeting is not closed)."""
        return Q(pk__in=[])

    def cleared_cases(self, user, case_ids) -> dict[int, bool]:
        """For the cleared cases among `case_ids`: whether the clearance still
        holds for guests."""
        return {}


@cache
def review_clearance() -> NoClearance:
    path = getattr(settings, "CASE_REVIEW_CLEARANCE", "")
    return import_string(path)() if path else NoClearance()


@receiver(setting_changed)
def _forget_review_clearance(setting, **kwargs) -> None:
    if setting == "CASE_REVIEW_CLEARANCE":
        review_clearance.cache_clear()


@cache
def case_permission_ids() -> dict[str, int]:
    """Codename → id of the case permissions. Written into the list's query as
    a value rather than a subquery: PostgreSQL then estimates the grants it
    will find and walks the case index page by page instead of sorting every
    case of the team (4 ms instead of 35 ms at 10,000 cases)."""
    rows = Permission.objects.filter(content_type__app_label="cases", content_type__model="case")
    return dict(rows.values_list("codename", "pk"))


@receiver(post_migrate)
def _forget_permission_ids(**kwargs) -> None:
    # Migrations (and the test runner's flushes) create the permission rows anew.
    case_permission_ids.cache_clear()


def cases_for_user(user, perm: str = "view_case") -> QuerySet[Case]:
    """Cases on which the user holds `perm` through an object grant (to the
    user, or to a team group their active memberships put them in today).
    Model-level permissions and superuser status never count. Members and
    guests hold a grant only on the cases they are cleared to review (see
    NoClearance; guests: until the meeting closes, while their membership
    lasts).

    Written with EXISTS over guardian's direct-FK tables rather than guardian's
    get_objects_for_user, whose IN (SELECT CAST(...)) lists made the case list
    take ~250 ms at 10,000 cases (manage.py bench). Only the branches the
    user's roles need are asked, so that a review member's list is driven by
    their clearances (an indexed list of the cases they signed for), not by
    every case of the team, and a coordinator's by the team's cases alone."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    permission = case_permission_ids().get(perm)
    via_group = Exists(
        CaseGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"),
            group_id__in=active_group_ids(user),
            permission_id=permission,
        )
    )
    ungated = ungated_team_ids(user)
    gated = {m.team_id for m in active_memberships(user) if m.team_id not in ungated}
    clearance = review_clearance()
    branches = []
    if ungated:
        branches.append(Q(team_id__in=ungated) & via_group)
    if gated:
        # No team condition: the group grant already holds the case to the
        # user's teams, and without one SQLite starts from the clearances (a
        # member's page 20 at 100,000 cases: 27 -> 11 ms) instead of walking
        # the team's cases in date order.
        branches.append(clearance.cleared(user, open_only=False) & via_group)
    guest_teams = guest_team_ids(user)
    if guest_teams:
        # Guests: their own grants, while a meeting that clears them is open.
        direct = CaseUserObjectPermission.objects.filter(user=user, permission_id=permission)
        branches.append(
            Q(team_id__in=guest_teams)
            & clearance.cleared(user, open_only=True)
            & Q(pk__in=direct.values("content_object_id"))
        )
    if not branches:
        return Case.objects.none()
    return Case.objects.select_related("team").filter(reduce(operator.or_, branches))


def permissions_on_cases(user, cases) -> dict[int, frozenset[str]]:
    """The user's case permission codenames on each case (by pk), by the same
    rule as cases_for_user: group grants count on teams where the user prepares
    the review, or once they are cleared to review the case; direct (guest)
    grants on teams where they are a guest today, while that clearance holds
    for guests. Four queries however many
    cases."""
    cases = list(cases)
    result = {case.pk: frozenset() for case in cases}
    if not user.is_authenticated or not user.is_active or not cases:
        return result
    case_ids = list(result)
    # "group_id + 0": without statistics SQLite would walk the grants of the
    # user's groups (every case of the team, 150 ms at 100,000 cases) rather
    # than those of the cases asked about.
    via_groups = (
        CaseGroupObjectPermission.objects.alias(unindexed_group=F("group_id") + 0)
        .filter(unindexed_group__in=active_group_ids(user), content_object_id__in=case_ids)
        .values_list("content_object_id", "permission__codename", Value(False))
    )
    direct = CaseUserObjectPermission.objects.filter(
        user=user, content_object_id__in=case_ids
    ).values_list("content_object_id", "permission__codename", Value(True))
    group_grants, direct_grants = defaultdict(set), defaultdict(set)
    for case_id, codename, is_direct in via_groups.union(direct, all=True):
        (direct_grants if is_direct else group_grants)[case_id].add(codename)
    signed, signed_open = set(), set()
    ungated, on_teams = ungated_team_ids(user), active_team_ids(user)
    guest_teams = guest_team_ids(user)
    if any(c.team_id not in ungated for c in cases if group_grants[c.pk] or direct_grants[c.pk]):
        cleared = review_clearance().cleared_cases(user, case_ids)
        signed = set(cleared)
        signed_open = {case_id for case_id, still_open in cleared.items() if still_open}
    for case in cases:
        if case.team_id not in on_teams:
            continue
        held = set()
        if case.team_id in ungated or case.pk in signed:
            held |= group_grants[case.pk]
        if case.pk in signed_open and case.team_id in guest_teams:
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


def may_override_completeness(viewer: CaseViewer) -> bool:
    """Who may move a case to reviewed or closed with more items not collected
    than the team allows, giving a reason (ofr/roles.py)."""
    return bool(viewer.roles & COMPLETENESS_OVERRIDE_ROLES)


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


# --- Next-of-kin interviews (cases/views/nok.py; the rules are cases/policy.py's) ---

# What a page does with an interview -> who may do it, beyond reading it.
INTERVIEW_ACTIONS = {
    "view": may_see_interview,
    "work": may_work_interview,  # outreach, consent, the interview, debrief, touchpoints
    "outreach": may_send_outreach,  # letters and consent forms
    "manage": lambda viewer, interview: may_manage_interviews(viewer),  # do-not-contact
}


def get_interview_for_user(user, case_code, item_code, action: str = "view"):
    """A next-of-kin interview, if the user may see its case and read it (else
    404: those who may not read it do not learn it exists) and may do `action`
    on it (else 403). The case, with its viewer, is on `interview.case`."""
    from cases.models import NokInterview

    case = get_case_for_user(user, case_code, "view_case")
    interview = (
        NokInterview.objects.select_related("interviewer").filter(case=case, code=item_code).first()
    )
    if interview is None or not may_see_interview(case.viewer, interview):
        raise DeniedNotFound("cases.nokinterview", item_code, action)
    if not INTERVIEW_ACTIONS[action](case.viewer, interview):
        raise DeniedForbidden("cases.nokinterview", item_code, action)
    interview.case = case
    return interview


def get_case_for_assigning(user, case_code) -> Case:
    """The case, for assigning a next-of-kin interview: coordinators (else 403)."""
    case = get_case_for_user(user, case_code, "view_case")
    if not may_manage_interviews(case.viewer):
        raise DeniedForbidden("cases.case", case_code, "assign_nok_interview")
    return case


def trained_interviewers(team_id: int):
    """Users with an active membership on the team flagged as trained next-of-kin interviewers."""
    from django.contrib.auth import get_user_model

    from ofr.models import Membership

    flagged = Membership.objects.active().filter(team_id=team_id, nok_interviewer=True)
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=flagged.values("user_id"))
        .order_by("last_name", "first_name", "username")
    )


def is_nok_interviewer(user) -> bool:
    return any(m.nok_interviewer for m in active_memberships(user))


def nok_coordinated_teams(user) -> list[Team]:
    """Teams on which the user assigns interviews (and sees how many were debriefed)."""
    teams = {m.team_id: m.team for m in active_memberships(user) if m.role == Role.COORDINATOR}
    return sorted(teams.values(), key=lambda team: team.name)


def team_roles(user, team_id: int) -> set[str]:
    return {m.role for m in active_memberships(user) if m.team_id == team_id}


def viewer_content(permissions: frozenset[str]) -> frozenset[str]:
    """The permissions that widen what a viewer sees of a case's content."""
    return frozenset(p for p in permissions if p in CONTENT_PERMISSIONS)


# --- Exports ---------------------------------------------------------------------


def export_teams(user) -> list[Team]:
    """Teams whose case files the user may export (a role holding export_cases)."""
    allowed = team_ids_with(user, "export_cases")
    teams = {m.team_id: m.team for m in active_memberships(user) if m.team_id in allowed}
    return sorted(teams.values(), key=lambda team: team.name)


def get_export_team_for_user(user, code) -> Team:
    """The team, if the user may export its case files (else 404 for a team
    they are not on, 403 for their own team without the right role)."""
    return _team_with(user, code, "export_cases")


def _team_with(user, code, perm: str) -> Team:
    team = Team.objects.filter(code=code).first()
    if team is None or not user.is_authenticated:
        raise DeniedNotFound("ofr.team", code, perm)
    if team.pk in team_ids_with(user, perm):
        return team
    if team.pk in active_team_ids(user):
        raise DeniedForbidden("ofr.team", code, perm)
    raise DeniedNotFound("ofr.team", code, perm)


# --- Data quality (cases/views/quality.py) --------------------------------------
# The team's completeness report and its list of cases with open data queries
# go with view_data_quality (coordinators, data managers, facilitators, who
# prepare the review and see the team's cases unsigned; not the governing
# committee, which reads aggregates but no case). Each page holds only the cases the reader may
# see (cases_for_user), each as the policy shows it to them; review members
# see a case's completeness and queries on the case page.
QUALITY_PERMISSION = "view_data_quality"


def quality_teams(user) -> list[Team]:
    """Teams whose completeness report and data queries the user may read."""
    allowed = team_ids_with(user, QUALITY_PERMISSION)
    teams = {m.team_id: m.team for m in active_memberships(user) if m.team_id in allowed}
    return sorted(teams.values(), key=lambda team: team.name)


def get_quality_team_for_user(user, code) -> Team:
    """The team, if the user may read its data-quality pages (else 404 for a
    team they are not on, 403 for their own team without the right role)."""
    return _team_with(user, code, QUALITY_PERMISSION)


def exportable_cases(user, team: Team) -> QuerySet[Case]:
    """The team's cases the user may see, with what an export reads of them."""
    return (
        cases_for_user(user, "view_case")
        .filter(team=team)
        .select_related("team", "decedent", "death", "circumstances")
        .prefetch_related("toxicology")
        .order_by("reference")
    )


def identifiers_withheld(user, cases) -> list[str]:
    """References of the cases whose identifiers the user may not see (a full
    export of them is refused)."""
    cases = list(cases)
    permissions = permissions_on_cases(user, cases)
    return [case.reference for case in cases if "view_identifiers" not in permissions[case.pk]]


# --- Case import (cases/views/imports.py) -------------------------------------


def teams_importing(user):
    """Teams whose cases the user may import: the right to open a case file
    (add_team_case: coordinators and data managers)."""
    return teams_for_user(user, "add_team_case")


def get_import_for_user(user, code):
    """A pending import, only for the person who uploaded it while they may
    still add cases on its team (else 404); 403 for those who may import nothing."""
    from cases.models import PendingImport

    team_ids = team_ids_with(user, "add_team_case")
    if not team_ids:
        raise DeniedForbidden("cases.pendingimport", code, "add_team_case")
    pending = (
        PendingImport.objects.select_related("team")
        .filter(code=code, created_by_id=user.pk, team_id__in=team_ids)
        .first()
    )
    if pending is None or pending.is_expired:
        raise DeniedNotFound("cases.pendingimport", code, "add_team_case")
    pending.created_by = user  # the same person, with their memberships read already
    return pending


# --- Data-sharing agreements (a team's, not a case's) ------------------------------


def agreement_teams(user, perm: str = "view_agreements") -> list[Team]:
    """Teams whose data-sharing agreements the user may read (view_agreements)
    or record and change (manage_agreements), by name."""
    allowed = team_ids_with(user, perm)
    teams = {m.team_id: m.team for m in active_memberships(user) if m.team_id in allowed}
    return sorted(teams.values(), key=lambda team: team.name)


def get_agreement_for_user(user, code, perm: str = "view_agreements"):
    """The agreement, if the user's role on its team holds `perm` (else 404
    for a team they are not on, 403 for their own team without the right)."""
    agreement = (
        DataSharingAgreement.objects.select_related("team", "agency").filter(code=code).first()
        if user.is_authenticated
        else None
    )
    if agreement is None or agreement.team_id not in active_team_ids(user):
        raise DeniedNotFound("cases.datasharingagreement", str(code), perm)
    if agreement.team_id not in team_ids_with(user, perm):
        raise DeniedForbidden("cases.datasharingagreement", str(code), perm)
    return agreement

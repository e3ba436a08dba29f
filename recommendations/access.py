"""Who may see and change which recommendations. Every recommendation view starts here.

- Team members with a case role (coordinator, data manager, facilitator,
  member) see their team's recommendations; coordinators and facilitators
  write and change them.
- An agency partner sees and updates only the recommendations its agency
  leads or partners on, and no case data.
- Oversight sees every recommendation of the teams in its jurisdiction (and
  below it), read-only, and no case data.
"""

from django.db.models import Q, QuerySet

from ofr.access import active_memberships
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.models import Jurisdiction, Team
from ofr.roles import Role
from recommendations.models import Recommendation

TEAM_READERS = frozenset({Role.COORDINATOR, Role.DATA_MANAGER, Role.FACILITATOR, Role.MEMBER})
EDITORS = frozenset({Role.COORDINATOR, Role.FACILITATOR})


def jurisdiction_and_below(jurisdiction_ids: set[int]) -> set[int]:
    """The jurisdictions and every one under them (state → county → …)."""
    found, frontier = set(jurisdiction_ids), set(jurisdiction_ids)
    while frontier:
        frontier = (
            set(Jurisdiction.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return found


def oversight_team_ids(user) -> set[int]:
    """Teams in or under the jurisdictions of the user's oversight teams (found
    once per request: cached on the user, like the memberships)."""
    cached = getattr(user, "_ofr_oversight_team_ids", None)
    if cached is not None:
        return cached
    teams = [m.team for m in active_memberships(user) if m.role == Role.OVERSIGHT]
    found: set[int] = set()
    if teams:
        covered = jurisdiction_and_below(
            set(Jurisdiction.objects.filter(teams__in=teams).values_list("pk", flat=True))
        )
        found = set(
            Team.objects.filter(jurisdictions__in=covered).values_list("pk", flat=True).distinct()
        )
    user._ofr_oversight_team_ids = found
    return found


def recommendations_for_user(user) -> QuerySet[Recommendation]:
    if not user.is_authenticated or not user.is_active:
        return Recommendation.objects.none()
    memberships = active_memberships(user)
    team_ids = {m.team_id for m in memberships if m.role in TEAM_READERS}
    team_ids |= oversight_team_ids(user)
    partner = Q()
    for m in memberships:
        if m.role == Role.AGENCY_PARTNER and m.agency_id:
            partner |= Q(team_id=m.team_id) & (
                Q(lead_agency_id=m.agency_id) | Q(partner_links__agency_id=m.agency_id)
            )
    visible = Q(team_id__in=team_ids)
    if partner:
        visible |= partner
    return Recommendation.objects.filter(visible).distinct()


def may_list_recommendations(user) -> bool:
    readers = TEAM_READERS | {Role.AGENCY_PARTNER, Role.OVERSIGHT}
    return any(m.role in readers for m in active_memberships(user))


def editor_teams(user) -> list[Team]:
    teams = {m.team_id: m.team for m in active_memberships(user) if m.role in EDITORS}
    return sorted(teams.values(), key=lambda team: team.name)


def may_edit(user, recommendation: Recommendation) -> bool:
    return any(
        m.team_id == recommendation.team_id and m.role in EDITORS for m in active_memberships(user)
    )


def may_update(user, recommendation: Recommendation) -> bool:
    """Editors, and partners whose agency leads or partners on it."""
    if may_edit(user, recommendation):
        return True
    agencies = {
        m.agency_id
        for m in active_memberships(user)
        if m.role == Role.AGENCY_PARTNER and m.team_id == recommendation.team_id
    }
    return (
        recommendation.lead_agency_id in agencies
        or recommendation.partner_links.filter(agency_id__in=agencies).exists()
    )


def may_see_findings(user, recommendation: Recommendation) -> bool:
    """Only the team's case roles see which findings lie behind it (partners and
    oversight see the number of cases only)."""
    return any(
        m.team_id == recommendation.team_id and m.role in TEAM_READERS
        for m in active_memberships(user)
    )


def get_recommendation_for_user(user, code, perm: str = "view") -> Recommendation:
    """The recommendation if the user may see it (else 404) and, for "edit" or
    "update", change it (else 403). Sets viewer_may_edit / viewer_may_update."""
    recommendation = (
        recommendations_for_user(user)
        .select_related("team", "lead_agency", "adopted_at")
        .filter(code=code)
        .first()
    )
    if recommendation is None:
        raise DeniedNotFound("recommendations.recommendation", code, perm)
    recommendation.viewer_may_edit = may_edit(user, recommendation)
    recommendation.viewer_may_update = recommendation.viewer_may_edit or may_update(
        user, recommendation
    )
    if perm == "edit" and not recommendation.viewer_may_edit:
        raise DeniedForbidden("recommendations.recommendation", code, perm)
    if perm == "update" and not recommendation.viewer_may_update:
        raise DeniedForbidden("recommendations.recommendation", code, perm)
    return recommendation


REPORT_ROLES = frozenset({Role.COORDINATOR, Role.DATA_MANAGER, Role.FACILITATOR})


def report_team_ids(user) -> set[int]:
    """Teams whose aggregate reports the user may read: the roles that hold
    view_aggregates on their team, and oversight over its jurisdiction."""
    own = {m.team_id for m in active_memberships(user) if m.role in REPORT_ROLES}
    return own | oversight_team_ids(user)


def get_report_team_for_user(user, code) -> Team:
    """The team, if the user may read its reports (else 404 for a team they have
    nothing to do with, 403 for their own team without the right role)."""
    team = Team.objects.filter(code=code).first()
    if team is None or not user.is_authenticated:
        raise DeniedNotFound("ofr.team", code, "view_aggregates")
    if team.pk in report_team_ids(user):
        return team
    if any(m.team_id == team.pk for m in active_memberships(user)):
        raise DeniedForbidden("ofr.team", code, "view_aggregates")
    raise DeniedNotFound("ofr.team", code, "view_aggregates")

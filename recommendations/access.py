"""Who may see and change which recommendations. Every recommendation view starts here.

The rights come from ofr/roles.py (TEAM_PERMISSIONS); this module applies them
to recommendations:
- view_recommendations: the team's recommendations;
- change_recommendations: write them and record their progress;
- update_agency_recommendations (agency partners): only the recommendations
  their agency leads or partners on, to read and to report progress;
- oversee_jurisdiction (oversight): every recommendation of the teams in or
  under the team's jurisdictions, read-only;
- record_endorsements (the governing committee, coordinators): record the
  committee's decision on the team's recommendations.
Which findings behind a recommendation a reader may see is the confidentiality
policy's call (cases/policy.py, through cases/access.py): partners, oversight
and the governing committee hold no case permission, so they see none, only
the number of cases.
"""

from datetime import date

from django.db.models import Q, QuerySet

from cases.access import ungated_team_ids, viewers_for
from cases.models import Finding
from cases.policy import Decision
from ofr.access import active_memberships, active_team_ids, team_ids_with
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.models import Jurisdiction, Team
from ofr.roles import TEAM_PERMISSIONS
from recommendations.models import (
    CommunityResource,
    Recommendation,
    RecommendationProgress,
    progress_of,
)


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
    """Teams in or under the jurisdictions of the teams on which the user holds
    oversee_jurisdiction (found once per request: cached on the user, like the
    memberships)."""
    cached = getattr(user, "_ofr_oversight_team_ids", None)
    if cached is not None:
        return cached
    own = team_ids_with(user, "oversee_jurisdiction")
    found: set[int] = set()
    if own:
        covered = jurisdiction_and_below(
            set(Jurisdiction.objects.filter(teams__in=own).values_list("pk", flat=True))
        )
        found = set(
            Team.objects.filter(jurisdictions__in=covered).values_list("pk", flat=True).distinct()
        )
    user._ofr_oversight_team_ids = found
    return found


def partner_agencies(user, team_id: int | None = None) -> dict[int, set[int]]:
    """team id -> the agencies whose recommendations the user follows as a partner."""
    found: dict[int, set[int]] = {}
    for m in active_memberships(user):
        if not m.agency_id or "update_agency_recommendations" not in TEAM_PERMISSIONS[m.role]:
            continue
        if team_id is None or m.team_id == team_id:
            found.setdefault(m.team_id, set()).add(m.agency_id)
    return found


def recommendations_for_user(user) -> QuerySet[Recommendation]:
    if not user.is_authenticated or not user.is_active:
        return Recommendation.objects.none()
    team_ids = team_ids_with(user, "view_recommendations") | oversight_team_ids(user)
    visible = Q(team_id__in=team_ids)
    for team_id, agencies in partner_agencies(user).items():
        visible |= Q(team_id=team_id) & (
            Q(lead_agency_id__in=agencies) | Q(partner_links__agency_id__in=agencies)
        )
    return Recommendation.objects.filter(visible).distinct()


def recommendation_rows_for_user(user) -> QuerySet[Recommendation]:
    """recommendations_for_user() as a filter on its ids: one row per
    recommendation without the DISTINCT that a partner's join needs, so pages
    can count, group and sort it without deduplicating whole rows."""
    return Recommendation.objects.filter(pk__in=recommendations_for_user(user).values("pk"))


def recommendation_teams(visible: QuerySet[Recommendation]) -> list[Team]:
    """The teams of `visible`, by name: the teams a reader may pick on the list
    and the dashboard. A team outside it is simply not among the choices,
    whether it exists or not."""
    return list(Team.objects.filter(pk__in=visible.values("team_id")).order_by("name"))


def open_recommendations(user, team: Team, since: date | None) -> list[RecommendationProgress]:
    """The team's recommendations still worked on (every status but
    implemented, not implemented and no longer applicable: partially
    implemented ones stay) that `user` may read, each with its updates
    reported after `since` (a meeting page or packet: since the team's previous
    meeting). Recommendations carry no case data, but a guest or a partner on a
    meeting's roster reads only what the recommendation pages would show them."""
    return progress_of(recommendations_for_user(user).filter(team=team), since)


def may_list_recommendations(user) -> bool:
    return any(
        team_ids_with(user, perm)
        for perm in (
            "view_recommendations",
            "update_agency_recommendations",
            "oversee_jurisdiction",
        )
    )


def editor_teams(user) -> list[Team]:
    teams = team_ids_with(user, "change_recommendations")
    return sorted(
        {m.team for m in active_memberships(user) if m.team_id in teams},
        key=lambda team: team.name,
    )


def may_edit(user, recommendation: Recommendation) -> bool:
    return recommendation.team_id in team_ids_with(user, "change_recommendations")


def may_record_endorsement(user, recommendation: Recommendation) -> bool:
    """The team's governing committee, and its coordinators on the committee's behalf."""
    return recommendation.team_id in team_ids_with(user, "record_endorsements")


def may_update(user, recommendation: Recommendation) -> bool:
    """Editors, and partners whose agency leads or partners on it."""
    if may_edit(user, recommendation):
        return True
    agencies = partner_agencies(user, recommendation.team_id).get(recommendation.team_id, set())
    return (
        recommendation.lead_agency_id in agencies
        or recommendation.partner_links.filter(agency_id__in=agencies).exists()
    )


def findings_for_viewer(user, recommendation: Recommendation) -> list[tuple[Finding, Decision]]:
    """The findings behind the recommendation that the confidentiality policy
    shows this user (each with the policy's decision, for its notice), by case
    reference."""
    findings = list(
        recommendation.findings.select_related("case", "case__team").order_by(
            "case__reference", "id"
        )
    )
    viewers = viewers_for(user, {finding.case for finding in findings})
    shown = []
    for finding in findings:
        viewer = viewers[finding.case_id]
        decision = viewer.decide(finding)
        if viewer.may("view_case") and decision.shown:
            shown.append((finding, decision))
    return shown


def get_recommendation_for_user(user, code, perm: str = "view") -> Recommendation:
    """The recommendation if the user may see it (else 404) and, for "edit",
    "update" or "endorse", change it so (else 403). Sets viewer_may_edit,
    viewer_may_update and viewer_may_endorse."""
    recommendation = (
        recommendations_for_user(user)
        .select_related("team", "lead_agency")
        .filter(code=code)
        .first()
    )
    if recommendation is None:
        raise DeniedNotFound("recommendations.recommendation", code, perm)
    recommendation.viewer_may_edit = may_edit(user, recommendation)
    recommendation.viewer_may_update = recommendation.viewer_may_edit or may_update(
        user, recommendation
    )
    recommendation.viewer_may_endorse = may_record_endorsement(user, recommendation)
    if perm == "edit" and not recommendation.viewer_may_edit:
        raise DeniedForbidden("recommendations.recommendation", code, perm)
    if perm == "update" and not recommendation.viewer_may_update:
        raise DeniedForbidden("recommendations.recommendation", code, perm)
    if perm == "endorse" and not recommendation.viewer_may_endorse:
        raise DeniedForbidden("recommendations.recommendation", code, perm)
    return recommendation


def report_team_ids(user) -> set[int]:
    """Teams whose aggregate reports the user may read: their own teams where a
    role holds view_aggregates, and those under their oversight."""
    return team_ids_with(user, "view_aggregates") | oversight_team_ids(user)


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


def get_selection_report_team_for_user(user, code) -> tuple[Team, bool]:
    """The team whose case-selection report the user may read (the readers of
    its aggregate reports: 404 or 403 as for those), and whether small counts
    are suppressed for them: yes unless they see the team's cases themselves
    (coordinator, data manager, facilitator), so oversight reads it suppressed."""
    team = get_report_team_for_user(user, code)
    return team, team.pk not in ungated_team_ids(user)


# --- Community context (a team's local services, no case data) ----------------------


def community_reader_team_ids(user) -> set[int]:
    """Teams whose community resources the user may read: those whose
    recommendations they read or follow as a partner (the governing committee
    included), those under their oversight, and those they manage resources
    for. Service names are public information; the page holds no case data."""
    return (
        team_ids_with(user, "view_recommendations")
        | team_ids_with(user, "update_agency_recommendations")
        | team_ids_with(user, "manage_community_context")
        | oversight_team_ids(user)
    )


def community_teams(user, perm: str = "view") -> list[Team]:
    """The teams whose community context the user may read ("view") or manage
    ("manage"), by name."""
    if perm == "manage":
        team_ids = team_ids_with(user, "manage_community_context")
    else:
        team_ids = community_reader_team_ids(user)
    return list(Team.objects.filter(pk__in=team_ids).order_by("name"))


def may_manage_community(user, team: Team) -> bool:
    return team.pk in team_ids_with(user, "manage_community_context")


def get_community_team_for_user(user, code, perm: str = "view") -> Team:
    """The team if the user may read its community context (else 404), and for
    "manage" change it (else 403). Sets viewer_may_manage."""
    team = Team.objects.filter(code=code).first() if user.is_authenticated else None
    if team is not None and team.pk not in community_reader_team_ids(user):
        if team.pk in active_team_ids(user):  # a guest of the team
            raise DeniedForbidden("ofr.team", str(code), f"{perm}_community_context")
        team = None
    if team is None:
        raise DeniedNotFound("ofr.team", str(code), f"{perm}_community_context")
    team.viewer_may_manage = may_manage_community(user, team)
    if perm == "manage" and not team.viewer_may_manage:
        raise DeniedForbidden("ofr.team", str(code), "manage_community_context")
    return team


def get_resource_for_user(user, code, perm: str = "view") -> CommunityResource:
    """The resource if the user may read its team's community context (else
    404), and for "manage" change it (else 403)."""
    resource = (
        CommunityResource.objects.select_related("team", "agency").filter(code=code).first()
        if user.is_authenticated
        else None
    )
    if resource is None or resource.team_id not in community_reader_team_ids(user):
        raise DeniedNotFound("recommendations.communityresource", str(code), perm)
    if perm == "manage" and not may_manage_community(user, resource.team):
        raise DeniedForbidden("recommendations.communityresource", str(code), perm)
    return resource

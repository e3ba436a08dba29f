"""Who may manage API keys, and what a key may reach. Every key page and
every endpoint starts here.

Key pages: the coordinators of the key's team (a team's other members get 403,
everyone else 404).

Endpoints: a key acts as a member of its team would, so the rules are the
pages' own. An agency's key is a principal holding one agency-partner
membership of that agency on the key's team: recommendations.access answers
for it exactly as for a person with that role (which recommendations it sees,
which it may report on). A team's own key reads the team's aggregates and,
with the intake scope, adds cases to the team: the right a coordinator
(add_team_case) gave it by making it. Nothing here reads a case: the principal
has no case permission, and intake answers a new case with its code only.
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from api.models import ApiKey
from ofr.access import active_memberships
from ofr.audit import DeniedForbidden, DeniedNotFound, object_label
from ofr.models import AccessEvent, Membership, Team
from ofr.roles import Role
from recommendations.access import get_recommendation_for_user, recommendations_for_user
from recommendations.models import Recommendation

MANAGER_ROLES = frozenset({Role.COORDINATOR})


# --- Key pages -------------------------------------------------------------------------


def managed_team_ids(user) -> set[int]:
    return {m.team_id for m in active_memberships(user) if m.role in MANAGER_ROLES}


def may_manage_keys(user) -> bool:
    return bool(managed_team_ids(user))


def managed_teams(user) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=managed_team_ids(user)).order_by("name")


def keys_for_manager(user) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(team_id__in=managed_team_ids(user)).select_related(
        "team", "agency", "created_by"
    )


def get_key_for_manager(user, code) -> ApiKey:
    """The key, if the user coordinates its team (else 403 for the team's other
    members, 404 for anyone else)."""
    key = ApiKey.objects.select_related("team", "agency").filter(code=code).first()
    if key is None or not any(m.team_id == key.team_id for m in active_memberships(user)):
        raise DeniedNotFound("api.apikey", code, "manage_api_keys")
    if key.team_id not in managed_team_ids(user):
        raise DeniedForbidden("api.apikey", code, "manage_api_keys")
    return key


# --- What a key reaches ----------------------------------------------------------------


class KeyPrincipal:
    """The key as the access modules' "user": active, signed in, with the one
    membership its owner scope gives it. It has no account (pk None)."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = id = None

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        today = timezone.localdate()
        self._ofr_memberships = (
            [
                Membership(
                    team=key.team, agency=key.agency, role=Role.AGENCY_PARTNER, starts_on=today
                )
            ]
            if key.agency_id
            else []
        )
        self._ofr_oversight_team_ids: set[int] = set()
        self._ofr_group_ids: list[int] = []

    def get_username(self) -> str:
        return self.key.audit_name

    def get_full_name(self) -> str:
        return self.key.name

    def has_perm(self, perm, obj=None) -> bool:
        return False


def recommendations_for_key(key: ApiKey) -> QuerySet[Recommendation]:
    return recommendations_for_user(KeyPrincipal(key))


def get_recommendation_for_key(key: ApiKey, code, perm: str = "view") -> Recommendation:
    return get_recommendation_for_user(KeyPrincipal(key), code, perm)


def get_report_team_for_key(key: ApiKey) -> Team:
    """A team's own key reads that team's aggregates; an agency's key none."""
    if key.agency_id:
        raise DeniedForbidden("ofr.team", key.team.code, "view_aggregates")
    return key.team


def get_intake_team_for_key(key: ApiKey) -> Team:
    """A team's own key adds cases to that team; an agency's key to none."""
    if key.agency_id:
        raise DeniedForbidden("ofr.team", key.team.code, "add_team_case")
    return key.team


# --- Use of a key: the access log ------------------------------------------------------


def key_events(key: ApiKey) -> QuerySet[AccessEvent]:
    """The key's calls, newest first (the log's object index serves this)."""
    object_type, object_id = object_label(key)
    return AccessEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("-seq")


def last_used(key: ApiKey) -> datetime | None:
    return key_events(key).values_list("created_at", flat=True).first()


def retry_after(key: ApiKey, now: datetime | None = None) -> int:
    """Seconds until the key may call again (0: now). The limit counts the
    key's calls of the last 60 seconds in the access log, where every call is
    recorded anyway: every host sees the same count without a shared cache.
    Only the newest API_RATE_LIMIT_PER_MINUTE events are read, through the
    log's index on (object_type, object_id, -seq)."""
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = now or timezone.now()
    oldest_counted = key_events(key).values_list("created_at", flat=True)[limit - 1 : limit].first()
    if oldest_counted is None or oldest_counted <= now - timedelta(seconds=60):
        return 0
    return max(1, math.ceil((oldest_counted + timedelta(seconds=60) - now).total_seconds()))

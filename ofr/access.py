"""Who may do what on teams. Case access lives in cases/access.py.

Everything here starts from the user's memberships that are active today, read
once per request: a membership that ends, ends on the next request, not at the
next sign-in or the nightly group sync.
"""

from django.contrib.auth.models import Group
from django.db.models import QuerySet

from ofr.models import Membership, Team
from ofr.roles import CASE_PERMISSIONS, TEAM_PERMISSIONS


def active_memberships(user) -> list[Membership]:
    """The user's active memberships, fetched once per request (cached on the user)."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_ofr_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).active().select_related("team", "agency")
        )
        user._ofr_memberships = cached
    return cached


def has_case_role(user) -> bool:
    """Whether any active membership gives the user a role that works with case files."""
    return any(CASE_PERMISSIONS[m.role] for m in active_memberships(user))


def active_team_ids(user) -> set[int]:
    return {m.team_id for m in active_memberships(user)}


def active_group_names(user) -> set[str]:
    """The names of the team groups (django-guardian holds the case grants on
    them) that the user's active memberships call for, whatever groups the
    user was last synced into."""
    return set().union(*(m.group_names() for m in active_memberships(user)))


def active_group_ids(user) -> list[int]:
    """The ids of active_group_names (cached on the user for the request)."""
    cached = getattr(user, "_ofr_group_ids", None)
    if cached is None:
        names = active_group_names(user)
        cached = list(Group.objects.filter(name__in=names).values_list("pk", flat=True))
        user._ofr_group_ids = cached
    return cached


def team_ids_with(user, perm: str) -> set[int]:
    """Teams on which one of the user's active roles holds the team permission
    `perm` (ofr/roles.py TEAM_PERMISSIONS)."""
    return {m.team_id for m in active_memberships(user) if perm in TEAM_PERMISSIONS[m.role]}


def teams_for_user(user, perm: str) -> QuerySet[Team]:
    """Teams on which the user holds `perm` (a model-level permission or
    superuser status never widens this)."""
    return Team.objects.filter(pk__in=team_ids_with(user, perm))

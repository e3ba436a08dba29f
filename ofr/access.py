"""Who may do what on teams. Case access lives in cases/access.py."""

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from ofr.models import Membership, Team
from ofr.roles import CASE_PERMISSIONS


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


def teams_for_user(user, perm: str = "view_team") -> QuerySet[Team]:
    """Teams on which the user holds `perm` (object grants only: a model-level
    permission or superuser status never widens this)."""
    return get_objects_for_user(
        user,
        f"ofr.{perm}",
        klass=Team.objects.all(),
        accept_global_perms=False,
        with_superuser=False,
    )

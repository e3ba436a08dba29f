"""Who may see and do what on cases. Every view touching a case starts here.

Guardian answers "which cases" (object grants to the team's role groups);
ofr/roles.py answers "which actions". Superuser status and model-level
permissions never widen access: a system administrator is not a reviewer.
"""

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from cases.models import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from ofr.access import active_memberships, has_case_role
from ofr.audit import DeniedForbidden, DeniedNotFound
from ofr.roles import TEAM_PERMISSIONS


def cases_for_user(user, perm: str = "view_case") -> QuerySet[Case]:
    """Cases on which the user holds `perm` through an object grant."""
    return get_objects_for_user(
        user,
        f"cases.{perm}",
        klass=Case.objects.select_related("team"),
        accept_global_perms=False,
        with_superuser=False,
    )


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
    case = Case.objects.select_related("team").filter(code=code).first()
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


def may_add_cases(user) -> bool:
    return any("add_team_case" in TEAM_PERMISSIONS[m.role] for m in active_memberships(user))

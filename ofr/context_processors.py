from django.http import HttpRequest

from ofr.access import active_memberships


def memberships(request: HttpRequest) -> dict:
    """The header shows who is signed in, on which teams, in which roles."""
    user = getattr(request, "user", None)
    if user is None:
        return {"ofr_memberships": []}
    return {"ofr_memberships": active_memberships(user)}

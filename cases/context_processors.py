from django.http import HttpRequest

from cases.access import may_list_cases


def navigation(request: HttpRequest) -> dict:
    """The header links to the case list only for those who may open it."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {"may_list_cases": signed_in and may_list_cases(user)}

from django.http import HttpRequest

from meetings.access import may_list_meetings


def navigation(request: HttpRequest) -> dict:
    """The header links to the meeting list only for those who may open it."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {"may_list_meetings": signed_in and may_list_meetings(user)}

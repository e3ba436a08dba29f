from django.http import HttpRequest

from recommendations.access import may_list_recommendations


def navigation(request: HttpRequest) -> dict:
    """The header links to the recommendations only for those who may open them."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {"may_list_recommendations": signed_in and may_list_recommendations(user)}

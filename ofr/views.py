from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ofr import second_factor
from ofr.access import has_case_role, team_ids_with
from ofr.forms import LoginForm
from ofr.health import health
from ofr.work_queue import coordinated_team_ids


@second_factor.exempt
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when this process can serve, else
    503. No sign-in and nothing confidential (ofr/health.py)."""
    healthy, report = health()
    return JsonResponse(report, status=200 if healthy else 503)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # The apps' cards (coming meetings, deferrals to decide) and the rows of a
    # coordinator's work queue are their own template tags: ofr sits below
    # every app and imports none of them.
    user = request.user
    return render(
        request,
        "home.html",
        {
            "can_see_cases": has_case_role(user),
            "work_queue": bool(coordinated_team_ids(user)),
            "sees_agreements": bool(team_ids_with(user, "view_agreements")),
        },
    )


login = auth_views.LoginView.as_view(
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
    extra_context={"idle_minutes": settings.SESSION_IDLE_MINUTES},
)


class LogoutView(auth_views.LogoutView):
    """Django's POST-only sign-out, saying so on the sign-in page it returns to."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, gettext("You have signed out."))
        return response


# Reachable before the second step: a person may give up and sign out.
logout = second_factor.exempt(LogoutView.as_view())


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes lockout page: a clear message, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )

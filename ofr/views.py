from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from ofr.access import active_memberships, has_case_role
from ofr.forms import LoginForm
from ofr.roles import DEFERRAL_DECIDING_ROLES


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # Reverse relation, not an import: ofr does not import from cases.
    upcoming = []
    if request.user.is_authenticated:
        upcoming = list(
            request.user.attendances.filter(
                meeting__status__in=["planned", "in_session", "adjourned"]
            )
            .select_related("meeting", "meeting__team", "signature")
            .order_by("meeting__starts_at")[:5]
        )
    due, asked = coordinator_deferrals(request.user)
    return render(
        request,
        "home.html",
        {
            "can_see_cases": has_case_role(request.user),
            "upcoming_attendances": upcoming,
            "deferrals_due": due,
            "deferrals_asked": asked,
        },
    )


def coordinator_deferrals(user) -> tuple[list, list]:
    """For the teams the user coordinates: deferred cases due for review, and
    cases with an open deferral request (reverse relations: ofr does not import
    from cases)."""
    memberships = active_memberships(user)
    teams = {m.team_id: m.team for m in memberships if m.role in DEFERRAL_DECIDING_ROLES}
    today = timezone.localdate()
    due, asked = [], []
    for team in teams.values():
        due += team.cases.deferrals_due(today)
        asked += team.cases.with_open_deferral_requests()
    return due, asked


login = auth_views.LoginView.as_view(
    authentication_form=LoginForm,
    redirect_authenticated_user=True,
    extra_context={"idle_minutes": settings.SESSION_IDLE_MINUTES},
)


class LogoutView(auth_views.LogoutView):
    """Django's POST-only sign-out, saying so on the sign-in page it returns to."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response


logout = LogoutView.as_view()


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes lockout page: a clear message, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )

"""The SUDORS-variable export of a team's cases (cases/exchange/sudors.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from cases.access import cases_for_user, get_export_team_for_user, viewers_for
from cases.exchange import sudors
from ofr.audit import record
from ofr.models import AccessEvent


@login_required
@require_safe
def sudors_export(request: HttpRequest, team) -> HttpResponse:
    team = get_export_team_for_user(request.user, team)
    cases = list(
        cases_for_user(request.user, "view_case")
        .filter(team=team)
        .select_related("decedent", "death", "circumstances")
        .prefetch_related("toxicology")
        .order_by("pk")
    )
    body = sudors.export_csv(cases, viewers_for(request.user, cases))
    record(request, AccessEvent.Action.EXPORT, team, detail="SUDORS export")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sudors-{team.short_code}.csv"'
    response["Cache-Control"] = "no-store"
    return response

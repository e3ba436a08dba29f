"""A team's data quality: the completeness report and the cases with open
data queries (cases/completeness.py). Who may read them: cases/access.py
get_quality_team_for_user; each page holds only the cases the reader may see."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cases.access import cases_for_user, get_quality_team_for_user, viewers_for
from cases.completeness import cases_with_open_queries, team_completeness
from cases.models import TimelineEvent
from ofr.audit import Action, record


@login_required
@require_safe
def completeness_report(request: HttpRequest, team) -> HttpResponse:
    team = get_quality_team_for_user(request.user, team)
    cases = cases_for_user(request.user, "view_case").filter(team=team).order_by("reference")
    report = team_completeness(team, cases)
    record(request, Action.VIEW, team, detail="completeness report")
    return render(request, "cases/quality/completeness.html", {"team": team, "report": report})


@login_required
@require_safe
def open_queries(request: HttpRequest, team) -> HttpResponse:
    team = get_quality_team_for_user(request.user, team)
    cases = list(
        cases_for_user(request.user, "view_case")
        .filter(team=team)
        .select_related("team", "decedent", "death", "circumstances")
        .prefetch_related(
            Prefetch("timeline_events", TimelineEvent.objects.select_related("agency"))
        )
        .order_by("reference")
    )
    found = cases_with_open_queries(cases, viewers_for(request.user, cases))
    record(request, Action.VIEW, team, detail="open data queries")
    return render(
        request,
        "cases/quality/open_queries.html",
        {"team": team, "found": found, "case_count": len(cases)},
    )

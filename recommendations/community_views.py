"""Community context pages: a team's local services by year, record and edit
one, and the year's CSV.

Access comes from recommendations/access.py: the team's readers of
recommendations (partners and the governing committee included) and
oversight read; coordinators and data managers manage. No page here shows
case data."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from ofr.audit import Action, DeniedForbidden, record
from ofr.concurrency import EditConflict, save_versioned
from recommendations import community
from recommendations.access import (
    community_teams,
    get_community_team_for_user,
    get_resource_for_user,
)
from recommendations.forms import CommunityResourceForm
from recommendations.models import CommunityResource, latest_resource_year

GET_OR_POST = ["GET", "HEAD", "POST"]
# How many years the year switcher offers, counting back from next year.
YEARS_OFFERED = 8


def year_or_404(year: int) -> int:
    if not 1900 <= year <= latest_resource_year():
        raise Http404("No community context for that year")
    return year


def list_url(team, year: int) -> str:
    return reverse("recommendations:community", kwargs={"team": team.code, "year": year})


def year_of(resource: CommunityResource) -> int:
    """The year whose page shows the resource after a save: this year if it runs
    in it, else the year it started."""
    this_year = timezone.localdate().year
    return this_year if resource.is_active_in(this_year) else resource.started_on.year


@login_required
@require_safe
def community_index(request: HttpRequest) -> HttpResponse:
    """The teams whose community context the user may read, each linking to this year."""
    teams = community_teams(request.user)
    if not teams:
        raise DeniedForbidden("recommendations.communityresource", "", "view_community_context")
    return render(
        request,
        "recommendations/community/index.html",
        {"teams": teams, "year": timezone.localdate().year},
    )


@login_required
@require_safe
def community_list(request: HttpRequest, team, year: int) -> HttpResponse:
    team_obj = get_community_team_for_user(request.user, team)
    year = year_or_404(year)
    resources = list(community.resources_of(team_obj, year))
    latest = latest_resource_year()
    return render(
        request,
        "recommendations/community/list.html",
        {
            "team": team_obj,
            "year": year,
            "resources": resources,
            "counts": community.counts_by_kind_of(resources),
            "years": range(latest, latest - YEARS_OFFERED, -1),
            "previous_year": year - 1 if year > 1900 else None,
            "next_year": year + 1 if year < latest else None,
        },
    )


@login_required
@require_safe
def community_csv(request: HttpRequest, team, year: int) -> HttpResponse:
    team_obj = get_community_team_for_user(request.user, team)
    year = year_or_404(year)
    resources = community.resources_of(team_obj, year)
    record(request, Action.EXPORT, team_obj, detail=f"community context {year} (CSV)")
    with translation.override("en"):  # a machine format: English whatever the language
        text = community.resources_csv(team_obj, year, resources)
    response = HttpResponse(text, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="ofr-community-{year}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def render_form(request, form, *, title: str, cancel_url: str, conflict=None) -> HttpResponse:
    return render(
        request,
        "cases/versioned_form.html",
        {"form": form, "title": title, "conflict": conflict, "cancel_url": cancel_url},
        status=409 if conflict else (400 if form.errors else 200),
    )


@login_required
@require_http_methods(GET_OR_POST)
def community_new(request: HttpRequest, team) -> HttpResponse:
    team_obj = get_community_team_for_user(request.user, team, "manage")
    form = CommunityResourceForm(
        request.POST or None,
        instance=CommunityResource(team=team_obj, created_by=request.user),
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        resource = form.save(commit=False)
        resource._history_user = request.user
        resource._change_reason = "Community resource recorded"
        with transaction.atomic():
            resource.save()
        messages.success(request, gettext("%(name)s: saved.") % {"name": resource.name})
        return redirect(list_url(team_obj, year_of(resource)))
    return render_form(
        request,
        form,
        title=gettext("Record a community resource: %(team)s") % {"team": team_obj.name},
        cancel_url=list_url(team_obj, timezone.localdate().year),
    )


@login_required
@require_http_methods(GET_OR_POST)
def community_edit(request: HttpRequest, code) -> HttpResponse:
    resource = get_resource_for_user(request.user, code, "manage")
    form = CommunityResourceForm(request.POST or None, instance=resource, user=request.user)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(form, by=request.user, reason="Community resource edited")
        except EditConflict as error:
            conflict = error
        else:
            messages.success(request, gettext("%(name)s: saved.") % {"name": resource.name})
            return redirect(list_url(resource.team, year_of(resource)))
    return render_form(
        request,
        form,
        title=gettext("Edit: %(title)s") % {"title": resource.name},
        cancel_url=list_url(resource.team, year_of(resource)),
        conflict=conflict,
    )

"""Recommendation pages: list, write, follow progress, work plan and funding.

Access comes from recommendations/access.py. No page here shows case data:
findings behind a recommendation are listed only for the team's case roles,
and then only by case reference, kind and system.
"""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from cases.views.editing import edit_versioned
from ofr.audit import Action, DeniedForbidden, record
from ofr.concurrency import EditConflict, save_versioned
from ofr.files import (
    FileUnavailable,
    StorageFailed,
    content_type_for,
    safe_download_name,
    send_stored_file,
)
from ofr.history import merged_entries
from ofr.models import Team
from ofr.pdf import render_pdf, static_prefix
from recommendations import reports, selection
from recommendations.access import (
    editor_teams,
    findings_for_viewer,
    get_recommendation_for_user,
    get_report_team_for_user,
    get_selection_report_team_for_user,
    may_list_recommendations,
    recommendation_rows_for_user,
    recommendation_teams,
    report_team_ids,
)
from recommendations.dashboard import build_dashboard, build_tracking
from recommendations.forms import (
    EndorsementForm,
    FundingForm,
    ProgressUpdateForm,
    RecommendationFilterForm,
    RecommendationForm,
    TaskForm,
)
from recommendations.models import (
    Endorsement,
    FundingSource,
    ProgressUpdate,
    Recommendation,
    RecommendationFinding,
    RecommendationPartner,
    WorkPlanTask,
)

logger = logging.getLogger(__name__)

GET_OR_POST = ["GET", "HEAD", "POST"]
RECOMMENDATIONS_PER_PAGE = 50


def detail_url(recommendation: Recommendation, anchor: str = "") -> str:
    url = reverse("recommendations:detail", args=[recommendation.code])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_safe
def recommendation_list(request: HttpRequest) -> HttpResponse:
    if not may_list_recommendations(request.user):
        raise DeniedForbidden("recommendations.recommendation", "", "list_recommendations")
    visible = recommendation_rows_for_user(request.user)
    teams = recommendation_teams(visible)
    form = RecommendationFilterForm.from_query(request.GET, teams=teams)
    recommendations = form.apply(visible, timezone.localdate())
    rows = recommendations.select_related("team", "lead_agency").order_by(
        "team__name", "due_on", "id"
    )
    page = Paginator(rows, RECOMMENDATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "recommendations/list.html",
        {
            "page": page,
            "form": form,
            "query_string": urlencode(form.filters),
            "can_add": bool(editor_teams(request.user)),
            "editor_teams": editor_teams(request.user),
        },
    )


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts, charts and the tracking table over the recommendations the user
    may see: a team's members see their team, oversight every team of its
    jurisdiction. One team when ?team=<code> names one of them; the table
    takes ?status=, ?lead=, ?overdue=1, ?sort= and ?page=."""
    if not may_list_recommendations(request.user):
        raise DeniedForbidden("recommendations.recommendation", "", "dashboard")
    visible = recommendation_rows_for_user(request.user)
    teams = recommendation_teams(visible)
    chosen = next((t for t in teams if str(t.code) == request.GET.get("team", "")), None)
    return render(
        request,
        "recommendations/dashboard.html",
        {
            "dashboard": build_dashboard(visible, timezone.localdate(), chosen),
            "tracking": build_tracking(visible, timezone.localdate(), chosen, teams, request.GET),
            "teams": teams,
            "chosen": chosen,
            "report_teams": Team.objects.filter(pk__in=report_team_ids(request.user)),
            "report_year": timezone.localdate().year - 1,
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def recommendation_new(request: HttpRequest) -> HttpResponse:
    teams = editor_teams(request.user)
    if not teams:
        raise DeniedForbidden("recommendations.recommendation", "", "add_recommendation")
    form = RecommendationForm(request.POST or None, teams=teams, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            recommendation = form.save(commit=False)
            recommendation.created_by = request.user
            recommendation._history_user = request.user
            recommendation._change_reason = "Recommendation proposed"
            recommendation.save()
            form.save_links(recommendation, by=request.user)
        messages.success(
            request,
            gettext("Recommendation proposed: %(title)s.") % {"title": recommendation.title},
        )
        return redirect(detail_url(recommendation))
    return render(
        request,
        "recommendations/form.html",
        {"form": form, "title": gettext("Propose a recommendation")},
        status=400 if form.errors else 200,
    )


@login_required
@require_safe
def recommendation_detail(request: HttpRequest, code) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code)
    shown = findings_for_viewer(request.user, recommendation)
    findings = [finding for finding, _ in shown]
    notice = next((decision.notice for _, decision in shown if decision.notice), "")
    if findings:
        # Naming the cases and findings behind it is a read of case data.
        record(request, Action.VIEW, recommendation, detail="findings behind it")
    today = timezone.localdate()
    tasks = list(recommendation.tasks.all())
    return render(
        request,
        "recommendations/detail.html",
        {
            "recommendation": recommendation,
            "overdue": recommendation.is_overdue(today),
            "partners": list(recommendation.partner_agencies.order_by("name")),
            "findings": findings,
            "findings_notice": notice,
            "case_count": recommendation.case_count,
            "updates": list(
                recommendation.updates.select_related("author").order_by("-reported_on", "-id")
            ),
            "tasks": [(task, task.is_overdue(today)) for task in tasks],
            "funding": list(recommendation.funding.all()),
            "endorsements": list(recommendation.endorsements.select_related("recorded_by")),
            "cited_resources": list(recommendation.cites_resources.order_by("kind", "name", "id")),
            "this_year": today.year,
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def recommendation_edit(request: HttpRequest, code) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code, "edit")
    form = RecommendationForm(request.POST or None, instance=recommendation, user=request.user)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                save_versioned(form, by=request.user, reason="Recommendation edited")
                form.save_links(recommendation, by=request.user)
        except EditConflict as error:
            conflict = error
        else:
            messages.success(
                request, gettext("%(title)s: saved.") % {"title": recommendation.title}
            )
            return redirect(detail_url(recommendation))
    return render(
        request,
        "cases/versioned_form.html",
        {
            "form": form,
            "title": gettext("Edit: %(title)s") % {"title": recommendation.title},
            "conflict": conflict,
            "cancel_url": detail_url(recommendation),
        },
        status=409 if conflict else (400 if form.errors else 200),
    )


@login_required
@require_http_methods(GET_OR_POST)
def add_update(request: HttpRequest, code) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code, "update")
    form = ProgressUpdateForm(
        request.POST or None,
        request.FILES or None,
        recommendation=recommendation,
        user=request.user,
        initial={"reported_on": timezone.localdate()},
    )
    status = 400
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
                current.add_update(
                    by=request.user,
                    new_status=data["new_status"],
                    narrative=data["narrative"],
                    reported_on=data["reported_on"],
                    reason=data["reason"],
                    evidence=data["evidence"],
                )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except StorageFailed as failure:
            logger.exception("Evidence for recommendation %s could not be stored", code)
            form.add_error(None, failure.message)
            status = 503
        else:
            messages.success(request, gettext("Update recorded."))
            return redirect(detail_url(recommendation, "updates"))
    return render(
        request,
        "recommendations/update_form.html",
        {"recommendation": recommendation, "form": form},
        status=status if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def download_evidence(request: HttpRequest, code, update) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code)
    progress = get_object_or_404(
        ProgressUpdate.objects.exclude(evidence=""), recommendation=recommendation, code=update
    )
    extension = progress.evidence_extension
    try:
        return send_stored_file(
            request,
            progress.evidence,
            sha256=progress.sha256,
            audited=progress,
            detail=f"evidence of {recommendation.code}",
            filename=safe_download_name(f"evidence-{progress.reported_on}", extension),
            content_type=content_type_for(extension),
        )
    except FileUnavailable as problem:
        return render(
            request,
            "recommendations/evidence_unavailable.html",
            {
                "recommendation": recommendation,
                "update": progress,
                "reason": problem.reason,
                "back_url": detail_url(recommendation, "updates"),
            },
            status=problem.status,
        )


@login_required
@require_http_methods(GET_OR_POST)
def add_task(request: HttpRequest, code) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code, "edit")
    form = TaskForm(request.POST or None, instance=WorkPlanTask(recommendation=recommendation))
    if request.method == "POST" and form.is_valid():
        task = form.save(commit=False)
        task._history_user = request.user
        task.save()
        messages.success(request, gettext("Task added to the work plan."))
        return redirect(detail_url(recommendation, "tasks"))
    return render(
        request,
        "recommendations/small_form.html",
        {"recommendation": recommendation, "form": form, "title": gettext("Add a work-plan task")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_task(request: HttpRequest, code, task) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code, "edit")
    item = get_object_or_404(WorkPlanTask, recommendation=recommendation, code=task)
    was_done = item.done
    form = TaskForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["done"] != was_done:
        form.instance.done_on = timezone.localdate() if form.cleaned_data["done"] else None
    return edit_versioned(
        request,
        form,
        case=None,
        title=gettext("Work-plan task: %(task)s") % {"task": item.task},
        reason="Task edited",
        success_url=detail_url(recommendation, "tasks"),
        cancel_url=detail_url(recommendation, "tasks"),
    )


@login_required
@require_http_methods(GET_OR_POST)
def add_funding(request: HttpRequest, code) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code, "edit")
    form = FundingForm(request.POST or None, instance=FundingSource(recommendation=recommendation))
    if request.method == "POST" and form.is_valid():
        funding = form.save(commit=False)
        funding._history_user = request.user
        funding.save()
        messages.success(
            request,
            gettext("Funding source added: %(kind)s.") % {"kind": funding.get_kind_display()},
        )
        return redirect(detail_url(recommendation, "funding"))
    return render(
        request,
        "recommendations/small_form.html",
        {"recommendation": recommendation, "form": form, "title": gettext("Add a funding source")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(GET_OR_POST)
def record_endorsement(request: HttpRequest, code) -> HttpResponse:
    """The governing committee's decision, recorded by one of its members or a
    coordinator on its behalf."""
    recommendation = get_recommendation_for_user(request.user, code, "endorse")
    form = EndorsementForm(
        request.POST or None,
        recommendation=recommendation,
        user=request.user,
        initial={"decided_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endorsement = Endorsement.record(
                recommendation,
                by=request.user,
                decision=data["decision"],
                decided_on=data["decided_on"],
                notes=data["notes"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                gettext("Committee decision recorded: %(decision)s.")
                % {"decision": endorsement.get_decision_display()},
            )
            return redirect(detail_url(recommendation, "endorsement"))
    return render(
        request,
        "recommendations/small_form.html",
        {
            "recommendation": recommendation,
            "form": form,
            "title": gettext("Record the governing committee's decision"),
        },
        status=400 if form.errors else 200,
    )


@require_safe
def public_recommendations(request: HttpRequest, team) -> HttpResponse:
    """The recommendations a team voted to make public, with their status:
    readable without signing in. Title, statement, lead agency and status only."""
    team_obj = get_object_or_404(Team, code=team)
    rows = (
        Recommendation.objects.filter(team=team_obj, public=True)
        .select_related("lead_agency")
        .order_by("category", "title")
    )
    return render(request, "recommendations/public.html", {"team": team_obj, "rows": rows})


def _report(request: HttpRequest, team, year: int):
    team_obj = get_report_team_for_user(request.user, team)
    if not 1900 <= year <= timezone.localdate().year:
        raise Http404("No report for that year")
    return reports.annual_report(team_obj, year)


@login_required
@require_safe
def annual_report(request: HttpRequest, team, year: int) -> HttpResponse:
    report = _report(request, team, year)
    years = range(timezone.localdate().year, timezone.localdate().year - 5, -1)
    return render(
        request,
        "recommendations/annual_report.html",
        {"report": report, "years": years, "deaths": reports.display_count(report)},
    )


@login_required
@require_safe
def annual_report_csv(request: HttpRequest, team, year: int) -> HttpResponse:
    # A machine format: built in English whatever the reader's language, labels included.
    with translation.override("en"):
        report = _report(request, team, year)
        text = reports.annual_report_csv(report)
    record(request, Action.EXPORT, report.team, detail=f"annual report {year} (CSV)")
    response = HttpResponse(text, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="ofr-report-{year}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def annual_report_pdf(request: HttpRequest, team, year: int) -> HttpResponse:
    # A few pages of tables (about 2 s with WeasyPrint's start-up), so it is
    # rendered in the request, unlike meeting packets.
    report = _report(request, team, year)
    html = render_to_string(
        "recommendations/annual_report_pdf.html",
        {
            "report": report,
            "deaths": reports.display_count(report),
            "static_prefix": static_prefix(),
        },
    )
    pdf, _pages = render_pdf(html)
    record(request, Action.EXPORT, report.team, detail=f"annual report {year} (PDF)")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ofr-report-{year}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _multi_year(request: HttpRequest, team, year: int):
    team_obj = get_report_team_for_user(request.user, team)
    if not 1900 <= year <= timezone.localdate().year:
        raise Http404("No report for those years")
    return reports.multi_year_report(team_obj, year)


def _selection_report(request: HttpRequest, team, year: int) -> selection.SelectionReport:
    team_obj, suppressed = get_selection_report_team_for_user(request.user, team)
    if not 1900 <= year <= timezone.localdate().year:
        raise Http404("No report for that year")
    return selection.selection_report(team_obj, year, suppressed=suppressed)


@login_required
@require_safe
def multi_year_report(request: HttpRequest, team, year: int) -> HttpResponse:
    """Each dimension by year of death, for the five years ending with `year`."""
    report = _multi_year(request, team, year)
    return render(request, "recommendations/multi_year_report.html", {"report": report})


@login_required
@require_safe
def multi_year_report_csv(request: HttpRequest, team, year: int) -> HttpResponse:
    with translation.override("en"):  # a machine format, as annual_report_csv
        report = _multi_year(request, team, year)
        text = reports.multi_year_csv(report)
    span = f"{report.years[0]}-{report.years[-1]}"
    record(request, Action.EXPORT, report.team, detail=f"reviewed deaths by year {span} (CSV)")
    response = HttpResponse(text, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="ofr-years-{span}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def multi_year_report_pdf(request: HttpRequest, team, year: int) -> HttpResponse:
    report = _multi_year(request, team, year)
    span = f"{report.years[0]}-{report.years[-1]}"
    html = render_to_string(
        "recommendations/multi_year_report_pdf.html",
        {"report": report, "static_prefix": static_prefix()},
    )
    pdf, _pages = render_pdf(html)
    record(request, Action.EXPORT, report.team, detail=f"reviewed deaths by year {span} (PDF)")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ofr-years-{span}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def selection_report(request: HttpRequest, team, year: int) -> HttpResponse:
    """What became of the team's candidate deaths of a year, by quarter: counts
    of coded fields only, so no access event (as for the annual report's page)."""
    report = _selection_report(request, team, year)
    years = range(timezone.localdate().year, timezone.localdate().year - 5, -1)
    return render(
        request, "recommendations/selection_report.html", {"report": report, "years": years}
    )


@login_required
@require_safe
def selection_report_csv(request: HttpRequest, team, year: int) -> HttpResponse:
    with translation.override("en"):  # a machine format, as annual_report_csv
        report = _selection_report(request, team, year)
        text = selection.selection_report_csv(report)
    record(request, Action.EXPORT, report.team, detail=f"case selection report {year} (CSV)")
    response = HttpResponse(text, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="ofr-case-selection-{year}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def recommendation_history(request: HttpRequest, code) -> HttpResponse:
    recommendation = get_recommendation_for_user(request.user, code)
    pk = recommendation.pk
    sources = [
        (Recommendation, Recommendation.history.filter(id=pk), lambda r: gettext("Recommendation")),
        (
            ProgressUpdate,
            ProgressUpdate.history.filter(recommendation_id=pk),
            lambda r: gettext("Update"),
        ),
        (
            WorkPlanTask,
            WorkPlanTask.history.filter(recommendation_id=pk),
            lambda r: gettext("Task"),
        ),
        (
            FundingSource,
            FundingSource.history.filter(recommendation_id=pk),
            lambda r: gettext("Funding"),
        ),
        (
            Endorsement,
            Endorsement.history.filter(recommendation_id=pk),
            lambda r: gettext("Committee decision"),
        ),
        (
            RecommendationPartner,
            RecommendationPartner.history.filter(recommendation_id=pk),
            lambda r: gettext("Partner agency"),
        ),
    ]
    # Links only to the findings the confidentiality policy shows this reader.
    shown = [finding.pk for finding, _ in findings_for_viewer(request.user, recommendation)]
    if shown:
        record(request, Action.VIEW, recommendation, detail="history, findings behind it")
        sources.append(
            (
                RecommendationFinding,
                RecommendationFinding.history.filter(recommendation_id=pk, finding_id__in=shown),
                lambda r: gettext("Finding behind it"),
            )
        )
    entries = merged_entries(sources)
    return render(
        request,
        "recommendations/history.html",
        {"recommendation": recommendation, "entries": entries},
    )

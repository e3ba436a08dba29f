"""Exports of a team's case files for REDCap: the page, the data dictionary,
the records and the codebook (HTML and PDF). Coordinators and data managers
(export_cases, ofr/roles.py); each case as the policy shows it to them."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from cases.access import (
    exportable_cases,
    get_export_team_for_user,
    identifiers_withheld,
    viewers_for,
)
from cases.exchange import redcap
from cases.exchange.codebook import codebook
from cases.exchange.fields import DEIDENTIFIED, FULL, LEVELS
from ofr.audit import Action, record
from ofr.models import Team
from ofr.pdf import render_pdf, static_prefix


def _level(request: HttpRequest) -> str:
    level = request.GET.get("level", DEIDENTIFIED)
    if level not in LEVELS:
        raise BadRequest("Unknown export level")
    return level


def _attachment(
    body, content_type: str, team: Team, level: str, what: str, *, streamed: bool = False
) -> HttpResponse:
    """`what`: "records.csv" becomes e.g. riv-redcap-records-deidentified-2025-06-01.csv."""
    stem, extension = what.rsplit(".", 1)
    today = timezone.localdate().isoformat()
    name = f"{slugify(team.short_code)}-redcap-{stem}-{level}-{today}.{extension}"
    response = (StreamingHttpResponse if streamed else HttpResponse)(
        body, content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # Case data must not stay in shared caches or the browser's.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def redcap_export(request: HttpRequest, team) -> HttpResponse:
    team_obj = get_export_team_for_user(request.user, team)
    cases = (
        exportable_cases(request.user, team_obj)
        .select_related(None)
        .prefetch_related(None)
        .only("pk", "team_id", "reference")
    )
    withheld = identifiers_withheld(request.user, cases)
    return render(
        request,
        "cases/exports/redcap.html",
        {
            "team": team_obj,
            "case_count": len(cases),
            "levels": [(DEIDENTIFIED, LEVELS[DEIDENTIFIED]), (FULL, LEVELS[FULL])],
            "full_refused": len(withheld),
        },
    )


@login_required
@require_safe
def redcap_dictionary(request: HttpRequest, team) -> HttpResponse:
    team_obj = get_export_team_for_user(request.user, team)
    level = _level(request)
    record(request, Action.EXPORT, team_obj, detail=f"REDCap data dictionary, {level}")
    body = redcap.data_dictionary_csv(level)
    return _attachment(body, "text/csv", team_obj, level, "dictionary.csv")


@login_required
@require_safe
def redcap_repeating(request: HttpRequest, team) -> HttpResponse:
    team_obj = get_export_team_for_user(request.user, team)
    level = _level(request)
    record(request, Action.EXPORT, team_obj, detail=f"REDCap repeating instruments, {level}")
    body = redcap.repeating_instruments_csv(level)
    return _attachment(body, "text/csv", team_obj, level, "repeating.csv")


@login_required
@require_safe
def redcap_records(request: HttpRequest, team) -> HttpResponse:
    team_obj = get_export_team_for_user(request.user, team)
    level = _level(request)
    cases = list(exportable_cases(request.user, team_obj))
    try:
        lines = redcap.records_lines(cases, viewers_for(request.user, cases), level)
    except redcap.ExportRefused as refused:
        record(request, Action.DENIED, team_obj, detail=f"REDCap records, {level}: {refused}")
        return render(
            request,
            "cases/exports/refused.html",
            {"team": team_obj, "reason": str(refused)},
            status=403,
        )
    record(request, Action.EXPORT, team_obj, detail=f"REDCap records, {level}, {len(cases)} cases")
    # Streamed a batch of cases at a time: a large team's file is never held whole.
    return _attachment(lines, "text/csv", team_obj, level, "records.csv", streamed=True)


@login_required
@require_safe
def redcap_codebook(request: HttpRequest, team) -> HttpResponse:
    team_obj = get_export_team_for_user(request.user, team)
    level = _level(request)
    record(request, Action.EXPORT, team_obj, detail=f"REDCap codebook, {level} (HTML)")
    return render(
        request, "cases/exports/codebook.html", {"team": team_obj, "book": codebook(level)}
    )


@login_required
@require_safe
def redcap_codebook_pdf(request: HttpRequest, team) -> HttpResponse:
    team_obj = get_export_team_for_user(request.user, team)
    level = _level(request)
    html = render_to_string(
        "cases/exports/codebook_pdf.html",
        {"team": team_obj, "book": codebook(level), "static_prefix": static_prefix()},
    )
    pdf, _pages = render_pdf(html)
    record(request, Action.EXPORT, team_obj, detail=f"REDCap codebook, {level} (PDF)")
    return _attachment(pdf, "application/pdf", team_obj, level, "codebook.pdf")

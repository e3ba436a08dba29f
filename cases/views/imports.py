"""Case import: upload a spreadsheet, read the dry run, confirm."""

import csv
import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from cases.access import get_import_for_user, teams_importing
from cases.forms.imports import MappingForm, UploadForm
from cases.imports.planning import RowStatus
from cases.imports.targets import TARGETS
from cases.models import ImportMapping, PendingImport
from ofr.audit import Action, DeniedForbidden, record

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def importing_teams_or_403(request: HttpRequest):
    teams = teams_importing(request.user)
    if not teams.exists():
        raise DeniedForbidden("ofr.team", "", "add_team_case")
    return teams


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    teams = importing_teams_or_403(request)
    form = UploadForm(request.POST or None, request.FILES or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pending = PendingImport.hold(
            team=data["team"],
            by=request.user,
            file_name=data["file"].name,
            columns=data["columns"],
            header=data["sheet"].header,
            rows=data["sheet"].rows,
            repeats=data["sheet"].repeats,
            lines=data["sheet"].lines,
        )
        return redirect("cases:import_review", pending.code)
    return render(request, "cases/imports/start.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_review(request: HttpRequest, code) -> HttpResponse:
    pending = get_import_for_user(request.user, code)
    if request.method == "POST":
        if pending.status == PendingImport.Status.DONE:
            messages.info(request, gettext("This file was imported already."))
            return redirect("cases:import_review", pending.code)
        update_rows = {int(n) for n in request.POST.getlist("update") if n.isdigit() and len(n) < 8}
        outcome = pending.confirm(by=request.user, update_rows=update_rows)
        record(
            request,
            Action.IMPORT,
            pending,
            detail=(
                f"{pending.file_name[:200]}: {outcome['created']} created, "
                f"{outcome['updated']} updated, {outcome['unchanged']} unchanged, "
                f"{outcome['skipped']} skipped, {outcome['errors']} errors"
            ),
        )
        messages.success(
            request,
            gettext("Imported %(file)s: %(created)s cases created, %(updated)s updated.")
            % {
                "file": pending.file_name,
                "created": outcome["created"],
                "updated": outcome["updated"],
            },
        )
        return redirect("cases:import_review", pending.code)
    plan = None
    if pending.status == PendingImport.Status.PENDING:
        plan = pending.dry_run()
        # The dry run tells which of the team's cases hold the file's identifiers.
        record(request, Action.VIEW, pending, detail="import dry run")
    return render(
        request,
        "cases/imports/review.html",
        {"pending": pending, "plan": plan, "Status": RowStatus},
    )


@login_required
@require_safe
def import_errors(request: HttpRequest, code) -> HttpResponse:
    """The rows in error as they were uploaded, each with its row number and reason."""
    pending = get_import_for_user(request.user, code)
    plan = pending.dry_run()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", *pending.header, "reason"])
    for row in plan.errors:
        writer.writerow([row.number, *map(safe_cell, row.cells), safe_cell(row.reason)])
    record(request, Action.DOWNLOAD, pending, detail=f"import error file: {len(plan.errors)} rows")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-errors.csv"'
    return response


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@login_required
@require_safe
def import_template(request: HttpRequest) -> HttpResponse:
    """The headers of the importable fields and one row of invented data."""
    importing_teams_or_403(request)
    header = [target.column for target in TARGETS]
    example = [target.example for target in TARGETS]
    if request.GET.get("format") == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("cases")
        sheet.append(header)
        sheet.append(example)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="case-import-template.xlsx"'
        return response
    out = io.StringIO()
    csv.writer(out).writerows([header, example])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="case-import-template.csv"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_mappings(request: HttpRequest) -> HttpResponse:
    teams = importing_teams_or_403(request)
    mappings = ImportMapping.objects.filter(team__in=teams).select_related("team")
    chosen = (
        mappings.filter(code=request.GET.get("mapping")).first()
        if is_uuid(request.GET.get("mapping", ""))
        else None
    )
    initial = {}
    if chosen is not None:
        initial = {"team": chosen.team, "name": chosen.name}
        for number, target in enumerate(TARGETS):
            initial[f"column_{number}"] = chosen.columns.get(target.key, "")
    form = MappingForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        mapping = form.save(by=request.user)
        messages.success(
            request, gettext("Column mapping “%(name)s” saved.") % {"name": mapping.name}
        )
        return redirect("cases:import_start")
    return render(request, "cases/imports/mappings.html", {"form": form, "mappings": mappings})


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True

"""The API for partner systems (django-ninja), mounted at /api/v1/.

Every call carries `Authorization: Bearer <key>`. The key decides what the
call reaches, through api/access.py, which asks the same functions the pages
ask. Each call made with a key leaves an access event naming the key (its
method, path and status), and those events are what the rate limit counts.
No endpoint returns case content: case intake answers a new case with its
code, a duplicate or a bad row with reasons, never with the case's data.
"""

import json
from datetime import date
from uuid import UUID

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from api.access import (
    KeyPrincipal,
    get_intake_team_for_key,
    get_recommendation_for_key,
    get_report_team_for_key,
    recommendations_for_key,
    retry_after,
)
from api.models import ApiKey
from cases.imports.applying import create_new_rows
from cases.imports.planning import RowStatus, plan_records
from cases.imports.targets import TARGETS
from ofr.audit import Action, record
from recommendations import reports
from recommendations.forms import ProgressUpdateForm
from recommendations.models import ProgressUpdate, Recommendation
from recommendations.suppression import display

Scope = ApiKey.Scope


class KeyRefused(Exception):
    """A call the key may not make: answered with `status` and a message."""

    def __init__(self, status: int, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class BearerKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        # The key calls, not whoever a browser session belongs to.
        request.user = AnonymousUser()
        # The API answers in English whatever the Accept-Language: partner
        # systems parse its messages, and its errors include the forms' and
        # Django's own, which would otherwise follow the caller's language.
        translation.activate("en")
        key = ApiKey.objects.for_token(token.strip()) if token.strip() else None
        request.api_key = key
        if key is None:
            raise KeyRefused(401, "Unknown API key.")
        refusal = key.refusal()
        if refusal:
            raise KeyRefused(401, refusal)
        wait = retry_after(key)
        if wait:
            raise KeyRefused(429, f"Too many calls: try again in {wait} seconds.", wait)
        return key


class PartnerAPI(NinjaAPI):
    def create_response(self, request: HttpRequest, data, *, status=None, temporal_response=None):
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        response["Cache-Control"] = "no-store"
        audit_call(request, response.status_code)
        return response


def audit_call(request: HttpRequest, status: int) -> None:
    """One access event per call that presented a key."""
    if not hasattr(request, "api_key"):
        return
    key = request.api_key
    action = getattr(request, "audit_action", Action.VIEW) if status < 400 else Action.DENIED
    detail = f"{request.method} {request.path} {status}"
    if getattr(request, "audit_detail", ""):
        detail = f"{detail} {request.audit_detail}"
    if key is None:
        record(request, action, username="api-key:unknown", detail=detail)
    else:
        record(request, action, key, username=key.audit_name, detail=detail)


api = PartnerAPI(
    title="OFR partner API",
    version="1",
    description=(
        "Recommendations and progress updates for partner agencies, suppressed "
        "aggregates for teams. Send `Authorization: Bearer <key>`; a team's "
        "coordinator makes keys on the API keys page."
    ),
    auth=BearerKey(),
    urls_namespace="api_v1",
    # The bundled Swagger UI (ninja/static), never a CDN; no validator badge,
    # which would load an image from swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    # The schema and the docs page are read, never posted to.
    docs_decorator=require_safe,
)


@api.exception_handler(KeyRefused)
def key_refused(request: HttpRequest, exc: KeyRefused) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.message}, status=exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def no_key(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Send an API key: Authorization: Bearer <key>."}, status=401
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "This key may not do that."}, status=403)


def require(request: HttpRequest, scope: str) -> ApiKey:
    key: ApiKey = request.auth
    if not key.has_scope(scope):
        raise KeyRefused(403, f"This API key lacks the {scope} scope.")
    return key


# --- Schemas ---------------------------------------------------------------------------


class UpdateOut(Schema):
    code: UUID
    reported_on: date
    previous_status: str
    new_status: str
    narrative: str
    author: str
    has_evidence: bool


class RecommendationOut(Schema):
    code: UUID
    team: str
    title: str
    statement: str
    action: str
    measure: str
    baseline: str
    target: str
    category: str
    level: str
    status: str
    status_reason: str
    adopted_on: date | None
    due_on: date | None
    lead_agency: str | None
    partner_agencies: list[str]
    updates: list[UpdateOut]


class UpdateIn(Schema):
    new_status: str
    narrative: str
    reported_on: date | None = None
    reason: str = ""


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class CellsRow(Schema):
    label: str
    cells: list[str]
    total: str


class TableOut(Schema):
    title: str
    note: str
    column_labels: list[str]
    rows: list[CellsRow]
    column_totals: list[str]
    grand_total: str


class AggregatesOut(Schema):
    team: str
    year: int
    reviewed_deaths: str
    tables: list[TableOut]
    footnote: str


class IntakeItemOut(Schema):
    item: int
    status: str
    receipt: UUID | None = None
    reasons: list[str] = []


class IntakeOut(Schema):
    created: int
    duplicates: int
    errors: int
    results: list[IntakeItemOut]


def update_out(update: ProgressUpdate) -> dict:
    if update.api_key_name:
        author = f"{update.api_key_name} (API)"
    else:
        author = update.author.get_full_name() or update.author.username
    return {
        "code": update.code,
        "reported_on": update.reported_on,
        "previous_status": update.previous_status,
        "new_status": update.new_status,
        "narrative": update.narrative,
        "author": author,
        "has_evidence": bool(update.evidence),
    }


def recommendation_out(recommendation: Recommendation) -> dict:
    return {
        **{
            field: getattr(recommendation, field)
            for field in (
                "code",
                "title",
                "statement",
                "action",
                "measure",
                "baseline",
                "target",
                "category",
                "level",
                "status",
                "status_reason",
                "adopted_on",
                "due_on",
            )
        },
        "team": recommendation.team.name,
        "lead_agency": recommendation.lead_agency.name if recommendation.lead_agency else None,
        "partner_agencies": sorted(link.agency.name for link in recommendation.partner_links.all()),
        "updates": [
            update_out(u)
            for u in sorted(
                recommendation.updates.all(), key=lambda u: (u.reported_on, u.pk), reverse=True
            )
        ],
    }


def with_details(recommendations):
    return recommendations.select_related("team", "lead_agency").prefetch_related(
        "partner_links__agency", "updates__author"
    )


# --- Endpoints -------------------------------------------------------------------------


@api.get(
    "/recommendations",
    response=list[RecommendationOut],
    summary="The recommendations the key's agency leads or partners on",
)
def list_recommendations(request: HttpRequest):
    key = require(request, Scope.READ_RECOMMENDATIONS)
    rows = with_details(recommendations_for_key(key)).order_by("due_on", "id")
    return [recommendation_out(r) for r in rows]


@api.get(
    "/recommendations/{uuid:code}",
    response={200: RecommendationOut, 404: ErrorOut},
    summary="One recommendation, by its code",
)
def get_recommendation(request: HttpRequest, code: UUID):
    key = require(request, Scope.READ_RECOMMENDATIONS)
    found = get_recommendation_for_key(key, code)
    return recommendation_out(with_details(Recommendation.objects.filter(pk=found.pk)).get())


@api.post(
    "/recommendations/{uuid:code}/updates",
    response={201: UpdateOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Report progress on a recommendation the key's agency leads or partners on",
)
def post_update(request: HttpRequest, code: UUID, payload: UpdateIn):
    key = require(request, Scope.POST_UPDATES)
    recommendation = get_recommendation_for_key(key, code, "update")
    # The page's form: the same statuses, narrative checks and identifier guard.
    form = ProgressUpdateForm(
        {
            "new_status": payload.new_status,
            "narrative": payload.narrative,
            "reported_on": (payload.reported_on or timezone.localdate()).isoformat(),
            "reason": payload.reason,
        },
        recommendation=recommendation,
        user=KeyPrincipal(key),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
                update = current.add_update(
                    by=None,
                    api_key_name=key.name,
                    new_status=data["new_status"],
                    narrative=data["narrative"],
                    reported_on=data["reported_on"],
                    reason=data["reason"],
                )
        except ValidationError as error:
            return Status(400, {"detail": "The update was refused.", "errors": error.message_dict})
        return Status(201, update_out(update))
    errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
    return Status(400, {"detail": "The update was refused.", "errors": errors})


@api.get(
    "/aggregates/{int:year}",
    response={200: AggregatesOut, 403: ErrorOut, 404: ErrorOut},
    summary="The team's annual-report tables for a year, small cells suppressed",
)
def aggregates(request: HttpRequest, year: int):
    key = require(request, Scope.READ_AGGREGATES)
    team = get_report_team_for_key(key)
    if not 1900 <= year <= timezone.localdate().year:
        return Status(404, {"detail": "No report for that year."})
    request.audit_action = Action.EXPORT
    report = reports.annual_report(team, year)
    parts = report.case_tables
    return {
        "team": team.name,
        "year": year,
        "reviewed_deaths": reports.display_count(report),
        "tables": [
            {
                "title": part.title,
                "note": part.note,
                "column_labels": list(part.table.column_labels),
                "rows": [
                    {"label": label, "cells": [display(c) for c in cells], "total": display(total)}
                    for label, cells, total in part.table.rows
                ],
                "column_totals": [display(c) for c in part.table.column_totals],
                "grand_total": display(part.table.grand_total),
            }
            for part in parts
        ],
        "footnote": report.footnote,
    }


# --- Case intake -----------------------------------------------------------------------

MAX_INTAKE_ITEMS = 100

INTAKE_ROW_SCHEMA = {
    "type": "object",
    "description": "One case: the import template's columns, each optional.",
    "additionalProperties": False,
    "properties": {
        target.column: {"type": ["string", "number", "boolean", "null"], "title": target.label}
        for target in TARGETS
    },
}
INTAKE_EXAMPLE = {target.column: target.example for target in TARGETS if target.example}


def intake_text(value) -> str | None:
    """A JSON value as the import's cell text; None for one no column holds."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None


@api.post(
    "/cases",
    response={
        200: IntakeOut,
        201: IntakeItemOut,
        400: IntakeItemOut | ErrorOut,
        403: ErrorOut,
        409: IntakeItemOut,
    },
    summary="Add new cases to the key's team (create only: a known case is not changed)",
    description=(
        "The body is one case, an object keyed by the case import template's column "
        f"names, or a list of at most {MAX_INTAKE_ITEMS} of them. Each is checked as an "
        "import's dry run checks a row. One case: 201 with its receipt, 409 if it matches "
        "a case of the team (ME case number, death certificate number, or name with date "
        "of birth), 400 with the reasons it is refused. A list: 200 with a result per item "
        "(status created, duplicate or error), numbered from 1. No answer echoes case data."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            INTAKE_ROW_SCHEMA,
                            {
                                "type": "array",
                                "items": INTAKE_ROW_SCHEMA,
                                "maxItems": MAX_INTAKE_ITEMS,
                            },
                        ]
                    },
                    "example": INTAKE_EXAMPLE,
                }
            },
        }
    },
)
def intake_cases(request: HttpRequest):
    key = require(request, Scope.INTAKE_CASES)
    team = get_intake_team_for_key(key)
    try:
        body = json.loads(request.body)
    except ValueError:
        return Status(400, {"detail": "The body is not JSON."})
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return Status(400, {"detail": "Send a case as a JSON object, or a list of them."})
    if not 1 <= len(items) <= MAX_INTAKE_ITEMS:
        return Status(400, {"detail": f"Send from 1 to {MAX_INTAKE_ITEMS} cases a call."})
    texts = [{name: intake_text(value) for name, value in item.items()} for item in items]
    plan = plan_records(
        [{name: text or "" for name, text in item.items()} for item in texts], team.pk
    )
    for row, item in zip(plan.rows, texts, strict=True):
        nested = [name[:50] for name, text in item.items() if text is None]
        if nested:
            row.fail(f"Not a text, number or true/false value: {', '.join(nested[:10])}")
    # A key has no account: the history names the key in its reason.
    written = create_new_rows(plan, team, by=None, reason=f"API key {key.name} intake")
    results = [intake_result(row, written.get(row.number)) for row in plan.rows]
    counts = {
        status: sum(1 for result in results if result["status"] == status)
        for status in ("created", "duplicate", "error")
    }
    request.audit_action = Action.IMPORT
    request.audit_detail = (
        f"intake: {counts['created']} created, {counts['duplicate']} duplicates, "
        f"{counts['error']} errors"
    )
    if single:
        result = results[0]
        return Status({"created": 201, "duplicate": 409, "error": 400}[result["status"]], result)
    return {
        "created": counts["created"],
        "duplicates": counts["duplicate"],
        "errors": counts["error"],
        "results": results,
    }


def intake_result(row, written) -> dict:
    """An item's answer: a receipt, or reasons; never a value of the case."""
    if row.status in (RowStatus.UPDATE, RowStatus.UNCHANGED):
        reason = f"Matches a case of the team on its {row.matched_on}: intake adds new cases only"
        return {"item": row.number, "status": "duplicate", "reasons": [reason]}
    if row.status == RowStatus.ERROR:
        return {"item": row.number, "status": "error", "reasons": row.reasons}
    if isinstance(written, str):
        return {"item": row.number, "status": "error", "reasons": [written]}
    return {"item": row.number, "status": "created", "receipt": written.code}

"""Timeline events (touchpoints), notes and findings."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from cases.access import get_case_for_user, get_item_for_user, may_edit_finding
from cases.forms.timeline import (
    EventEditForm,
    EventForm,
    FindingEditForm,
    FindingForm,
    NoteEditForm,
    NoteForm,
)
from cases.models import Case, Finding, Note, TimelineEvent
from cases.views.editing import edit_versioned
from ofr.audit import DeniedForbidden, DeniedNotFound

GET_OR_POST = ["GET", "HEAD", "POST"]


def detail_url(case: Case, anchor: str) -> str:
    return reverse("cases:detail", args=[case.code]) + f"#{anchor}"


def form_page(
    request: HttpRequest, form, *, case: Case, title: str, cancel_url: str, notice: str = ""
):
    """The form page of a new record (no version, so no conflict to show)."""
    return render(
        request,
        "cases/versioned_form.html",
        {
            "form": form,
            "case": case,
            "title": title,
            "conflict": None,
            "cancel_url": cancel_url,
            "notice": notice,
        },
    )


def event_title(event: TimelineEvent) -> str:
    return f"{event.date:%Y-%m-%d}: {event.get_touchpoint_type_display()}"


# --- Timeline events -----------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def add_event(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    # The instance has its case before validation: the model's clean() checks
    # the date against the date of death.
    form = EventForm(request.POST or None, instance=TimelineEvent(case=case))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            event = form.save(commit=False)
            event.created_by = request.user
            event._change_reason = "Touchpoint added"
            event.save()
        messages.success(
            request, gettext("Timeline: %(event)s added.") % {"event": event_title(event)}
        )
        return redirect(detail_url(case, f"event-{event.code}"))
    return form_page(
        request,
        form,
        case=case,
        title=gettext("Add a touchpoint"),
        cancel_url=detail_url(case, "timeline"),
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_event(request: HttpRequest, code, item) -> HttpResponse:
    event = get_item_for_user(request.user, code, TimelineEvent, item, "change_case")
    form = EventEditForm(request.POST or None, instance=event)
    url = detail_url(event.case, f"event-{event.code}")
    return edit_versioned(
        request,
        form,
        case=event.case,
        title=gettext("Touchpoint"),
        reason="Touchpoint edited",
        success_url=url,
        cancel_url=url,
        item=event,
    )


# --- Notes -----------------------------------------------------------------------


def event_to_annotate(request: HttpRequest, case: Case) -> TimelineEvent | None:
    """The event named by ?event=, if this viewer may see it on this case (else 404)."""
    value = request.GET.get("event", "")
    if not value:
        return None
    try:
        event_code = uuid.UUID(value)
    except ValueError:
        raise DeniedNotFound("cases.timelineevent", value[:64], "annotate_case") from None
    return get_item_for_user(request.user, case.code, TimelineEvent, event_code, "annotate_case")


@login_required
@require_http_methods(GET_OR_POST)
def add_note(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "annotate_case")
    event = event_to_annotate(request, case)
    note = Note(case=case, timeline_event=event, author=request.user)
    form = NoteForm(request.POST or None, instance=note)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            note = form.save(commit=False)
            note._change_reason = "Note added"
            note.save()
        messages.success(request, gettext("Note added."))
        return redirect(detail_url(case, f"note-{note.code}"))
    return form_page(
        request,
        form,
        case=case,
        title=(
            gettext("Add a note on %(event)s") % {"event": event_title(event)}
            if event
            else gettext("Add a note on the case")
        ),
        cancel_url=detail_url(case, f"event-{event.code}" if event else "notes"),
        notice=event.decision.notice if event else "",
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_note(request: HttpRequest, code, item) -> HttpResponse:
    note = get_item_for_user(request.user, code, Note, item, "annotate_case")
    if note.author_id != request.user.pk:
        raise DeniedForbidden("cases.note", item, "author")
    form = NoteEditForm(request.POST or None, instance=note)
    url = detail_url(note.case, f"note-{note.code}")
    return edit_versioned(
        request,
        form,
        case=note.case,
        title=gettext("Note"),
        reason="Note edited",
        success_url=url,
        cancel_url=url,
        item=note,
    )


# --- Findings --------------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def add_finding(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "annotate_case")
    form = FindingForm(request.POST or None, instance=Finding(case=case, proposed_by=request.user))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            finding = form.save(commit=False)
            finding._change_reason = "Finding proposed"
            finding.save()
            form.save_m2m()  # the links to touchpoints, each with its history row
        messages.success(request, gettext("Finding proposed."))
        return redirect(detail_url(case, f"finding-{finding.code}"))
    return form_page(
        request,
        form,
        case=case,
        title=gettext("Propose a finding"),
        cancel_url=detail_url(case, "findings"),
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_finding(request: HttpRequest, code, item) -> HttpResponse:
    finding = get_item_for_user(request.user, code, Finding, item, "annotate_case")
    if not may_edit_finding(request.user, finding):
        raise DeniedForbidden("cases.finding", item, "change_finding")
    form = FindingEditForm(request.POST or None, instance=finding)
    url = detail_url(finding.case, f"finding-{finding.code}")
    return edit_versioned(
        request,
        form,
        case=finding.case,
        title=gettext("Finding"),
        reason="Finding edited",
        success_url=url,
        cancel_url=url,
        item=finding,
    )


@login_required
@require_POST
def confirm_finding(request: HttpRequest, code, item) -> HttpResponse:
    finding = get_item_for_user(request.user, code, Finding, item, "confirm_finding")
    try:
        with transaction.atomic():
            current = Finding.objects.select_for_update().get(pk=finding.pk)
            current.confirm(by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, gettext("Finding confirmed."))
    return redirect(detail_url(finding.case, f"finding-{finding.code}"))

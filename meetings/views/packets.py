"""Meeting packets: ask for a copy, watch it being made, download it.

A copy is made by a background task (meetings/packet_jobs.py). These pages start
it, show its progress (static/js/packet-progress.js polls packet_progress;
without script the page has a Refresh link) and hand the finished PDF out
through ofr.files.send_stored_file, which checks its SHA-256 and logs every
download.

A copy is seen by its recipient and by the meeting's managers; to anyone else
it does not exist (404).
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from meetings.access import (
    copy_shows_more_than,
    get_meeting_for_user,
    get_packet_copy_for_user,
    packet_copy_problem,
    packet_recipient_problem,
)
from meetings.forms.meetings import PacketRecipientForm
from meetings.models import Meeting, PacketCopy, display_name
from meetings.packet_jobs import fail_if_stale, start_packet
from ofr.audit import Action, DeniedForbidden, record, record_denied
from ofr.files import FileUnavailable, send_stored_file

GET_OR_POST = ["GET", "HEAD", "POST"]
OWN_PACKET_ONLY = gettext_lazy("You may only ask for your own packet.")


def signed_attendees(meeting: Meeting) -> list:
    return list(
        get_user_model()
        .objects.filter(attendances__meeting=meeting, attendances__signature__isnull=False)
        .order_by("last_name", "first_name", "username")
    )


def status_url(packet_copy: PacketCopy) -> str:
    return reverse("meetings:packet_status", args=[packet_copy.meeting.code, packet_copy.code])


def download_url(packet_copy: PacketCopy) -> str:
    return reverse("meetings:download_packet", args=[packet_copy.meeting.code, packet_copy.code])


def download_name(packet_copy: PacketCopy) -> str:
    day = timezone.localdate(packet_copy.meeting.starts_at)
    return f"packet-{day.isoformat()}-copy-{packet_copy.number}.pdf"


# --- Asking for a copy -------------------------------------------------------------


@login_required
@require_http_methods(GET_OR_POST)
def request_packet(request: HttpRequest, code) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "view_meeting")
    manages = meeting.viewer_may_manage
    signed = signed_attendees(meeting) if manages else []
    form = None
    if manages and signed:
        initial = request.user.get_username() if request.user in signed else None
        form = PacketRecipientForm(
            request.POST if request.method == "POST" else None,
            signed=signed,
            initial={"recipient": initial},
        )
    # What stops the viewer's own packet (shown before they try, for non-managers).
    own_problem = packet_recipient_problem(meeting, request.user, requested_by=request.user)
    problem, status = "", 200
    if request.method == "POST":
        recipient, problem, status = posted_recipient(request, meeting, form)
        if status == 403:
            denied = DeniedForbidden("meetings.meeting", meeting.code, "request_packet_for_another")
            record_denied(request, denied)
        if recipient is not None:
            try:
                packet_copy = start_packet(meeting, recipient, requested_by=request.user)
            except ValidationError as error:
                problem, status = " ".join(error.messages), 400
            else:
                # Making a copy exports the cases' content for its recipient.
                record(
                    request,
                    Action.EXPORT,
                    packet_copy,
                    detail=f"packet copy {packet_copy.number} prepared for "
                    f"{recipient.get_username()}",
                )
                messages.success(
                    request,
                    gettext("Copy %(number)s is being prepared for %(name)s.")
                    % {"number": packet_copy.number, "name": display_name(recipient)},
                )
                return redirect(status_url(packet_copy))
    return render(
        request,
        "meetings/packets/request.html",
        {
            "meeting": meeting,
            "form": form,
            "manages": manages,
            "has_signed_attendees": bool(signed),
            "own_problem": own_problem,
            "problem": problem,
        },
        status=status,
    )


def posted_recipient(request: HttpRequest, meeting: Meeting, form) -> tuple:
    """(recipient or None, problem, status) for a POST. A non-manager's packet
    is their own; naming anyone else is refused (403)."""
    if not meeting.viewer_may_manage:
        named = request.POST.get("recipient", "")
        if named and named != request.user.get_username():
            return None, OWN_PACKET_ONLY, 403
        return request.user, "", 200
    if meeting.is_closed:
        return None, packet_recipient_problem(meeting, request.user, requested_by=request.user), 400
    if form is None:
        return (
            None,
            gettext("Nobody on the roster has signed the confidentiality agreement yet."),
            400,
        )
    if not form.is_valid():
        return None, "", 400
    username = form.cleaned_data["recipient"]
    return get_user_model().objects.get(username=username), "", 200


# --- Watching it ----------------------------------------------------------------------


@login_required
@require_safe
def packet_status(request: HttpRequest, code, copy) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "view_meeting")
    packet_copy = get_packet_copy_for_user(request.user, meeting, copy)
    fail_if_stale(packet_copy)
    may_retry = (
        packet_copy.status == PacketCopy.Status.FAILED
        and not meeting.is_closed
        and (meeting.viewer_may_manage or packet_copy.recipient_id == request.user.pk)
    )
    return render(
        request,
        "meetings/packets/status.html",
        {
            "meeting": meeting,
            "copy": packet_copy,
            "recipient_name": display_name(packet_copy.recipient),
            "progress_url": reverse("meetings:packet_progress", args=[meeting.code, copy]),
            "download_url": download_url(packet_copy),
            "status_url": status_url(packet_copy),
            "may_retry": may_retry,
        },
    )


@login_required
@require_safe
def packet_progress(request: HttpRequest, code, copy) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "view_meeting")
    packet_copy = get_packet_copy_for_user(request.user, meeting, copy)
    fail_if_stale(packet_copy)
    response = JsonResponse(
        {
            "status": packet_copy.status,
            "status_label": packet_copy.get_status_display(),
            "progress": packet_copy.progress,
            "label": packet_copy.progress_label,
            "pages": packet_copy.page_count,
            "error": gettext(packet_copy.error) if packet_copy.error else "",
            "download_url": download_url(packet_copy) if packet_copy.downloadable else "",
            # The page's own status sentence, translated, for the live region.
            "text": render_to_string(
                "meetings/packets/_status_text.html", {"copy": packet_copy}
            ).strip(),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Downloading it ---------------------------------------------------------------------


def unavailable(
    request: HttpRequest, packet_copy: PacketCopy, *, reason: str, status: int, problem: str = ""
):
    return render(
        request,
        "meetings/packets/unavailable.html",
        {
            "meeting": packet_copy.meeting,
            "copy": packet_copy,
            "reason": reason,
            "problem": problem,
            "status_url": status_url(packet_copy),
        },
        status=status,
    )


@login_required
@require_safe
def download_packet(request: HttpRequest, code, copy) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, code, "view_meeting")
    packet_copy = get_packet_copy_for_user(request.user, meeting, copy)
    if meeting.is_closed:
        return unavailable(request, packet_copy, reason="closed", status=410)
    problem = packet_copy_problem(packet_copy)
    wider = not problem and copy_shows_more_than(packet_copy, request.user)
    if problem or wider:
        record_denied(
            request, DeniedForbidden("meetings.packetcopy", packet_copy.code, "download_packet")
        )
        if wider:
            return unavailable(request, packet_copy, reason="wider", status=403)
        return unavailable(request, packet_copy, reason="stale", status=410, problem=problem)
    if packet_copy.status != PacketCopy.Status.READY:
        return unavailable(request, packet_copy, reason="not_ready", status=409)
    try:
        return send_stored_file(
            request,
            packet_copy.file,
            sha256=packet_copy.sha256,
            audited=packet_copy,
            detail=f"packet copy {packet_copy.number} for {packet_copy.recipient.get_username()}",
            filename=download_name(packet_copy),
            content_type="application/pdf",
        )
    except FileUnavailable as problem:
        return unavailable(request, packet_copy, reason=problem.reason, status=problem.status)

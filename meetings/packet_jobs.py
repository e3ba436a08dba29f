"""Meeting packets made off the request thread: numbered copies, a background
task, and a child process that lays the pages out under limits.

    copy = start_packet(meeting, recipient, requested_by=request.user)

start_packet checks that the recipient may have a packet, gives the copy the
meeting's next number and, once that is committed, enqueues the
render_packet_copy task (django-tasks; `manage.py db_worker` runs it). The
task builds the recipient's HTML (meetings/packets.py, filtered by
cases/policy.py as on the pages), then has `python -m meetings.pdf_worker` lay
it out: a separate process with a wall-clock limit (OFR_PACKET_TIME_LIMIT
seconds, killed on expiry) and an address-space limit
(OFR_PACKET_MEMORY_LIMIT_MB), so one huge packet cannot stall or starve the
worker. The PDF reaches private storage only whole, with its SHA-256; on any
failure the copy is marked failed with a plain message and no file is kept.

The copy's progress (status, percent, label) is saved a handful of times per
job, each save with its history row; the status page polls it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, ngettext
from django_tasks import task

from cases.access import viewers_for
from cases.models import Case
from meetings.access import packet_recipient_problem
from meetings.models import AgendaItem, Meeting, PacketCopy, display_name
from meetings.packets import packet_html, previous_meeting_day
from meetings.pdf_worker import EXIT_MEMORY
from ofr.files import StorageFailed, committed_with_file, sha256_of

logger = logging.getLogger(__name__)

# Defaults of the settings OFR_PACKET_TIME_LIMIT (seconds) and
# OFR_PACKET_MEMORY_LIMIT_MB (address space of the layout process). The
# 8-case, 40-event benchmark packet (32 pages, about 8.5 s) peaks at 139 MB
# resident and 336 MB of address space (manage.py bench_packet); a 1,100-page
# document, more than can be laid out in 120 s, peaks at 660 MB resident and
# 820 MB of address space. So 2 GB never stops a packet that could finish in
# time, only a runaway (a pathological table or image), and long before the
# machine runs short.
DEFAULT_TIME_LIMIT = 120
DEFAULT_MEMORY_LIMIT_MB = 2048
NUMBER_ATTEMPTS = 5

# How the layout process dies when C code (GLib, Pango, HarfBuzz) cannot
# allocate under the cap: GLib aborts (SIGTRAP or SIGABRT), others crash; the
# kernel's out-of-memory killer sends SIGKILL. Any of these under the cap is
# taken for a lack of memory (the signal is logged).
CRASH_SIGNALS = frozenset(
    {signal.SIGKILL, signal.SIGTRAP, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS}
)

# The copy's error and progress label are stored (and kept in its history) in
# English, whoever asked and whatever their language: these are marked with
# gettext_noop, and what the task computes is made under translation.override("en").
GENERIC_ERROR = gettext_noop(
    "The packet could not be produced. Try again; if it keeps failing, tell your coordinator "
    "or system administrator."
)
STALE_ERROR = gettext_noop(
    "The packet was not made in time: the packet worker may have stopped or may not be "
    "running. Try again; if it keeps happening, tell your system administrator."
)
# A copy still queued or rendering this long after it was asked for will never
# finish (its worker was stopped, or none runs): it is failed when next looked
# at. The margin beyond the time limit grows with the limit (twice it), and is
# never under ten minutes, so that a few packets queued behind one another on
# one worker are not failed while the worker is fine.
STALE_MARGIN_FLOOR_SECONDS = 600
CLOSED_ERROR = gettext_noop(
    "The meeting was closed before the packet was ready, so no copy was kept."
)
NO_SPACE_ERROR = gettext_noop(
    "There is no room left to store packets, so no copy was kept. Tell your system "
    "administrator, then try again."
)


def time_limit() -> float:
    return float(getattr(settings, "OFR_PACKET_TIME_LIMIT", DEFAULT_TIME_LIMIT))


def stale_after() -> float:
    """Seconds after which a copy not yet made never will be."""
    return time_limit() + max(STALE_MARGIN_FLOOR_SECONDS, 2 * time_limit())


def work_root() -> Path:
    """The private folder where packets are laid out. A killed worker can
    leave a job's folder behind (with the packet's HTML in it):
    sweep_work_folders() removes those. The folder must be this process's
    own, a real folder (not a link) that nobody else can open: one another
    user made first in a shared temp folder is refused, never adopted."""
    root = Path(getattr(settings, "OFR_PACKET_WORK_DIR", "") or default_work_root())
    try:
        root.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        pass
    info = os.lstat(root)
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.geteuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise RuntimeError(
            f"The packet work folder {root} must be a folder of this user's with mode 0700 "
            "(OFR_PACKET_WORK_DIR)."
        )
    return root


def default_work_root() -> Path:
    return Path(tempfile.gettempdir()) / f"ofr-packets-{os.getuid()}"


def sweep_work_folders() -> int:
    """Remove job folders left by a stopped worker: those of a process of
    this host's that is gone, and any older than a job may run; returns how
    many. Run when a worker starts and at the start of every job."""
    cutoff = time.time() - stale_after()
    removed = 0
    for folder in work_root().glob("ofr-packet-*"):
        try:
            if folder.lstat().st_mtime < cutoff or not folder_owner_alive(folder.name):
                shutil.rmtree(folder)
                removed += 1
        except FileNotFoundError:
            continue  # another worker swept it first
        except OSError as error:  # best effort: the job goes on
            logger.error("Could not remove packet work folder %s: %s", folder, error)
    if removed:
        logger.warning("Removed %s packet work folder(s) left by a stopped worker", removed)
    return removed


def work_folder_prefix() -> str:
    """A job's folder names its process, so that a restarted worker can tell
    the folders of a killed one (the work folder is this host's own)."""
    return f"ofr-packet-{os.getpid()}-"


def folder_owner_alive(name: str) -> bool:
    """False only when the folder names a process that no longer runs."""
    match = re.fullmatch(r"ofr-packet-(\d+)-\w+", name)
    return match is None or process_alive(int(match.group(1)))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def memory_limit_mb() -> int:
    return int(getattr(settings, "OFR_PACKET_MEMORY_LIMIT_MB", DEFAULT_MEMORY_LIMIT_MB))


def time_error(limit: float) -> str:
    return gettext(
        "The packet took longer than %(seconds)s seconds to lay out, so it was stopped. "
        "Try again when the system is less busy; if it keeps happening, ask your coordinator "
        "to spread the cases over smaller packets."
    ) % {"seconds": f"{limit:g}"}


def memory_error() -> str:
    return gettext(
        "The packet needed more memory than allowed, so it was stopped. Ask your coordinator "
        "to spread the cases over smaller packets, or your system administrator to raise the "
        "limit."
    )


class PacketFailed(Exception):
    """The job stops; `message` is what the person waiting for the packet reads."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Requesting a copy -------------------------------------------------------------


def start_packet(meeting: Meeting, recipient, *, requested_by) -> PacketCopy:
    """A new, queued copy of the meeting's packet for `recipient`, with the
    meeting's next number; its task is enqueued once the copy is committed.
    Raises ValidationError (and makes nothing) when the recipient may not have one."""
    for attempt in range(1, NUMBER_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                # Lock the meeting (PostgreSQL; SQLite's IMMEDIATE transactions
                # already serialise writers): numbering and the closed check
                # see what concurrent requests and a closing committed.
                current = Meeting.objects.select_for_update().get(pk=meeting.pk)
                problem = packet_recipient_problem(current, recipient, requested_by=requested_by)
                if problem:
                    raise ValidationError(problem)
                # Deferring takes a case off planned agendas; a meeting already
                # under way keeps it, but no new copy carries it.
                deferred = (
                    current.agenda_items.filter(case__status=Case.Status.DEFERRED)
                    .select_related("case")
                    .order_by("position", "id")
                    .first()
                )
                if deferred is not None:
                    raise ValidationError(
                        gettext("Case %(reference)s is deferred: take it off the agenda first.")
                        % {"reference": deferred.case.reference}
                    )
                highest = current.packet_copies.aggregate(highest=Max("number"))["highest"]
                copy = PacketCopy(
                    meeting=current,
                    number=(highest or 0) + 1,
                    recipient=recipient,
                    requested_by=requested_by,
                    status=PacketCopy.Status.QUEUED,
                    progress=0,
                    progress_label=gettext_noop("Waiting for the packet worker"),
                )
                copy._history_user = requested_by
                copy._change_reason = f"Copy {copy.number} requested for {display_name(recipient)}"
                copy.save()
                transaction.on_commit(partial(enqueue_render, copy.pk))
        except IntegrityError:
            # Another request took the number between our read and our insert
            # (the unique constraint caught it): read the highest number again.
            if attempt == NUMBER_ATTEMPTS:
                raise
            continue
        copy.meeting = meeting
        return copy
    raise AssertionError("unreachable")


def enqueue_render(copy_id: int) -> None:
    """Queue the copy's task; a queue that refuses it fails the copy rather
    than leave it waiting forever."""
    try:
        render_packet_copy.enqueue(copy_id)
    except Exception:
        logger.exception("Packet copy id=%s could not be queued", copy_id)
        copy = PacketCopy.objects.filter(pk=copy_id).first()
        if copy is not None and not copy.is_finished:
            fail(copy, GENERIC_ERROR)


# --- The task ------------------------------------------------------------------------


@task()
def render_packet_copy(copy_id: int) -> str:
    """Produce one queued copy: HTML, layout in a limited child process,
    storage. Never raises for a failed packet: the copy records the failure.
    Runs in English (no request, so no reader's language): the packet, and its
    progress labels and errors as the history and the log keep them."""
    with translation.override("en"):
        reap_quietly()
        copy = claim(copy_id)
        if copy is None:
            return "skipped"
        try:
            produce(copy)
        except PacketFailed as failure:
            logger.warning(
                "Packet copy %s of meeting %s failed: %s",
                copy.number,
                copy.meeting.code,
                failure.message,
            )
            fail(copy, failure.message)
        except Exception as error:
            logger.exception(
                "Packet copy %s of meeting %s could not be produced",
                copy.number,
                copy.meeting.code,
            )
            no_space = isinstance(error, StorageFailed) and error.no_space
            fail(copy, NO_SPACE_ERROR if no_space else GENERIC_ERROR)
        return copy.status


def reap_quietly() -> None:
    """Clear what stopped workers left (meetings/worker.py) before taking a
    job; a failure there never stops the job."""
    from meetings.worker import reap  # it builds on this module

    try:
        reap()
    except Exception:
        logger.exception("Could not reap the tasks of stopped workers")


def claim(copy_id: int) -> PacketCopy | None:
    """The queued copy, now marked rendering; None when it is gone or was
    already taken (a task run twice produces the copy once at most)."""
    with transaction.atomic():
        copy = (
            PacketCopy.objects.select_for_update(of=("self",))
            .select_related("meeting__team", "recipient", "requested_by")
            .filter(pk=copy_id)
            .first()
        )
        if copy is None or copy.status != PacketCopy.Status.QUEUED:
            logger.warning(
                "Packet copy id=%s is %s: not produced again",
                copy_id,
                "gone" if copy is None else copy.status,
            )
            return None
        step(
            copy,
            10,
            gettext_noop("Gathering the case files"),
            status=PacketCopy.Status.RENDERING,
        )
    return copy


def produce(copy: PacketCopy) -> None:
    meeting, recipient = copy.meeting, copy.recipient
    problem = packet_recipient_problem(meeting, recipient, requested_by=copy.requested_by)
    if problem:
        raise PacketFailed(problem)
    items = (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("case__team", "case__decedent", "case__death", "case__circumstances")
        .order_by("position", "id")
    )
    cases = [item.case for item in items]
    viewers = viewers_for(recipient, cases)
    # What this copy shows, and as of when (saved with the next step).
    copy.case_ids = [case.pk for case in cases]
    copy.contents_at = timezone.now()
    try:
        html = packet_html(
            team=meeting.team,
            cases=cases,
            recipient=recipient,
            viewers=viewers,
            copy_number=copy.number,
            prepared_on=timezone.localdate(),
            meeting_title=meeting.title,
            include_identifiers=True,  # the team's policy and view_identifiers decide
            recommendations_since=previous_meeting_day(meeting),
        )
    except PermissionError as error:
        raise PacketFailed(
            gettext(
                "The packet could not be produced: %(name)s may not open every case on the agenda."
            )
            % {"name": display_name(recipient)}
        ) from error
    sweep_work_folders()
    # Removed on every way out of this block; a killed worker's is swept later.
    with tempfile.TemporaryDirectory(prefix=work_folder_prefix(), dir=work_root()) as folder:
        step(copy, 30, gettext_noop("Laying out the pages"))
        rendered = render_in_subprocess(
            html, Path(folder), time_limit=time_limit(), memory_limit_mb=memory_limit_mb()
        )
        step(
            copy,
            90,
            ngettext(
                "Saving the packet (%(pages)s page)",
                "Saving the packet (%(pages)s pages)",
                rendered.pages,
            )
            % {"pages": rendered.pages},
        )
        store(copy, rendered)


def step(copy: PacketCopy, progress: int, label: str, *, status: str = "") -> None:
    """Save the job's progress (one history row), and what the copy is made from."""
    fields = ["progress", "progress_label", "case_ids", "contents_at"]
    if status:
        copy.status = status
        fields.append("status")
    copy.progress, copy.progress_label = progress, label[:100]
    copy._history_user = copy.requested_by
    copy._change_reason = f"Packet: {label}"[:100]
    copy.save(update_fields=fields)


def fail_if_stale(copy: PacketCopy) -> None:
    """Fail a copy that has waited far longer than any job may run."""
    if copy.is_finished:
        return
    waited = (timezone.now() - copy.requested_at).total_seconds()
    if waited > stale_after():
        logger.warning("Packet copy id=%s waited %.0f s: failed as stale", copy.pk, waited)
        fail(copy, STALE_ERROR)


def fail(copy: PacketCopy, message: str) -> None:
    """Mark the copy failed; it keeps no file."""
    copy.status = PacketCopy.Status.FAILED
    copy.error = message[:300]
    copy.progress_label = gettext_noop("Failed")
    copy.finished_at = timezone.now()
    copy._history_user = copy.requested_by
    copy._change_reason = "Packet failed"
    copy.save(update_fields=["status", "error", "progress_label", "finished_at"])


# --- The layout process -----------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """A PDF laid out by meetings.pdf_worker, in a temporary folder."""

    path: Path
    pages: int
    seconds: float
    cpu_seconds: float  # of all children reaped meanwhile: exact when one job runs at a time
    peak_rss_mb: float
    peak_vm_mb: float


def worker_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.setdefault("DJANGO_SETTINGS_MODULE", settings.SETTINGS_MODULE)
    return environment


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def render_in_subprocess(
    html: str, folder: Path, *, time_limit: float, memory_limit_mb: int
) -> Rendered:
    """Lay `html` out as a PDF in `folder` by a child process, killed after
    `time_limit` seconds and capped at `memory_limit_mb` of address space
    (0: no cap). PacketFailed, with the message for the person waiting, when
    it fails."""
    source, target = folder / "packet.html", folder / "packet.pdf"
    source.write_text(html, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "meetings.pdf_worker",
        str(source),
        str(target),
        f"--memory-limit-mb={memory_limit_mb}",
        f"--parent-pid={os.getpid()}",
    ]
    started, children_cpu = time.perf_counter(), children_cpu_seconds()
    try:
        finished = subprocess.run(  # noqa: S603  (our own interpreter and module)
            command,
            cwd=settings.BASE_DIR,
            env=worker_environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=time_limit,
            check=False,
        )
    except subprocess.TimeoutExpired as error:  # run() has killed and reaped the child
        raise PacketFailed(time_error(time_limit)) from error
    seconds = time.perf_counter() - started
    cpu_seconds = children_cpu_seconds() - children_cpu
    if finished.returncode != 0:
        logger.error(
            "PDF worker exited with status %s after %.1f s: %s",
            finished.returncode,
            seconds,
            finished.stderr[-2000:],
        )
        signal_number = -finished.returncode
        if (
            finished.returncode == EXIT_MEMORY
            or signal_number == signal.SIGKILL
            or (signal_number in CRASH_SIGNALS and memory_limit_mb > 0)
        ):
            raise PacketFailed(memory_error())
        raise PacketFailed(GENERIC_ERROR)
    try:
        report = json.loads(finished.stdout.strip().splitlines()[-1])
        pages = int(report["pages"])
        with target.open("rb") as handle:
            whole = handle.read(5) == b"%PDF-"
    except (ValueError, KeyError, IndexError, OSError) as error:
        logger.error("PDF worker gave no PDF: %r %r", finished.stdout[-500:], error)
        raise PacketFailed(GENERIC_ERROR) from error
    if not whole:
        logger.error("PDF worker wrote something that is not a PDF")
        raise PacketFailed(GENERIC_ERROR)
    return Rendered(
        path=target,
        pages=pages,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        peak_rss_mb=float(report.get("peak_rss_mb", 0.0)),
        peak_vm_mb=float(report.get("peak_vm_mb", 0.0)),
    )


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_of(handle)


def store(copy: PacketCopy, rendered: Rendered) -> None:
    """Put the whole PDF in private storage and mark the copy ready, in one
    transaction with the meeting locked: a meeting closed meanwhile gets no
    file, and a failure leaves no file behind (ofr.files.committed_with_file)."""
    sha256 = file_sha256(rendered.path)
    size = rendered.path.stat().st_size
    # Stored as packets/<meeting code>/<random hex>.pdf.
    with (
        rendered.path.open("rb") as handle,
        committed_with_file(copy.file, File(handle), "packet.pdf"),
    ):
        meeting = Meeting.objects.select_for_update().get(pk=copy.meeting_id)
        if meeting.is_closed:
            raise PacketFailed(CLOSED_ERROR)
        copy.sha256, copy.size, copy.page_count = sha256, size, rendered.pages
        copy.status, copy.progress = PacketCopy.Status.READY, 100
        copy.progress_label = gettext_noop("Ready")
        copy.error = ""
        copy.finished_at = timezone.now()
        copy._history_user = copy.requested_by
        copy._change_reason = f"Packet ready: {rendered.pages} pages"
        copy.save()

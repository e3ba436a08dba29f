"""What a packet worker killed mid-job leaves behind, and who clears it.

A `db_worker` killed (SIGKILL, the out-of-memory killer, a host restart)
leaves its django-tasks row RUNNING for ever, its packet copy rendering, and
its job folder (the packet's HTML) in the work folder. reap() marks such rows
FAILED and fails their copies with the plain stale message; the folders are
swept by sweep_work_folders (meetings/packet_jobs.py).

A row is reaped when its worker is known to be gone, or when it has run
longer than any job may (the time limit plus its margin: stale_after()).
The worker is known gone only when it was started by `manage.py
packet_worker`, whose id names its host and process ("host:pid"), on this
host, and that process no longer runs. Other workers' rows wait for the time.

reap() runs when `manage.py packet_worker` starts, at the start of every
packet job, and from `manage.py reap_tasks` (cron), which also fails copies
that waited too long for a worker that never came.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from meetings.models import PacketCopy
from meetings.packet_jobs import STALE_ERROR, fail, process_alive, stale_after

logger = logging.getLogger(__name__)

PACKET_TASK = "meetings.packet_jobs.render_packet_copy"


class WorkerLost(Exception):
    """Recorded on a reaped task row (its exception class and message)."""


@dataclass(frozen=True)
class Reaped:
    tasks: int
    copies: int


def this_host() -> str:
    return socket.gethostname()[:40]


def worker_id() -> str:
    """The id `manage.py packet_worker` runs db_worker under."""
    return f"{this_host()}:{os.getpid()}"


def worker_gone(worker_id: str) -> bool:
    """Whether this id names a process of this host's that no longer runs."""
    host, _, pid = worker_id.rpartition(":")
    return host == this_host() and pid.isdigit() and not process_alive(int(pid))


def reap(*, now: datetime | None = None) -> Reaped:
    """Fail the task rows of stopped workers and their packet copies, and the
    copies that waited longer than any job may; returns how many of each."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=stale_after())
    tasks = copies = 0
    for row in DBTaskResult.objects.running().only("id", "started_at", "worker_ids"):
        last_worker = row.worker_ids[-1] if row.worker_ids else ""
        overdue = row.started_at is None or row.started_at < cutoff
        if not (overdue or worker_gone(last_worker)):
            continue
        reason = "ran longer than any job may" if overdue else "its worker stopped"
        with transaction.atomic():
            locked = DBTaskResult.objects.select_for_update().filter(pk=row.pk).first()
            if locked is None or locked.status != TaskResultStatus.RUNNING:
                continue  # it finished meanwhile
            locked.set_failed(WorkerLost(f"Task {locked.pk} {reason} (worker {last_worker})"))
        tasks += 1
        logger.warning("Task %s failed: %s (worker %s)", row.pk, reason, last_worker or "?")
        if locked.task_path == PACKET_TASK:
            copies += fail_unfinished(PacketCopy.objects.filter(pk__in=locked.args_kwargs["args"]))
    copies += fail_unfinished(PacketCopy.objects.filter(requested_at__lt=cutoff))
    return Reaped(tasks=tasks, copies=copies)


def fail_unfinished(copies) -> int:
    failed = 0
    unfinished = (PacketCopy.Status.QUEUED, PacketCopy.Status.RENDERING)
    for copy in copies.filter(status__in=unfinished).select_related("meeting"):
        logger.warning("Packet copy id=%s will never be made: failed", copy.pk)
        fail(copy, STALE_ERROR)
        failed += 1
    return failed

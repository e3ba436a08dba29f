"""The health check a load balancer or monitor asks: can this process serve?

Database reachable, file storage writable, every migration applied, and the
packet queue moving (the age of the oldest packet job waiting for a worker).
It says nothing about any case, person or team, and needs no sign-in."""

import logging
import time
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ofr.files import private_storage

logger = logging.getLogger(__name__)

# Once every migration is applied it stays so for this process's life: the
# migration graph is read once, not on every probe.
_migrations_applied = False


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_storage() -> str:
    """Write and remove a small file where documents and packets are kept."""
    name = private_storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"ok"))
    private_storage.delete(name)
    return "ok"


def check_migrations() -> str:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise RuntimeError("migrations not applied")
        _migrations_applied = True
    return "ok"


def oldest_queued_seconds() -> int:
    """Seconds the longest-waiting packet job has waited for a worker since it
    was queued (0: none waiting). ready() counts jobs queued without a delay,
    which django-tasks-db stores with a far-future run_after."""
    oldest = (
        DBTaskResult.objects.ready()
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    return int((timezone.now() - oldest).total_seconds()) if oldest else 0


def health() -> tuple[bool, dict]:
    """(healthy, report). Each failing check says only that it failed: the
    reason goes to the server log, never to whoever asks."""
    started = time.perf_counter()
    report: dict = {}
    healthy = True
    for name, check in (
        ("database", check_database),
        ("storage", check_storage),
        ("migrations", check_migrations),
    ):
        try:
            report[name] = check()
        except Exception as error:  # any failure: the probe answers 503, the log says why
            healthy = False
            report[name] = "fail"
            log_failure(name, error)
    try:
        waited = oldest_queued_seconds()
    except Exception as error:
        healthy = False
        report["packet_queue"] = "fail"
        log_failure("packet_queue", error)
    else:
        stalled = waited > settings.HEALTH_QUEUE_MAX_SECONDS
        healthy = healthy and not stalled
        report["packet_queue"] = {"oldest_waiting_seconds": waited, "stalled": stalled}
    report["status"] = "ok" if healthy else "fail"
    report["took_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return healthy, report


def log_failure(check: str, error: Exception) -> None:
    logger.error("Health check %s failed: %s", check, error)

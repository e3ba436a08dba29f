"""`manage.py bench_export --cases 1000`: time the team exports (REDCap
records at both levels, the data dictionary, the SUDORS file) as the team's
coordinator downloads them, through the views, in a throwaway database built
by the benchmark's dataset builder (SQLite, or PostgreSQL with --database-url).
Prints each download's time, queries, size and the worker's peak memory."""

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from demo import bench_dataset
from demo.bench_pages import allowed_host, signed_in_with_both_steps
from demo.management.commands.bench import postgres_url
from ofr.models import Team


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=1000, help="Cases of the team (1000).")
        parser.add_argument(
            "--events", type=int, default=0, help="Touchpoints in all (10 a case by default)."
        )
        parser.add_argument("--database-url", metavar="URL", help="An empty PostgreSQL database.")
        parser.add_argument("--worker", action="store_true", help="Internal: the measuring run.")

    def handle(self, *args, cases: int, events: int, database_url, worker: bool, **options):
        events = events or cases * 10
        if worker:
            return self.work(cases, events)
        if database_url:
            return self.run_worker({"DATABASE_URL": postgres_url(database_url)}, cases, events)
        handle, name = tempfile.mkstemp(prefix="ofr-bench-export-", suffix=".sqlite3")
        os.close(handle)
        try:
            self.run_worker({"SQLITE_PATH": name}, cases, events)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)

    def run_worker(self, database: dict[str, str], cases: int, events: int) -> None:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_export"]
        command += ["--worker", "--cases", str(cases), "--events", str(events)]
        environment = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")
        }
        environment.update(database, OFR_BENCH_WORKER="1")
        environment.setdefault("LOG_LEVEL", "WARNING")
        returncode = subprocess.run(command, env=environment, check=False).returncode  # noqa: S603
        if returncode:
            raise CommandError(f"The benchmark did not run through (exit status {returncode}).")

    def work(self, cases: int, events: int) -> None:
        if not os.environ.get("OFR_BENCH_WORKER"):
            raise CommandError("--worker is internal: run `manage.py bench_export`.")
        call_command("migrate", interactive=False, verbosity=0)
        if Team.objects.exists():
            raise CommandError("The benchmark database holds data; it will not touch it.")
        started = time.perf_counter()
        dataset = bench_dataset.build_dataset(
            cases=cases, events=events, detail_events=min(60, events - cases + 2)
        )
        built = time.perf_counter() - started
        settings.DEBUG = False
        client = Client(HTTP_HOST=allowed_host())
        signed_in_with_both_steps(client, dataset.coordinator)
        team = dataset.team.code
        downloads = [
            ("REDCap records, de-identified", "cases:redcap_records", "?level=deidentified"),
            ("REDCap records, full", "cases:redcap_records", "?level=full"),
            ("REDCap data dictionary", "cases:redcap_dictionary", "?level=full"),
            ("SUDORS variables", "cases:sudors_export", ""),
        ]
        database = connection.vendor
        self.stdout.write(
            f"{cases:,} cases, {events:,} touchpoints on {database} (built in {built:.0f} s)"
        )
        for label, name, query in downloads:
            url = reverse(name, kwargs={"team": team}) + query
            queries = []
            with connection.execute_wrapper(_counting(queries)):
                started = time.perf_counter()
                response = client.get(url)
                body = response.getvalue()  # a streamed download is made as it is read
                seconds = time.perf_counter() - started
            if response.status_code != 200:
                raise CommandError(f"{label}: {response.status_code}")
            self.stdout.write(
                f"  {label:<32} {seconds:6.2f} s  {len(queries):6,} queries  "
                f"{len(body) / 1024:9,.0f} KiB"
            )
            if os.environ.get("BENCH_SHOW_QUERIES"):
                for shape, count in Counter(q[:90] for q in queries).most_common(5):
                    self.stdout.write(f"      {count:6,} x {shape}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(f"  peak memory of the measuring process: {peak:,.0f} MiB")


def _counting(queries: list):
    """Counts every query (Django's own capture keeps the last 9,000 only)."""

    def wrapper(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return wrapper

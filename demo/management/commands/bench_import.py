"""`manage.py bench_import --rows 1000`: time a case import's dry run and
confirmation in a throwaway database (SQLite, or PostgreSQL with
--database-url), as manage.py bench does for pages. Target: each under 30 s
for 1,000 rows. More rows than a file may hold (MAX_ROWS) are imported as
several files in turn, as a team would, each file timed: the later files' rows
are matched against the cases the earlier ones wrote."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cases.imports.reading import MAX_ROWS
from demo.management.commands.bench import postgres_url
from ofr.models import Membership, Team
from ofr.roles import Role

TARGET_SECONDS = 30  # for 1,000 rows
MAX_FILES = 10


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser) -> None:
        parser.add_argument("--rows", type=int, default=1000, help="Rows in the file (1000).")
        parser.add_argument("--database-url", metavar="URL", help="An empty PostgreSQL database.")
        parser.add_argument("--worker", action="store_true", help="Internal: the measuring run.")

    def handle(self, *args, rows: int, database_url: str | None, worker: bool, **options):
        if not 1 <= rows <= MAX_FILES * MAX_ROWS:
            raise CommandError(f"--rows must be from 1 to {MAX_FILES * MAX_ROWS:,}.")
        if worker:
            return self.work(rows)
        if database_url:
            return self.run_worker({"DATABASE_URL": postgres_url(database_url)}, rows)
        handle, name = tempfile.mkstemp(prefix="ofr-bench-import-", suffix=".sqlite3")
        os.close(handle)
        try:
            self.run_worker({"SQLITE_PATH": name}, rows)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)

    def run_worker(self, database: dict[str, str], rows: int) -> None:
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_import"]
        command += ["--worker", "--rows", str(rows)]
        environment = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")
        }
        environment.update(database, OFR_BENCH_WORKER="1")
        environment.setdefault("LOG_LEVEL", "WARNING")
        returncode = subprocess.run(command, env=environment, check=False).returncode  # noqa: S603
        if returncode:
            raise CommandError(f"The benchmark did not pass (exit status {returncode}).")

    def work(self, rows: int) -> None:
        from cases.imports.targets import default_columns
        from cases.models import Case, PendingImport
        from demo.import_sample import HEADER, sample_rows

        if not os.environ.get("OFR_BENCH_WORKER"):
            raise CommandError("--worker is internal: run `manage.py bench_import`.")
        call_command("migrate", interactive=False, verbosity=0)
        if Team.objects.exists():
            raise CommandError("The benchmark database holds data; it will not touch it.")
        settings.DEBUG = False
        team = Team.objects.create(name="Benchmark OFR", short_code="BEN")
        user = User.objects.create_user("bench-coordinator")
        Membership.objects.create(user=user, team=team, role=Role.COORDINATOR)
        table = []
        while len(table) < rows:  # the sample's rows, renumbered so that each is a new death
            for row in sample_rows([]):
                row[0] = f"ME-B-{len(table):06d}"
                row[1] = f"DC-B-{len(table):06d}"
                row[2] = f"{row[2]} {len(table):06d}"
                table.append(row)
        table = table[:rows]
        slowest = 0.0  # seconds per 1,000 rows, of the slowest dry run or confirmation
        totals = {"dry run": 0.0, "confirm": 0.0}
        for first in range(0, rows, MAX_ROWS):
            part = table[first : first + MAX_ROWS]
            pending = PendingImport.hold(
                team=team,
                by=user,
                file_name=f"bench-{first // MAX_ROWS + 1}.csv",
                columns=default_columns(),
                header=HEADER,
                rows=part,
            )
            started = time.perf_counter()
            plan = pending.dry_run()
            dry_run = time.perf_counter() - started
            started = time.perf_counter()
            outcome = pending.confirm(by=user, update_rows=set())
            confirm = time.perf_counter() - started
            again = PendingImport.objects.get(pk=pending.pk)
            started = time.perf_counter()
            second = again.dry_run()
            second_run = time.perf_counter() - started
            database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
            self.stdout.write(
                f"{pending.file_name}, {len(part)} rows on {database}: dry run {dry_run:.2f} s "
                f"({plan.counts}), confirm {confirm:.2f} s ({outcome['created']} created, "
                f"{outcome['errors']} errors, {Case.objects.count()} cases), second dry run "
                f"{second_run:.2f} s ({second.counts['unchanged']} unchanged)."
            )
            totals["dry run"] += dry_run
            totals["confirm"] += confirm
            slowest = max(slowest, max(dry_run, confirm) * 1000 / len(part))
        if rows > MAX_ROWS:
            self.stdout.write(
                f"{rows} rows in {-(-rows // MAX_ROWS)} files: dry runs {totals['dry run']:.1f} s, "
                f"confirmations {totals['confirm']:.1f} s in all."
            )
        if slowest > TARGET_SECONDS:
            raise CommandError(
                f"Slower than the target ({TARGET_SECONDS} s per 1,000 rows).", returncode=1
            )
        self.stdout.write(f"Target met (each under {TARGET_SECONDS} s per 1,000 rows).")

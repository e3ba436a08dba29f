"""`manage.py bench`: build a synthetic case load in a separate database
(SQLite, or PostgreSQL with --database-url) and time the case pages. See
demo/bench_dataset.py for what is built and demo/bench_pages.py for what is
measured."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo import bench_dataset, bench_pages
from ofr.models import Team

HELP = """\
Build a synthetic dataset of the given size in a separate database and
report, per page, the median and p95 server time and the query count, as the
team's coordinator and as a review member. Exit status 0 when the targets are
met (case list and case detail under 150 ms median, query counts that do not
grow with the rows), 1 when not.

The configured database is never touched: the command re-runs itself in a
subprocess whose SQLITE_PATH points at the benchmark database (DATABASE_URL
removed). Without --database, that is a new temporary file, deleted at the end
unless --keep is given. With --database PATH, a missing file is created and
kept; an existing file is reused only with --keep, and only if this command
built it with the same --cases, --events and --detail-events (then the second
run only measures). The project's own database is always refused.

With --database-url postgres://..., the benchmark runs on that PostgreSQL
database instead: it must be empty or hold a benchmark this command built
(then, with the same sizes, it only measures); it is never dropped.
"""


class LongHelpCommand(BaseCommand):
    """A command whose --help keeps the line breaks of its long help text."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        from argparse import RawDescriptionHelpFormatter

        kwargs.setdefault("formatter_class", RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)


class Command(LongHelpCommand):
    help = HELP

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=10_000, help="Cases (default 10000).")
        parser.add_argument(
            "--events", type=int, default=300_000, help="Timeline events in all (default 300000)."
        )
        parser.add_argument(
            "--detail-events",
            type=int,
            default=60,
            help="Events on the case whose detail page is measured (default 60).",
        )
        parser.add_argument(
            "--requests", type=int, default=30, help="Timed requests per page (default 30)."
        )
        parser.add_argument(
            "--database",
            metavar="PATH",
            help="SQLite file for the benchmark (default: a new temporary file).",
        )
        parser.add_argument(
            "--database-url",
            metavar="URL",
            help="A PostgreSQL database for the benchmark (empty, or built by this command).",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="Keep the temporary database; or reuse the existing --database file.",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )
        parser.add_argument(
            "--build-only",
            action="store_true",
            help="Build (or check) the dataset and stop without measuring (manage.py loadtest).",
        )
        parser.add_argument("--worker", action="store_true", help="Internal: the measuring run.")

    def handle(self, *args, **options) -> None:
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1.")
        sizes = {k: options[k] for k in ("cases", "events", "detail_events")}
        try:
            bench_dataset.check_sizes(**sizes)
        except ValueError as refused:
            raise CommandError(str(refused)) from refused
        if options["worker"]:
            return self.work(**options)
        return self.launch(**options)

    # --- The parent: choose the database, run the worker, pass its answer on --

    def launch(self, *, database, database_url, keep, **options) -> None:
        if database_url:
            if database:
                raise CommandError("Give --database (SQLite) or --database-url, not both.")
            return self.run_worker({"DATABASE_URL": postgres_url(database_url)}, options)
        temporary = database is None
        if temporary:
            handle, name = tempfile.mkstemp(prefix="ofr-bench-", suffix=".sqlite3")
            os.close(handle)
            path = Path(name)
        else:
            path = Path(database).expanduser().resolve()
            refuse_project_database(path, configured=True)
            if path.exists() and not keep:
                raise CommandError(
                    f"{path} already exists. Add --keep to reuse it (only a database built "
                    "by this command with the same sizes is reused), or choose a new file."
                )
            if not path.parent.is_dir():
                raise CommandError(f"The folder {path.parent} does not exist.")
        self.stderr.write(f"Benchmark database: {path}")
        try:
            self.run_worker({"SQLITE_PATH": str(path)}, options)
        finally:
            if temporary and not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            else:
                self.stderr.write(f"Benchmark database kept: {path}")

    def run_worker(self, database: dict[str, str], options) -> None:
        """The measuring run, in a child process whose settings point at the
        benchmark database (`database`: SQLITE_PATH or DATABASE_URL)."""
        command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench", "--worker"]
        for name in ("cases", "events", "detail_events", "requests"):
            command += [f"--{name.replace('_', '-')}", str(options[name])]
        if options["as_json"]:
            command.append("--json")
        if options["build_only"]:
            command.append("--build-only")
        environment = {
            k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")
        }
        environment.update(database, OFR_BENCH_WORKER="1")
        environment.setdefault("LOG_LEVEL", "WARNING")
        returncode = subprocess.run(command, env=environment, check=False).returncode  # noqa: S603
        if returncode:
            raise CommandError(
                f"The benchmark did not pass (worker exit status {returncode}): see above.",
                returncode=returncode,
            )

    # --- The worker: runs against the benchmark database ----------------------

    def work(
        self, *, cases, events, detail_events, requests, as_json, build_only, **options
    ) -> None:
        database = settings.DATABASES["default"]
        if not os.environ.get("OFR_BENCH_WORKER"):
            raise CommandError(
                "--worker is internal: run `manage.py bench`, which points it at a separate "
                "database."
            )
        if database["ENGINE"] == "django.db.backends.sqlite3":
            refuse_project_database(Path(database["NAME"]).resolve(), configured=False)

        def progress(message: str) -> None:
            self.stderr.write(message)

        if not bench_dataset.is_benchmark_database():
            raise CommandError(
                f"{database['NAME']} holds data that this command did not build; "
                "it will not touch it."
            )
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        progress(f"Migrated in {time.perf_counter() - started:.1f} s.")
        # Built and timed as in production and in Django's test runner: with
        # DEBUG off (no query log, no template debug information).
        settings.DEBUG = False
        try:
            dataset = bench_dataset.find_dataset()
        except bench_dataset.IncompleteDataset as incomplete:
            raise CommandError(f"{incomplete} Choose a new --database.") from incomplete
        if dataset is None:
            if Team.objects.exists():
                raise CommandError(
                    f"{database['NAME']} holds data that this command did not build; "
                    "it will not touch it."
                )
            progress(f"Building {cases} cases and {events} timeline events...")
            dataset = bench_dataset.build_dataset(
                cases=cases, events=events, detail_events=detail_events, progress=progress
            )
        elif (dataset.cases, dataset.events, dataset.detail_events) != (
            cases,
            events,
            detail_events,
        ):
            raise CommandError(
                f"{database['NAME']} holds a benchmark of {dataset.cases} cases, "
                f"{dataset.events} events and a detail case with {dataset.detail_events}, "
                "not the sizes asked for. Choose a new --database."
            )
        else:
            progress(f"Reusing the benchmark dataset in {database['NAME']}.")
        if build_only:
            return
        progress(f"Measuring ({requests} requests per page)...")
        try:
            report = bench_pages.measure(dataset, requests=requests, progress=progress)
        except bench_pages.PageFailed as failure:
            raise CommandError(str(failure)) from failure
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(bench_pages.format_report(report))
        if not report.ok:
            raise CommandError("Targets not met.", returncode=1)


def postgres_url(url: str) -> str:
    """The URL, if it names a PostgreSQL database other than the project's."""
    try:
        parsed = dj_database_url.parse(url)
    except ValueError as error:
        raise CommandError(f"--database-url: {error}") from error
    if parsed["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("--database-url must name a PostgreSQL database (postgres://...).")
    configured = settings.DATABASES["default"]
    where = ("HOST", "PORT", "NAME")
    if configured["ENGINE"] == parsed["ENGINE"] and all(
        str(configured.get(k) or "") == str(parsed.get(k) or "") for k in where
    ):
        raise CommandError(
            "--database-url names the project's database: the benchmark never writes to it."
        )
    return url


def refuse_project_database(path: Path, *, configured: bool) -> None:
    """Never the project's db.sqlite3, nor (in the parent, `configured`) the
    SQLite file the settings point at."""
    protected = {(settings.BASE_DIR / "db.sqlite3").resolve()}
    database = settings.DATABASES["default"]
    if configured and database["ENGINE"] == "django.db.backends.sqlite3":
        protected.add(Path(database["NAME"]).resolve())
    if path in protected:
        raise CommandError(
            f"{path} is the project's database: the benchmark never writes to it. "
            "Leave --database out to use a temporary file, or name a new file."
        )

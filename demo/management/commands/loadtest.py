"""`manage.py loadtest`: requests per second through gunicorn with production
settings, over the benchmark dataset. See demo/loadstack.py for what runs and
demo/loadtest.py for what is measured."""

import json
import os
from pathlib import Path

from django.core.management.base import CommandError

from demo import loadstack
from demo import loadtest as measured
from demo.loadclient import SignInFailed
from demo.management.commands.bench import LongHelpCommand, postgres_url, refuse_project_database

HELP = """\
Build (or reuse) the benchmark dataset, start gunicorn with production
settings (DEBUG off, 3 workers) on a free loopback port, sign in as the bench
coordinator and the bench reviewer, and request each of a static file, the
sign-in page, the case list and the case page with 60 touchpoints from
--clients concurrent clients for --seconds. Reports requests per second (each
beside the static file's), p50/p95/p99 latency and errors, with PASS or FAIL
against the targets (case list >= 60 req/s, case page >= 120 req/s, zero
errors). Everything started is stopped at the end.

Exit status 1 on any error (an answer other than 2xx, a request without an
answer); on missed targets only with --strict.

The dataset is kept in build/loadtest-CASES.sqlite3 (--database PATH to choose
another file), or built in an empty PostgreSQL database with --database-url
(`make loadtest DB=postgres` starts a throwaway server).
"""


class Command(LongHelpCommand):
    help = HELP

    def add_arguments(self, parser) -> None:
        add_stack_arguments(parser, cases=10_000, clients=8, seconds=15, per="per page")
        parser.add_argument(
            "--warmup",
            type=float,
            default=2,
            help="Seconds of requests before each page's count starts (default 2).",
        )
        parser.add_argument("--strict", action="store_true", help="Exit 1 when a target is missed.")
        parser.add_argument("--prepare", action="store_true", help="Internal: set up the users.")
        parser.add_argument("--soak-clients", type=int, default=0, help="Internal.")

    def handle(self, *args, **options) -> None:
        if options["prepare"]:
            return self.prepare(options["soak_clients"])
        if options["clients"] < 1 or options["seconds"] <= 0 or options["warmup"] < 0:
            raise CommandError("--clients and --seconds must be positive.")
        loadstack.exit_on_signals()
        stack = stack_from_options("loadtest", options, say=self.stderr.write)
        before = measured.load_average()
        try:
            with stack as server:
                self.stderr.write(
                    f"Measuring: {options['clients']} clients, {options['seconds']:g} s per "
                    f"page after {options['warmup']:g} s of warm-up, at {server.port}"
                )
                rows = measured.run(
                    server,
                    password=stack.password,
                    clients=options["clients"],
                    seconds=options["seconds"],
                    warmup=options["warmup"],
                    say=self.stderr.write,
                )
                logged = stack.server_errors_logged()
        except (loadstack.StackFailed, measured.PageFailed, SignInFailed) as failure:
            raise CommandError(str(failure)) from failure
        except KeyboardInterrupt as stopped:
            raise CommandError("Interrupted: everything started was stopped.") from stopped
        database = "PostgreSQL" if options["database_url"] else "SQLite"
        heading = (
            f"Load test: {database}, {options['cases']} cases, gunicorn {options['workers']} "
            f"workers, {options['clients']} clients, {options['seconds']:g} s per page. "
            f"Load average before: {before}; after: {measured.load_average()}."
        )
        self.stdout.write(measured.format_report(rows, heading=heading))
        if logged:
            self.stdout.write(f"gunicorn logged {logged} server error(s): see {stack.logs}.")
        _name, no_errors, _detail = measured.error_check(rows)
        targets_met = all(passed for _n, passed, _d in measured.target_checks(rows))
        if not no_errors or logged:
            raise CommandError("Errors during the load test.", returncode=1)
        if not targets_met:
            if options["strict"]:
                raise CommandError("Targets not met.", returncode=1)
            self.stdout.write("Targets not met (exit status 0: without --strict).")

    def prepare(self, soak_clients: int) -> None:
        if not os.environ.get(loadstack.CHILD_FLAG):
            raise CommandError("--prepare is internal: run `manage.py loadtest`.")
        password = os.environ.get(loadstack.PASSWORD_VARIABLE, "")
        if len(password) < 20:
            raise CommandError(f"--prepare needs a long {loadstack.PASSWORD_VARIABLE}.")
        try:
            info = loadstack.prepare(password=password, soak_clients=soak_clients)
        except loadstack.StackFailed as failure:
            raise CommandError(str(failure)) from failure
        self.stdout.write(json.dumps(info))


def add_stack_arguments(parser, *, cases: int, clients: int, seconds: int, per: str) -> None:
    """The options `loadtest` and `soak` share: where the dataset is, its size,
    gunicorn's workers, the clients and how long they run."""
    parser.add_argument(
        "--cases", type=int, default=cases, help=f"Cases in the dataset (default {cases})."
    )
    parser.add_argument(
        "--clients", type=int, default=clients, help=f"Concurrent clients (default {clients})."
    )
    parser.add_argument(
        "--seconds", type=float, default=seconds, help=f"Seconds {per} (default {seconds})."
    )
    parser.add_argument(
        "--database",
        metavar="PATH",
        help="SQLite file of the dataset, built when missing and kept "
        "(default build/<command>-CASES.sqlite3).",
    )
    parser.add_argument(
        "--database-url", metavar="URL", help="An empty PostgreSQL database to build it in."
    )
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn worker processes (default 3)."
    )


def stack_from_options(name: str, options, **kwargs) -> loadstack.Stack:
    """The stack the shared options describe (refusing the project's database)."""
    if options["database"] and options["database_url"]:
        raise CommandError("Give --database (SQLite) or --database-url, not both.")
    database = None
    if options["database_url"]:
        postgres_url(options["database_url"])
    else:
        default = loadstack.BUILD / f"{name}-{options['cases']}.sqlite3"
        database = Path(options["database"] or default).expanduser().resolve()
        refuse_project_database(database, configured=True)
    return loadstack.Stack(
        name=name,
        database=database,
        database_url=options["database_url"],
        cases=options["cases"],
        workers=options["workers"],
        **kwargs,
    )

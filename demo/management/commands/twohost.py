"""`manage.py twohost`: two web hosts and a packet worker sharing only
PostgreSQL and a bucket, and the checks that they work as one. See
demo/twohost.py."""

import json
import os
import time

from django.core.management.base import CommandError

from demo import loadstack, twohost
from demo.loadclient import SignInFailed
from demo.management.commands.bench import LongHelpCommand, postgres_url
from demo.management.commands.demo import DEMO_PASSWORD

HELP = """\
Start, all on 127.0.0.1 on free ports: an S3-compatible server (moto) with a
bucket; the demo in the empty PostgreSQL database --database-url names
(migrate, then `manage.py demo --force`); two gunicorn hosts, A and B, with
production settings, and one packet worker (manage.py db_worker), each in a
temporary folder of its own (working folder, MEDIA_ROOT, STATIC_ROOT with its
own collectstatic, TMPDIR, OFR_PACKET_WORK_DIR): they share the database and
the bucket, nothing on disk.

Then check, printing PASS or FAIL for each:
  a. a session made on A works on B (sessions are in the database);
  b. a PDF uploaded through A is downloaded through B with the same SHA-256,
     and it is in the bucket, not on either host's disk;
  c. a packet asked for on B (the facilitator's, December meeting) is laid out
     by the worker and downloaded from A: a PDF with its recorded SHA-256;
  d. 4 readers per host for --seconds (coordinator and review member, case
     page and case list), then `verify_audit` passes and the view events
     each host logged equal the case pages it served;
  e. /healthz answers 200 on both hosts;
  f. `check_storage --older-than-minutes 0` finds nothing;
and that no MEDIA_ROOT holds a file, no server error was logged, and at the
end every process started was stopped and the temporary folders removed.
Exit status 1 when a check fails. Logs in build/twohost-logs/.

`make twohost` runs it on a throwaway PostgreSQL 15 (scripts/with-postgres).
"""


class Command(LongHelpCommand):
    help = HELP

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database-url", metavar="URL", help="An empty PostgreSQL database.")
        parser.add_argument(
            "--seconds",
            type=float,
            default=4,
            help="Seconds of concurrent reads in check d (default 4).",
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="gunicorn workers per host (default 2)."
        )
        parser.add_argument("--read-state", action="store_true", help="Internal.")
        parser.add_argument("--since", type=int, default=0, help="Internal.")

    def handle(self, *args, **options) -> None:
        if options["read_state"]:
            return self.read_state(options["since"])
        if not options["database_url"]:
            raise CommandError("--database-url is required (make twohost starts a database).")
        if options["seconds"] <= 0 or options["workers"] < 1:
            raise CommandError("--seconds and --workers must be positive.")
        postgres_url(options["database_url"])
        loadstack.exit_on_signals()
        stack = twohost.TwoHosts(
            database_url=options["database_url"],
            workers=options["workers"],
            say=self.stderr.write,
        )
        started = time.monotonic()
        try:
            with stack:
                checks = twohost.run_checks(
                    stack, DEMO_PASSWORD, seconds=options["seconds"], say=self.stderr.write
                )
                stopping = time.monotonic()
        except (loadstack.StackFailed, SignInFailed) as failure:
            raise CommandError(str(failure)) from failure
        except KeyboardInterrupt as stopped:
            raise CommandError("Interrupted: everything started was stopped.") from stopped
        stack.timings.append(("stop everything", time.monotonic() - stopping))
        checks.append(stopped_check(stack))
        out = self.stdout.write
        out("")
        for check in checks:
            out(check.line())
        out("")
        out(f"Two hosts: {stack.workers} gunicorn workers each, 1 packet worker, PostgreSQL, S3.")
        for step, seconds in stack.timings:
            out(f"  {step}: {seconds:.1f} s")
        checking = sum(check.seconds for check in checks)
        out(f"  checks: {checking:.1f} s")
        out(f"  total: {time.monotonic() - started:.1f} s")
        if not all(check.passed for check in checks):
            raise CommandError("Two hosts: a check failed (see above).", returncode=1)
        out("Two hosts: every check passed.")

    def read_state(self, since: int) -> None:
        if not os.environ.get(loadstack.CHILD_FLAG):
            raise CommandError("--read-state is internal: run `manage.py twohost`.")
        try:
            state = twohost.read_state(since=since)
        except loadstack.StackFailed as failure:
            raise CommandError(str(failure)) from failure
        self.stdout.write(json.dumps(state))


def stopped_check(stack: twohost.TwoHosts) -> twohost.Check:
    groups, left = stack.stopped
    removed = stack.root is not None and not stack.root.exists()
    return twohost.Check(
        "everything started stopped, temporary folders removed",
        not left and removed,
        f"{groups} process groups stopped, {len(left)} left{f' ({left})' if left else ''}; "
        f"{stack.root} {'removed' if removed else 'still there'}",
    )

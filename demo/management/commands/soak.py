"""`manage.py soak`: a mixed read and write load through gunicorn with
production settings and the packet worker, then checks that nothing was lost.
See demo/soak.py."""

import json
import os
from collections import Counter

from django.core.management.base import CommandError

from demo import bench_dataset, loadstack, soak
from demo.loadclient import SignInFailed
from demo.loadtest import load_average
from demo.management.commands.bench import LongHelpCommand
from demo.management.commands.loadtest import add_stack_arguments, stack_from_options

HELP = """\
Build (or reuse) the benchmark dataset, start gunicorn with production
settings (3 workers) and one packet worker (manage.py db_worker), sign in
--clients clients (every fourth as the bench reviewer, the others as the bench
coordinator) and run them for --seconds: case list, case pages and history;
versioned edits of the decedent section (each coordinator client on its own
case, a quarter of them on one shared case), notes, document uploads and
packet requests (at most one every --packet-every seconds).

Then it waits for the requested packets, reads the database and checks: no
5xx and no request without an answer; no lost update (every saved edit is in
the history at its version, the stored value is the last save's); every 409
answered another client's save from the same version; every note, document
and packet copy that answered success is stored (files with their SHA-256);
`manage.py verify_audit` passes; `manage.py check_storage` finds nothing.
Exit status 1 when a check fails. Everything started is stopped at the end.

`make soak` runs it on a throwaway PostgreSQL (DB=sqlite: on a kept SQLite
file, build/soak-CASES.sqlite3).
"""


class Command(LongHelpCommand):
    help = HELP

    def add_arguments(self, parser) -> None:
        add_stack_arguments(parser, cases=2_000, clients=16, seconds=300, per="of load")
        parser.add_argument(
            "--packet-every",
            type=float,
            default=10,
            help="Seconds between packet requests, at least (default 10).",
        )
        parser.add_argument(
            "--packet-wait",
            type=float,
            default=300,
            help="Seconds to wait for the packets at the end, at most (default 300).",
        )
        parser.add_argument("--read-state", metavar="FILE", help="Internal: read the records.")

    def handle(self, *args, **options) -> None:
        if options["read_state"]:
            return self.read_state(options["read_state"])
        if options["clients"] < 1 or options["seconds"] <= 0:
            raise CommandError("--clients and --seconds must be positive.")
        loadstack.exit_on_signals()
        stack = stack_from_options(
            "soak",
            options,
            packet_worker=True,
            soak_clients=options["clients"],
            say=self.stderr.write,
        )
        before = load_average()
        try:
            with stack as server:
                clients = soak.sign_in_clients(
                    server, clients=options["clients"], password=stack.password
                )
                self.stderr.write(
                    f"Soaking: {options['clients']} clients for {options['seconds']:g} s "
                    f"at {server.port}"
                )
                seconds = soak.run(
                    clients, seconds=options["seconds"], packet_every=options["packet_every"]
                )
                after = load_average()
                record = clients[0].record
                self.stderr.write("Waiting for the packet worker...")
                soak.wait_for_packets(
                    clients[0].session,
                    soak.packet_codes(record),
                    server.info["soak"]["meeting"],
                    seconds=options["packet_wait"],
                )
                wanted = stack.logs / "wanted.json"
                wanted.write_text(json.dumps(soak.wanted_state(record)))
                state = json.loads(
                    stack.manage("soak", "--read-state", str(wanted), capture=True).stdout
                )
                audit = stack.manage("verify_audit", capture=True, check=False)
                storage = stack.manage(
                    "check_storage", "--older-than-minutes", "0", capture=True, check=False
                )
                logged = stack.server_errors_logged()
                for (kind, status), body in record.samples.items():
                    (stack.logs / f"unexpected-{kind}-{status}.html".replace(" ", "-")).write_bytes(
                        body
                    )
        except (loadstack.StackFailed, SignInFailed) as failure:
            raise CommandError(str(failure)) from failure
        except KeyboardInterrupt as stopped:
            raise CommandError("Interrupted: everything started was stopped.") from stopped
        self.report(options, record, seconds, state, audit, storage, logged, before, after)

    def report(self, options, record, seconds, state, audit, storage, logged, before, after):
        database = "PostgreSQL" if options["database_url"] else "SQLite"
        edits, real = soak.edit_problems(record.edits, state["cases"])
        writes = soak.write_problems(record.writes, state)
        saved = sum(1 for e in record.edits if e.status == 302)
        conflicts = sum(1 for e in record.edits if e.status == 409)
        server_errors = sum(r.server_errors for r in record.kinds.values())
        failures = Counter()
        for result in record.kinds.values():
            failures.update(result.failures)
        made = Counter(w.kind for w in record.writes)
        out = self.stdout.write
        out(
            f"Soak: {database}, {options['cases']} cases, gunicorn {options['workers']} workers "
            f"and 1 packet worker, {options['clients']} clients for {seconds:.0f} s. "
            f"Load average before: {before}; at the end of the load: {after}."
        )
        out("")
        out(soak.format_figures(record, seconds))
        out("")
        out(
            f"Edits: {saved} saved, {conflicts} refused with 409 ({real} of them after another "
            f"client's save from the same version). Notes {made['note']}, documents "
            f"{made['upload']}, packet copies {made['packet']}."
        )
        checks = [
            ("no 5xx", server_errors == 0 and not logged, f"{server_errors} 5xx, {logged} logged"),
            (
                "every request answered, every form found",
                not failures,
                ", ".join(f"{name}: {n}" for name, n in sorted(failures.items())) or "all",
            ),
            (
                "only expected statuses",
                not record.unexpected,
                ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(record.unexpected.items()))
                or "none other",
            ),
            ("no lost update, every 409 real", not edits, "; ".join(edits[:10]) or "none"),
            ("every write stored", not writes, "; ".join(writes[:10]) or "all stored"),
            ("verify_audit", audit.returncode == 0, last_line(audit.stdout)),
            ("check_storage", storage.returncode == 0, last_line(storage.stdout)),
        ]
        for name, passed, detail in checks:
            out(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
        if not all(passed for _name, passed, _detail in checks):
            raise CommandError("The soak found problems: see above.", returncode=1)

    def read_state(self, path: str) -> None:
        if not os.environ.get(loadstack.CHILD_FLAG):
            raise CommandError("--read-state is internal: run `manage.py soak`.")
        if bench_dataset.find_dataset() is None:
            raise CommandError("This database holds no benchmark dataset.")
        with open(path) as wanted:
            self.stdout.write(json.dumps(soak.read_state(json.load(wanted))))


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""

"""The server side of `manage.py loadtest` and `manage.py soak`: the benchmark
dataset (built by `manage.py bench --build-only`), then gunicorn with
production settings on a loopback port, and for the soak the packet worker.
`Processes`, the part that starts and stops servers, also runs the two hosts
of `manage.py twohost` (demo/twohost.py).

Every process is started in a session of its own and stopped, with its
children, by its process group when the run ends, however it ends: the
commands turn SIGINT, SIGTERM and SIGHUP into an exit, so Ctrl-C or a kill still
stops gunicorn's workers and the worker's layout processes.

`prepare()` runs inside a child process pointed at the benchmark database
(`manage.py loadtest --prepare`): it gives the two bench users a password for
this run only, and refuses any database the benchmark did not build.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from demo import bench_dataset
from demo.bench_pages import enrolled_with_demo_secret
from demo.loadclient import Session

BUILD = settings.BASE_DIR / "build"
KEYS_FILE = BUILD / "loadtest.keys"
DATABASE_VARIABLES = ("DATABASE_URL", "SQLITE_PATH")
CHILD_FLAG = "OFR_LOADTEST_CHILD"
PASSWORD_VARIABLE = "OFR_LOADTEST_PASSWORD"  # noqa: S105  (a variable name)
EVENTS_PER_CASE = 30  # as in `manage.py bench` (300,000 events for 10,000 cases)
DETAIL_EVENTS = 60
SOAK_MEETING = "Soak review"
PLACEHOLDER = "/benchmark-placeholder.pdf"  # demo/bench_dataset.py names, never writes, it
SOAK_AGENDA = 2


class StackFailed(Exception):
    """A step of starting the stack failed."""


def exit_on_signals() -> None:
    """SIGINT, SIGTERM and SIGHUP end the run, so that cleanup runs (also
    SIGINT, which a shell's background job would otherwise ignore)."""

    def stop(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def new_keys() -> dict[str, str]:
    """SECRET_KEY, AUDIT_KEY and FIELD_ENCRYPTION_KEYS for a production-settings run."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def run_keys() -> dict[str, str]:
    """The keys of the load-test server, kept in build/ so that a kept
    dataset's access log still verifies and its identifiers still decrypt on
    the next run. A key missing from an older file is added to it."""
    keys = json.loads(KEYS_FILE.read_text()) if KEYS_FILE.exists() else {}
    missing = {name: key for name, key in new_keys().items() if name not in keys}
    if missing:
        keys.update(missing)
        KEYS_FILE.parent.mkdir(exist_ok=True)
        KEYS_FILE.touch(mode=0o600)
        KEYS_FILE.write_text(json.dumps(keys))
    return keys


@dataclass
class Server:
    host: str
    port: int
    info: dict  # what prepare() found: codes, user names

    def session(self) -> Session:
        return Session(self.host, self.port)


class Processes:
    """Process groups started for a run, each with its log in build/NAME-logs,
    as a context manager that stops whatever it started. A subclass says
    what to start (`start()`) and with which settings (`environment()`)."""

    def __init__(self, *, name: str, workers: int = 3, say=print) -> None:
        self.name, self.workers, self.say = name, workers, say
        self.logs = BUILD / f"{name}-logs"
        self.processes: list[subprocess.Popen] = []
        self.temporary: list[Path] = []
        self.server: Server | None = None
        self.stopped: tuple[int, list[int]] = (0, [])  # groups stopped, pids of those left

    def environment(self) -> dict[str, str]:
        raise NotImplementedError

    def start(self):
        raise NotImplementedError

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def manage_command(self) -> list[str]:
        return [sys.executable, str(settings.BASE_DIR / "manage.py")]

    def run_manage(
        self,
        args: tuple[str, ...],
        *,
        env: dict,
        cwd: Path | None = None,
        capture: bool = False,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        """Run manage.py in `env` (its output kept when `capture`); raise
        StackFailed on failure when `check`."""
        done = subprocess.run(  # noqa: S603
            [*self.manage_command(), *args],
            env=env | {CHILD_FLAG: "1"},
            cwd=cwd or settings.BASE_DIR,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture and not check else None,
            text=True,
            check=False,
        )
        if check and done.returncode:
            raise StackFailed(f"manage.py {args[0]} failed (exit status {done.returncode}).")
        return done

    def spawn(
        self, name: str, command: list[str], *, env: dict | None = None, cwd: Path | None = None
    ) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603
                command,
                env=self.environment() if env is None else env,
                cwd=cwd or settings.BASE_DIR,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )
        self.processes.append(process)
        self.say(f"Started {name} (pid {process.pid}), log {log}")
        return log

    def start_gunicorn(
        self, *, name: str = "gunicorn", env: dict | None = None, cwd: Path | None = None
    ) -> int:
        """gunicorn on a port the system picks (no race for a free port); the
        port is read from its log."""
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "ofr.wsgi",
            "--workers",
            str(self.workers),
            "--bind",
            "127.0.0.1:0",
            # Its default control socket is one path per user: another run's.
            "--no-control-socket",
        ]
        log = self.spawn(name, command, env=env, cwd=cwd)
        return port_from_log(log, GUNICORN_LISTENING, self.processes[-1], what=name)

    def wait_until_healthy(self, server: Server | None = None) -> None:
        session = (server or self.server).session()
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            try:
                status = session.get("/healthz").status
            except OSError:
                status = None
            if status == 200:
                return
            time.sleep(0.5)
        raise StackFailed(f"/healthz answered {status}: see {self.logs}.")

    def stop(self) -> None:
        """Stop every process group started, gently, then for good."""
        for process in reversed(self.processes):
            stop_group(process)
        left = [p.pid for p in self.processes if group_alive(p.pid)]
        if left:
            self.say(f"Process groups still running: {left}")
        elif self.processes:
            self.say(f"Stopped: {len(self.processes)} process group(s), none left.")
        self.stopped = (len(self.processes), left)
        self.processes = []
        for folder in self.temporary:
            shutil.rmtree(folder, ignore_errors=True)
        self.temporary = []

    def server_errors_logged(self, name: str = "gunicorn") -> int:
        """Server errors gunicorn's workers logged (Django logs each 5xx)."""
        log = self.logs / f"{name}.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return len(re.findall(r"ERROR django\.request", text))


GUNICORN_LISTENING = r"Listening at: http://127\.0\.0\.1:(\d+)"


def port_from_log(
    log: Path, pattern: str, process: subprocess.Popen, *, what: str, seconds: float = 60
) -> int:
    """The port a server started on port 0 names in its log (the first group
    of `pattern`), once it does; StackFailed if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise StackFailed(f"{what} did not start: see {log}.")


class Stack(Processes):
    """Dataset, gunicorn and (optionally) the packet worker, as a context
    manager that stops whatever it started."""

    def __init__(
        self,
        *,
        name: str,
        database: Path | None,
        database_url: str | None,
        cases: int,
        workers: int = 3,
        packet_worker: bool = False,
        soak_clients: int = 0,
        say=print,
    ) -> None:
        super().__init__(name=name, workers=workers, say=say)
        self.database, self.database_url = database, database_url
        self.cases = cases
        self.packet_worker, self.soak_clients = packet_worker, soak_clients
        self.password = secrets.token_urlsafe(24)
        self.media: Path | None = None

    # --- Environment ----------------------------------------------------------

    def media_root(self) -> Path:
        if self.database is not None:
            return self.database.with_suffix(".media")
        # A throwaway PostgreSQL: its files go with it.
        folder = Path(tempfile.mkdtemp(prefix=f"ofr-{self.name}-media-"))
        self.temporary.append(folder)
        return folder

    def environment(self, *, with_database: bool = True) -> dict[str, str]:
        env = production_environment(run_keys())
        env.update(STATIC_ROOT=str(BUILD / "loadtest-static"), MEDIA_ROOT=str(self.media))
        if with_database:
            if self.database_url:
                env["DATABASE_URL"] = self.database_url
            else:
                env["SQLITE_PATH"] = str(self.database)
        return env

    def manage(
        self,
        *args: str,
        with_database: bool = True,
        capture: bool = False,
        check: bool = True,
        extra: dict | None = None,
    ) -> subprocess.CompletedProcess:
        """Run manage.py with the stack's settings (see run_manage)."""
        env = self.environment(with_database=with_database) | (extra or {})
        return self.run_manage(args, env=env, capture=capture, check=check)

    # --- Starting -------------------------------------------------------------

    def start(self) -> Server:
        BUILD.mkdir(exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        fresh = self.database is not None and not self.database.exists()
        self.media = self.media_root()
        if fresh:
            shutil.rmtree(self.media, ignore_errors=True)  # files of an earlier dataset
        self.media.mkdir(exist_ok=True)
        where = ["--database-url", self.database_url] if self.database_url else []
        if self.database is not None:
            where = ["--database", str(self.database), "--keep"]
        # Never the URL: it may hold a password.
        self.say(f"Dataset: {self.cases} cases in {self.database or 'PostgreSQL'}")
        # bench refuses the database the settings point at: it gets none.
        self.manage(
            "bench",
            *where,
            "--cases",
            str(self.cases),
            "--events",
            str(self.cases * EVENTS_PER_CASE),
            "--detail-events",
            str(DETAIL_EVENTS),
            "--build-only",
            with_database=False,
        )
        # The password reaches the child through its environment, never its arguments.
        out = self.manage(
            "loadtest",
            "--prepare",
            "--soak-clients",
            str(self.soak_clients),
            capture=True,
            extra={PASSWORD_VARIABLE: self.password},
        )
        info = json.loads(out.stdout.strip().splitlines()[-1])
        self.say("Collecting static files...")
        self.manage("collectstatic", "--no-input", "--verbosity", "0")
        port = self.start_gunicorn()
        if self.packet_worker:
            self.spawn("db_worker", [*self.manage_command(), "db_worker", "--no-reload"])
        self.server = Server("127.0.0.1", port, info)
        self.wait_until_healthy()
        return self.server


def production_environment(keys: dict[str, str]) -> dict[str, str]:
    """This process's environment without its database settings, with
    production settings over plain HTTP on loopback and `keys` (SECRET_KEY,
    AUDIT_KEY, FIELD_ENCRYPTION_KEYS)."""
    env = {k: v for k, v in os.environ.items() if k not in DATABASE_VARIABLES}
    env.update(
        keys,
        DEBUG="",
        SECRET_KEY_FALLBACKS="",
        AUDIT_KEY_FALLBACKS="",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        LOG_FORMAT="text",
    )
    return env


def stop_group(process: subprocess.Popen, grace: float = 20.0) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
    # Children left behind by the leader (a worker, a layout process).
    if group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        # A killed process dies when next scheduled: on a busy machine, not at once.
        deadline = time.monotonic() + 5
        while group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def group_alive(pgid: int) -> bool:
    """Whether a live process is left in the group. A killed child of a
    process that died first is a zombie until init reaps it: kill() still
    finds it, so /proc is read for the processes' states."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # "pid (name) state ppid pgrp ...": the name may hold spaces and parentheses.
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError, ValueError):
            continue
        if int(pgrp) == pgid and state != "Z":
            return True
    return False


# --- Inside the benchmark database (manage.py loadtest --prepare) -------------------


def prepare(*, password: str, soak_clients: int) -> dict:
    """Passwords for the bench coordinator and reviewer, placeholder files for
    the bench's document records (so that check_storage finds them), and for
    the soak its cases and a planned meeting both users signed for.
    Returns the codes the clients need."""
    dataset = bench_dataset.find_dataset()
    if dataset is None:
        raise StackFailed("This database holds no benchmark dataset: nothing was changed.")
    for user in (dataset.coordinator, dataset.reviewer):
        user.set_password(password)
        user.save(update_fields=["password"])
        enrolled_with_demo_secret(user)  # the clients' second step (demo/second_factor.py)
    _placeholder_files(dataset)
    info = {
        "coordinator": dataset.coordinator.username,
        "reviewer": dataset.reviewer.username,
        "detail": str(dataset.detail_case.code),
        "detail_events": dataset.detail_events,
    }
    if soak_clients:
        info["soak"] = _soak_plan(dataset, soak_clients)
    return info


def _placeholder_files(dataset) -> None:
    from cases.models import SourceDocument
    from ofr.files import private_storage

    documents = SourceDocument.objects.filter(case__team=dataset.team)
    for document in documents.filter(file__endswith=PLACEHOLDER):
        if not private_storage.exists(document.file.name):
            private_storage.save(document.file.name, ContentFile(b"%PDF-1.4\n% placeholder\n"))


def _soak_plan(dataset, clients: int) -> dict:
    """Cases the reviewer may open too (the past meetings' cases), apart from
    the measured ones: one per client to edit, one shared, some to read; and
    on the soak meeting's agenda two that are ready for review."""
    from cases.models import Case
    from meetings.models import AgendaItem, Meeting

    cleared = (
        AgendaItem.objects.filter(meeting__team=dataset.team, meeting__status=Meeting.Status.CLOSED)
        .exclude(case__in=[dataset.detail_case, dataset.small_case])
        .order_by("case_id")
    )
    ready = cleared.filter(case__status=Case.Status.READY_FOR_REVIEW)
    agenda = list(ready.values_list("case_id", flat=True)[:SOAK_AGENDA])
    meeting = _soak_meeting(dataset, agenda)
    codes = [
        str(code)
        for code in cleared.exclude(case_id__in=agenda).values_list("case__code", flat=True)
    ]
    if len(codes) < clients + 2 or len(agenda) < SOAK_AGENDA:
        raise StackFailed(f"The dataset has too few cases for {clients} soak clients.")
    return {
        "meeting": str(meeting.code),
        "own": codes[:clients],
        "shared": codes[clients],
        "read": codes[clients + 1 : clients + 201],
    }


def _soak_meeting(dataset, case_ids: list[int]):
    from cases.models import Case
    from meetings.models import Attendance, Meeting, display_name

    meeting = Meeting.objects.filter(team=dataset.team, title=SOAK_MEETING).first()
    if meeting is not None:
        return meeting
    coordinator = dataset.coordinator
    with transaction.atomic():
        meeting = Meeting(
            team=dataset.team,
            title=SOAK_MEETING,
            starts_at=timezone.now() + timedelta(days=14),
            place="Bench room",
            created_by=coordinator,
        )
        meeting._history_user = coordinator
        meeting.save()
        for case in Case.objects.filter(pk__in=case_ids):
            meeting.add_to_agenda(case, by=coordinator)
        for user in (coordinator, dataset.reviewer):
            attendance = Attendance(meeting=meeting, user=user, added_by=coordinator)
            attendance._history_user = coordinator
            attendance.save()
            attendance.sign(typed_name=display_name(user), confirmed=True)
    return meeting

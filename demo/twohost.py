"""What `manage.py twohost` starts and checks: the deployment with more than
one host (README, "Production deployment"), on one machine.

Two web hosts, A and B (gunicorn with production settings), and one packet
worker, each in a folder of its own that nothing else reads (its working
folder, MEDIA_ROOT, STATIC_ROOT, TMPDIR, OFR_PACKET_WORK_DIR), share only
PostgreSQL and an S3-compatible bucket (moto's server on loopback). The
checks go through HTTP as a browser would, and read the bucket and the
folders themselves: a session made on A works on B; a document uploaded
through A comes back through B, from the bucket; a packet asked for on B is
laid out by the worker and downloaded from A; concurrent reads on both hosts
make one access-log chain with one view event per case page served; /healthz
answers on both; check_storage finds nothing; no MEDIA_ROOT ever holds a file.

demo/loadstack.py's Processes starts and stops the servers; demo/loadclient.py
is the client.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import boto3
from django.conf import settings

from demo.loadclient import Result, Session, SignInFailed, form_fields, hammer
from demo.loadstack import (
    BUILD,
    Processes,
    Server,
    StackFailed,
    new_keys,
    port_from_log,
    production_environment,
)
from demo.loadtest import LOGIN
from demo.soak import PACKET_CODE, wait_for_packets

HOSTS = ("A", "B")
PLACES = ("host-a", "host-b", "worker")  # one folder each, shared with nothing
BUCKET = "ofr-twohost"
REGION = "us-east-1"
# moto accepts any keys; these keep the machine's own AWS settings out.
S3_KEYS = {"AWS_ACCESS_KEY_ID": "twohost", "AWS_SECRET_ACCESS_KEY": "twohost"}
MOTO_LISTENING = r"Running on http://127\.0\.0\.1:(\d+)"
READERS = ("coordinator", "reviewer")  # signed in on A and on B, read on both
AGENT = "ofr-twohost host {}"  # the User-Agent of host A's or B's readers
PACKET_WAIT = 300  # seconds, at most, for the worker to lay the packet out
RECORDED_SHA256 = re.compile(r'<code class="ofr-hash">([0-9a-f]{64})</code>')


def place_of(host: str) -> str:
    return f"host-{host.lower()}"


class TwoHosts(Processes):
    """The S3 server with its bucket, the demo in PostgreSQL, hosts A and B
    and the packet worker; entering gives {"A": Server, "B": Server}."""

    def __init__(self, *, database_url: str, workers: int = 2, say=print) -> None:
        super().__init__(name="twohost", workers=workers, say=say)
        self.database_url = database_url
        # A throwaway database: keys for this run only.
        self.keys = new_keys()
        self.root: Path | None = None
        self.endpoint = ""
        self.hosts: dict[str, Server] = {}
        self.timings: list[tuple[str, float]] = []

    # --- Environment ----------------------------------------------------------

    def folder(self, place: str) -> Path:
        return self.root / place

    def environment(self, place: str = "host-a") -> dict[str, str]:
        folder = self.folder(place)
        env = {
            k: v for k, v in production_environment(self.keys).items() if not k.startswith("AWS_")
        }
        env.update(
            S3_KEYS,
            DATABASE_URL=self.database_url,
            OFR_STORAGE="s3",
            AWS_STORAGE_BUCKET_NAME=BUCKET,
            AWS_S3_ENDPOINT_URL=self.endpoint,
            AWS_S3_REGION_NAME=REGION,
            AWS_S3_ADDRESSING_STYLE="path",
            MEDIA_ROOT=str(folder / "media"),
            STATIC_ROOT=str(folder / "static"),
            TMPDIR=str(folder / "tmp"),
            OFR_PACKET_WORK_DIR=str(folder / "packets"),
            # The working folder is the host's own: the code is imported from here.
            PYTHONPATH=str(settings.BASE_DIR),
        )
        return env

    def manage(self, place: str, *args: str, capture: bool = False, check: bool = True):
        return self.run_manage(
            args,
            env=self.environment(place),
            cwd=self.folder(place),
            capture=capture,
            check=check,
        )

    def bucket(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    # --- Starting -------------------------------------------------------------

    @contextmanager
    def timed(self, step: str):
        started = time.monotonic()
        yield
        self.timings.append((step, time.monotonic() - started))

    def start(self) -> dict[str, Server]:
        BUILD.mkdir(exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="ofr-twohost-"))
        self.temporary.append(self.root)
        for place in PLACES:
            for sub in ("media", "static", "tmp"):
                (self.folder(place) / sub).mkdir(parents=True)
        with self.timed("S3 server and bucket"):
            command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"]
            log = self.spawn("s3", command, env=production_environment({}), cwd=self.root)
            port = port_from_log(log, MOTO_LISTENING, self.processes[-1], what="The S3 server")
            self.endpoint = f"http://127.0.0.1:{port}"
            self.bucket().create_bucket(Bucket=BUCKET)
        with self.timed("migrate and load the demo (from host A)"):
            self.manage("host-a", "migrate", "--no-input", "--verbosity", "0")
            # Production settings: the demo's published password needs --force.
            self.manage("host-a", "demo", "--force", capture=True)
        for host in HOSTS:
            with self.timed(f"collectstatic on host {host}"):
                self.manage(place_of(host), "collectstatic", "--no-input", "--verbosity", "0")
        with self.timed("start hosts A and B and the worker, until /healthz answers 200"):
            for host in HOSTS:
                place = place_of(host)
                port = self.start_gunicorn(
                    name=f"gunicorn-{host.lower()}",
                    env=self.environment(place),
                    cwd=self.folder(place),
                )
                self.hosts[host] = Server("127.0.0.1", port, {"host": host})
            worker = [*self.manage_command(), "db_worker", "--no-reload"]
            env = self.environment("worker")
            self.spawn("db_worker", worker, env=env, cwd=self.folder("worker"))
            for server in self.hosts.values():
                self.wait_until_healthy(server)
        return self.hosts

    # --- What the checks read besides HTTP -------------------------------------

    def bucket_digests(self) -> dict[str, str]:
        """Each object's name in the bucket and the SHA-256 of its bytes."""
        client = self.bucket()
        digests = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for item in page.get("Contents", []):
                body = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
                digests[item["Key"]] = hashlib.sha256(body).hexdigest()
        return digests

    def files_on_disk(self) -> dict[str, int]:
        """How many files each host's and the worker's MEDIA_ROOT holds."""
        return {
            place: sum(1 for p in (self.folder(place) / "media").rglob("*") if p.is_file())
            for place in PLACES
        }

    def read_state(self, since: int = 0) -> dict:
        done = self.manage("host-a", "twohost", "--read-state", "--since", str(since), capture=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def server_errors(self) -> int:
        return sum(self.server_errors_logged(f"gunicorn-{h.lower()}") for h in HOSTS)


# --- Inside the database (manage.py twohost --read-state) ----------------------------


def read_state(*, since: int) -> dict:
    """The demo's codes the checks need, the access log's head, and the view
    events after `since` by User-Agent."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max

    from cases.access import cases_for_user
    from meetings.models import Meeting
    from ofr.models import AccessEvent

    users = get_user_model().objects.in_bulk(
        ["coordinator", "reviewer", "facilitator"], field_name="username"
    )
    if len(users) < 3:
        raise StackFailed("This database holds no demo: nothing was read.")
    both = cases_for_user(users["reviewer"]).filter(pk__in=cases_for_user(users["coordinator"]))
    meeting = Meeting.objects.filter(
        status=Meeting.Status.PLANNED,
        attendances__user=users["facilitator"],
        attendances__signature__isnull=False,
    ).first()
    if meeting is None or not both.exists():
        raise StackFailed("The demo has no planned meeting the facilitator signed for.")
    views = (
        AccessEvent.objects.filter(seq__gt=since, action=AccessEvent.Action.VIEW)
        .values("user_agent")
        .annotate(n=Count("pk"))
    )
    return {
        "cases": [str(code) for code in both.order_by("reference").values_list("code", flat=True)],
        "meeting": str(meeting.code),
        "head": AccessEvent.objects.aggregate(head=Max("seq"))["head"] or 0,
        "views": {row["user_agent"]: row["n"] for row in views},
    }


# --- The checks -----------------------------------------------------------------------


@dataclass
class Check:
    name: str
    passed: bool
    detail: str
    seconds: float = 0.0

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"{verdict}  {self.name}: {self.detail} ({self.seconds:.1f} s)"


def run_checks(stack: TwoHosts, password: str, *, seconds: float, say=print) -> list[Check]:
    state = stack.read_state()
    context = Context(stack, password, state, seconds)
    checks = [
        ("a. a session made on A works on B", check_session),
        ("b. a document uploaded through A, downloaded through B", check_document),
        ("c. a packet asked for on B, laid out by the worker, downloaded from A", check_packet),
        ("d. concurrent reads on both hosts, one access-log chain", check_reads),
        ("e. /healthz on both hosts", check_health),
        ("f. check_storage", check_storage),
        ("no file in any MEDIA_ROOT, no server error logged", check_disks),
    ]
    done = []
    for name, function in checks:
        say(f"Checking {name}...")
        done.append(run_check(name, lambda f=function: f(context)))
    return done


# No answer, a page without what it should hold, a failed child command.
CHECK_ERRORS = (
    OSError,
    http.client.HTTPException,
    SignInFailed,
    StackFailed,
    LookupError,
    ValueError,
)


def run_check(name: str, function: Callable[[], tuple[bool, str]]) -> Check:
    """Run one check; one that raises fails with what it raised (the others
    still run)."""
    started = time.monotonic()
    try:
        passed, detail = function()
    except CHECK_ERRORS as error:
        passed, detail = False, f"{type(error).__name__}: {error}"
    return Check(name, passed, detail, time.monotonic() - started)


@dataclass
class Context:
    stack: TwoHosts
    password: str
    state: dict
    seconds: float
    sessions: dict = field(default_factory=dict)  # username -> first signed-in session

    def signed_in(self, host: str, username: str) -> Session:
        """A browser signed in as the user on the host: the user's first
        sign-in, or a copy of its cookies (a code is good once)."""
        first = self.sessions.get(username)
        if first is None:
            first = self.sessions[username] = self.stack.hosts[host].session()
            first.sign_in(LOGIN, username, self.password)
        return self.on(host, first)

    def on(self, host: str, session: Session, **kwargs) -> Session:
        """The same browser (its cookies) talking to another host."""
        return session.copy(port=self.stack.hosts[host].port, **kwargs)


def check_session(c: Context) -> tuple[bool, str]:
    on_a = c.signed_in("A", "coordinator")
    on_b = c.on("B", on_a).get("/cases/").status
    anonymous = c.stack.hosts["B"].session().get("/cases/").status
    detail = f"case list on B with A's session cookie: {on_b} (without it: {anonymous})"
    return on_b == 200 and anonymous == 302, detail


def small_pdf(text: str) -> bytes:
    """A one-line PDF (the upload checks its first bytes, not its layout)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
        b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R>> endobj\n"
        + f"4 0 obj <</Length {len(stream)}>> stream\n".encode()
        + stream
        + b"\nendstream endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
    )


def check_document(c: Context) -> tuple[bool, str]:
    case = c.state["cases"][0]
    on_a = c.signed_in("A", "coordinator")
    path = f"/cases/{case}/documents/new/"
    fields = form_fields(on_a.get(path).text, path)
    title = f"Two-host check {uuid.uuid4().hex[:8]}"
    content = small_pdf(title)
    sent = hashlib.sha256(content).hexdigest()
    # The server's day may be behind the client's (time zones): yesterday is never future.
    received = date.today() - timedelta(days=1)
    fields.update(title=[title], document_type=["hospital_ed"], received_on=[str(received)])
    fields["sensitivity"] = [""]
    files = {"file": ("two-host.pdf", "application/pdf", content)}
    uploaded = on_a.post(path, fields, files)
    if uploaded.status != 302:
        return False, f"the upload through A answered {uploaded.status}, not 302"
    on_b = c.on("B", on_a)
    page = on_b.get(f"/cases/{case}/").text
    link = re.search(
        rf'href="([^"]+/download/)">[^<]*<span class="usa-sr-only">: {re.escape(title)}</span>',
        page,
    )
    if link is None:
        return False, "B's case page does not link the document uploaded through A"
    download = on_b.get(link.group(1))
    got = hashlib.sha256(download.body).hexdigest()
    in_bucket = [k for k, d in c.stack.bucket_digests().items() if d == sent]
    on_disk = c.stack.files_on_disk()
    passed = (
        download.status == 200
        and got == sent
        and bool(in_bucket)
        and not any(k.startswith("tmp/") for k in in_bucket)
        and not any(on_disk.values())
    )
    return passed, (
        f"{len(content)} bytes, sha256 {sent[:12]}…; B answered {download.status} with sha256 "
        f"{got[:12]}…; in the bucket as {', '.join(in_bucket) or 'nothing'}; "
        f"files in MEDIA_ROOT {on_disk}"
    )


def check_packet(c: Context) -> tuple[bool, str]:
    meeting = c.state["meeting"]
    on_b = c.signed_in("B", "facilitator")
    path = f"/meetings/{meeting}/packets/new/"
    fields = form_fields(on_b.get(path).text, path)
    fields["recipient"] = ["facilitator"]
    asked = on_b.post(path, fields)
    found = PACKET_CODE.search(asked.location)
    if asked.status != 302 or found is None:
        return False, f"asking for the packet on B answered {asked.status}"
    copy = found.group(1)
    started = time.monotonic()
    status = wait_for_packets(on_b, {copy}, meeting, seconds=PACKET_WAIT).get(copy)
    waited = time.monotonic() - started
    if status != "ready":
        return False, f"the copy is {status} after {waited:.0f} s"
    on_a = c.on("A", on_b)
    recorded = RECORDED_SHA256.search(on_a.get(f"/meetings/{meeting}/packets/{copy}/").text)
    pdf = on_a.get(f"/meetings/{meeting}/packets/{copy}/download/")
    got = hashlib.sha256(pdf.body).hexdigest()
    in_bucket = [k for k, d in c.stack.bucket_digests().items() if d == got]
    # Only a process that lays a packet out makes its work folder.
    laid_out = [p for p in PLACES if (c.stack.folder(p) / "packets").is_dir()]
    passed = (
        laid_out == ["worker"]
        and pdf.status == 200
        and pdf.body.startswith(b"%PDF")
        and recorded is not None
        and got == recorded.group(1)
        and bool(in_bucket)
    )
    return passed, (
        f"ready after {waited:.1f} s; A answered {pdf.status}, {len(pdf.body):,} bytes "
        f"starting {pdf.body[:5]!r}, sha256 {got[:12]}… "
        f"{'=' if recorded and got == recorded.group(1) else '!='} the copy's recorded "
        f"{recorded.group(1)[:12] if recorded else 'none'}…; in the bucket as "
        f"{', '.join(in_bucket) or 'nothing'}; packet work folder made by: {laid_out}"
    )


def check_reads(c: Context) -> tuple[bool, str]:
    """4 readers per host (coordinator and review member, each on a case page
    and on the case list), then the view events the hosts logged, counted by
    each host's User-Agent, against the case pages they served."""
    before = c.stack.read_state()["head"]
    users = {name: c.signed_in(host, name) for host, name in zip(HOSTS, READERS, strict=True)}
    cases = c.state["cases"]
    jobs = []
    for host in HOSTS:
        for index, (user, session) in enumerate(users.items()):
            reader = c.on(host, session, headers={"User-Agent": AGENT.format(host)})
            case = cases[(index + HOSTS.index(host)) % len(cases)]
            jobs.append((host, "case", user, reader, f"/cases/{case}/"))
            jobs.append((host, "list", user, reader.copy(), "/cases/"))
    results: dict[int, Result] = {}

    def run(index: int, job) -> None:
        host, kind, user, session, path = job
        results[index] = hammer(f"{host} {kind} {user}", [session], path, seconds=c.seconds)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    served = {host: 0 for host in HOSTS}
    requests = errors = 0
    for index, (host, kind, _user, _session, _path) in enumerate(jobs):
        result = results[index]
        requests += result.requests
        errors += result.errors
        if kind == "case":
            served[host] += result.statuses[200]
    audit = c.stack.manage("host-b", "verify_audit", capture=True, check=False)
    views = c.stack.read_state(since=before)["views"]
    logged = {host: views.pop(AGENT.format(host), 0) for host in HOSTS}
    passed = (
        audit.returncode == 0
        and errors == 0
        and all(served.values())
        and logged == served
        and not views
    )
    lines = audit.stdout.strip().splitlines()
    return passed, (
        f"{requests} requests in {c.seconds:g} s, {errors} errors; case pages served A "
        f"{served['A']}, B {served['B']}; view events logged A {logged['A']}, B {logged['B']}"
        f"{f', other {views}' if views else ''}; verify_audit: {lines[-1] if lines else '-'}"
    )


def check_health(c: Context) -> tuple[bool, str]:
    statuses = {host: c.stack.hosts[host].session().get("/healthz").status for host in HOSTS}
    detail = ", ".join(f"{host} {status}" for host, status in statuses.items())
    return all(s == 200 for s in statuses.values()), detail


def check_storage(c: Context) -> tuple[bool, str]:
    done = c.stack.manage(
        "host-a", "check_storage", "--older-than-minutes", "0", capture=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    return done.returncode == 0, f"exit status {done.returncode}; {lines[-1] if lines else '-'}"


def check_disks(c: Context) -> tuple[bool, str]:
    on_disk = c.stack.files_on_disk()
    errors = c.stack.server_errors()
    return not any(on_disk.values()) and not errors, (
        f"files in MEDIA_ROOT {on_disk}; server errors logged: {errors}"
    )

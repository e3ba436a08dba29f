"""What `manage.py soak` does over the stack of demo/loadstack.py: clients
that read (case list, case pages, history) and write (versioned edits, notes,
document uploads, packet requests) at once for minutes, and the checks that
nothing was lost.

Edits go through the decedent section's form, which carries the version it
was opened at (ofr/concurrency.py). Each coordinator client edits its own
case, and sometimes one case all of them share, so conflicts happen. Every
edit is recorded (case, opened version, value written, answer, when), and at
the end the database is read (`manage.py soak --read-state`, in a child
pointed at the dataset) to check that no saved edit was lost and that every
409 answered a real save by another client from the same version.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from demo.loadclient import Response, Result, Session, form_fields, path_of
from demo.loadtest import LOGIN

SHARED_SHARE = 0.25  # of a coordinator's edits, on the shared case
THINK_SECONDS = 0.3  # at most, between opening a form and saving it
# Actions and their weights; a reviewer (review member) reads and adds notes.
COORDINATOR_MIX = {
    "list": 15,
    "case": 30,
    "history": 8,
    "edit": 25,
    "note": 10,
    "upload": 7,
    "packet": 5,
}
REVIEWER_MIX = {"list": 25, "case": 45, "history": 10, "note": 15, "packet": 5}
NOTE_CODE = re.compile(r"#note-([0-9a-f-]{36})")
PACKET_CODE = re.compile(r"/packets/([0-9a-f-]{36})/")


@dataclass
class Edit:
    case: str
    client: int
    opened: int
    value: str
    status: int  # 0: no answer
    started: float
    finished: float


@dataclass
class Write:
    """A note, an upload or a packet copy the server said it made."""

    kind: str
    case: str
    key: str  # the note's or copy's code, the document's title
    content: str  # the note's text, the file's SHA-256


@dataclass
class Record:
    """Everything the clients did, shared between their threads."""

    kinds: dict[str, Result] = field(default_factory=dict)
    unexpected: Counter = field(default_factory=Counter)  # (kind, status)
    samples: dict = field(default_factory=dict)  # (kind, status): the first such page
    edits: list[Edit] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, kind: str, response: Response, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.kinds.setdefault(kind, Result(kind)).add(response)
            if response.status not in expected:
                self.unexpected[(kind, response.status)] += 1
                self.samples.setdefault((kind, response.status), response.body)

    def failed(self, kind: str, error: Exception) -> None:
        with self.lock:
            self.kinds.setdefault(kind, Result(kind)).failures[type(error).__name__] += 1

    def add(self, item: Edit | Write) -> None:
        with self.lock:
            (self.edits if isinstance(item, Edit) else self.writes).append(item)


class Client:
    """One person at work: a coordinator or a review member, in one thread."""

    def __init__(self, index: int, session: Session, *, reviewer: bool, plan: dict, record):
        self.index, self.session, self.reviewer = index, session, reviewer
        self.plan, self.record = plan, record
        self.own = plan["own"][index]
        self.rng = random.Random(index)  # noqa: S311  (a load mix, reproducible)
        self.mix = REVIEWER_MIX if reviewer else COORDINATOR_MIX
        self.sequence = 0

    def run(self, deadline: float, packet_gate: PacketGate) -> None:
        while time.monotonic() < deadline:
            action = self.rng.choices(list(self.mix), list(self.mix.values()))[0]
            if action == "packet" and not packet_gate.take():
                action = "case"
            self.sequence += 1
            try:
                getattr(self, action)()
            except FormMissing:
                pass  # counted as an unexpected answer of the form's page
            except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
                # No answer, or a page without the form it should have: counted, and fails.
                self.record.failed(action, error)

    # --- Requests ---------------------------------------------------------------------

    def get(self, kind: str, path: str) -> Response:
        response = self.session.get(path)
        self.record.answered(kind, response, (200,))
        return response

    def form(self, kind: str, path: str) -> dict:
        page = self.get(f"{kind} form", path)
        if page.status != 200:
            raise FormMissing(path)
        return form_fields(page.text, path)

    def post(self, kind, path, fields, files=None, expected=(302,)) -> Response:
        response = self.session.post(path, fields, files)
        self.record.answered(kind, response, expected)
        return response

    # --- Actions ----------------------------------------------------------------------

    def list(self) -> None:
        page = self.rng.choice([1, 1, 1, 2, 3, 5])
        self.get("list", "/cases/" if page == 1 else f"/cases/?page={page}")

    def case(self) -> None:
        code = self.own if self.rng.random() < 0.3 else self.rng.choice(self.plan["read"])
        self.get("case", f"/cases/{code}/")

    def history(self) -> None:
        code = self.own if self.rng.random() < 0.5 else self.plan["shared"]
        self.get("history", f"/cases/{code}/history/")

    def edit(self) -> None:
        code = self.plan["shared"] if self.rng.random() < SHARED_SHARE else self.own
        path = f"/cases/{code}/decedent/"
        fields = self.form("edit", path)
        value = f"soak {self.index}-{self.sequence}"
        fields["occupation"] = [value]
        # Time for another client to save the same record in between.
        time.sleep(self.rng.uniform(0, THINK_SECONDS))
        opened, status = int(fields["opened_version"][0]), 0
        started = time.monotonic()
        try:
            status = self.post("edit", path, fields, expected=(302, 409)).status
        finally:
            # Also an edit without an answer: it may have been saved.
            self.record.add(
                Edit(code, self.index, opened, value, status, started, time.monotonic())
            )

    def note(self) -> None:
        code = self.own if self.rng.random() < 0.7 else self.rng.choice(self.plan["read"])
        path = f"/cases/{code}/notes/new/"
        fields = self.form("note", path)
        text = f"Soak note {self.index}-{self.sequence}"
        fields["text"] = [text]
        response = self.post("note", path, fields)
        found = NOTE_CODE.search(response.location)
        if response.status == 302 and found:
            self.record.add(Write("note", code, found.group(1), text))

    def upload(self) -> None:
        path = f"/cases/{self.own}/documents/new/"
        fields = self.form("upload", path)
        title = f"Soak document {self.index}-{self.sequence}"
        content = f"Soak upload {self.index}-{self.sequence}: synthetic text.\n".encode()
        # The server's day may be behind the client's (time zones): yesterday is never future.
        received = date.today() - timedelta(days=1)
        fields.update(title=[title], document_type=["hospital_ed"], received_on=[str(received)])
        fields["sensitivity"] = [""]
        files = {"file": (f"soak-{self.index}-{self.sequence}.txt", "text/plain", content)}
        response = self.post("upload", path, fields, files)
        if response.status == 302:
            sha256 = hashlib.sha256(content).hexdigest()
            self.record.add(Write("upload", self.own, title, sha256))

    def packet(self) -> None:
        path = f"/meetings/{self.plan['meeting']}/packets/new/"
        fields = self.form("packet", path)
        if "recipient" in fields:
            fields["recipient"] = [self.plan["usernames"][self.reviewer]]
        response = self.post("packet", path, fields)
        found = PACKET_CODE.search(response.location)
        if response.status == 302 and found:
            self.record.add(Write("packet", self.plan["meeting"], found.group(1), ""))
            self.get("packet status", path_of(response.location))


class FormMissing(Exception):
    """A form page did not answer 200 (already counted as unexpected)."""


class PacketGate:
    """At most one packet request every `every` seconds across the clients:
    the one packet worker lays out a copy in seconds."""

    def __init__(self, every: float) -> None:
        self.every, self.next = every, 0.0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now < self.next:
                return False
            self.next = now + self.every
            return True


def sign_in_clients(server, *, clients: int, password: str) -> list[Client]:
    """Every fourth client a review member, the others coordinators."""
    plan = dict(server.info["soak"])
    plan["usernames"] = {False: server.info["coordinator"], True: server.info["reviewer"]}
    record = Record()
    signed_in = []
    # One sign-in per user, its session shared by that user's clients: a
    # person's code is good once, so sixteen sign-ins would wait minutes.
    sessions = {}
    for index in range(clients):
        reviewer = index % 4 == 3
        if reviewer not in sessions:
            sessions[reviewer] = server.session()
            sessions[reviewer].sign_in(LOGIN, plan["usernames"][reviewer], password)
        session = sessions[reviewer].copy()
        signed_in.append(Client(index, session, reviewer=reviewer, plan=plan, record=record))
    return signed_in


def run(clients: list[Client], *, seconds: float, packet_every: float) -> float:
    """Run every client for `seconds`; returns the wall time taken."""
    gate = PacketGate(packet_every)
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=c.run, args=(deadline, gate), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def packet_codes(record: Record) -> set[str]:
    return {w.key for w in record.writes if w.kind == "packet"}


def wait_for_packets(session: Session, codes: set[str], meeting: str, *, seconds: float) -> dict:
    """Each copy's final status (or its last one, after `seconds`), from the
    progress page the browser polls."""
    pending = set(codes)
    statuses: dict[str, str] = {}
    deadline = time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        for code in sorted(pending):
            response = session.get(f"/meetings/{meeting}/packets/{code}/progress/")
            status = response.status if response.status != 200 else _json_status(response)
            statuses[code] = str(status)
            if status in ("ready", "failed"):
                pending.discard(code)
        if pending:
            time.sleep(1)
    return statuses


def _json_status(response: Response) -> str:
    return json.loads(response.body)["status"]


# --- The checks --------------------------------------------------------------------------


def edit_problems(edits: list[Edit], state: dict) -> tuple[list[str], int]:
    """Lost updates and unexplained conflicts, and how many 409s were real.

    `state[case]` is the decedent section as stored: its "version", its
    "occupation" and its "history" ({version: occupation}). A save from
    version v makes version v + 1, so: no two saves from one version; every
    save's value is in the history at its version; the current value is the
    last save's; and a 409 from version v needs another client's save from v,
    sent before the 409 came back."""
    problems: list[str] = []
    real = 0
    by_case: dict[str, list[Edit]] = defaultdict(list)
    for edit in edits:
        by_case[edit.case].append(edit)
    for case, case_edits in sorted(by_case.items()):
        stored = state[case]
        history = {int(v): value for v, value in stored["history"].items()}
        saved = [e for e in case_edits if e.status == 302]
        for version, count in Counter(e.opened for e in saved).items():
            if count > 1:
                problems.append(f"{case}: {count} saves from version {version} (lost update)")
        for edit in saved:
            if history.get(edit.opened + 1) != edit.value:
                problems.append(
                    f"{case}: saved {edit.value!r} as version {edit.opened + 1}, history has "
                    f"{history.get(edit.opened + 1)!r}"
                )
        if saved:
            last = max(saved, key=lambda e: e.opened)
            if (stored["version"], stored["occupation"]) != (last.opened + 1, last.value):
                problems.append(
                    f"{case}: stored version {stored['version']} {stored['occupation']!r}, "
                    f"last save made version {last.opened + 1} {last.value!r} (lost update)"
                )
        for conflict in (e for e in case_edits if e.status == 409):
            if any(
                e.opened == conflict.opened
                and e.client != conflict.client
                and e.started < conflict.finished
                for e in saved
            ):
                real += 1
            else:
                problems.append(
                    f"{case}: 409 for client {conflict.client} from version {conflict.opened} "
                    "with no other client's save from that version"
                )
    return problems, real


def write_problems(writes: list[Write], state: dict) -> list[str]:
    """Notes, documents and packet copies that answered success but are not
    (or not as sent) in the database."""
    problems = []
    for write in writes:
        stored = state[write.kind + "s"].get(write.key)
        if write.kind == "note" and stored != write.content:
            problems.append(f"note {write.key} on {write.case}: stored {stored!r}")
        if write.kind == "upload" and stored != {"sha256": write.content, "file": True}:
            problems.append(f"document {write.key!r} on {write.case}: stored {stored!r}")
        if write.kind == "packet" and (stored or {}).get("status") != "ready":
            problems.append(f"packet copy {write.key}: {stored or 'missing'}")
    return problems


def wanted_state(record: Record) -> dict:
    """What --read-state must look up."""
    return {
        "cases": sorted({e.case for e in record.edits}),
        **{
            kind + "s": sorted(w.key for w in record.writes if w.kind == kind)
            for kind in ("note", "upload", "packet")
        },
    }


def read_state(wanted: dict) -> dict:
    """In the child pointed at the dataset: the records `wanted` names."""
    from cases.models import Decedent, Note, SourceDocument
    from meetings.models import PacketCopy
    from ofr.files import private_storage

    state: dict = {"cases": {}, "notes": {}, "uploads": {}, "packets": {}}
    for decedent in Decedent.objects.filter(case__code__in=wanted["cases"]).select_related("case"):
        rows = decedent.history.order_by("history_id").values_list("version", "occupation")
        state["cases"][str(decedent.case.code)] = {
            "version": decedent.version,
            "occupation": decedent.occupation,
            "history": {str(version): occupation for version, occupation in rows},
        }
    for note in Note.objects.filter(code__in=wanted["notes"]):
        state["notes"][str(note.code)] = note.text
    for document in SourceDocument.objects.filter(title__in=wanted["uploads"]):
        state["uploads"][document.title] = {
            "sha256": document.sha256,
            "file": private_storage.exists(document.file.name)
            and _sha256(document.file.name) == document.sha256,
        }
    for copy in PacketCopy.objects.filter(code__in=wanted["packets"]):
        state["packets"][str(copy.code)] = {"status": copy.status, "error": copy.error}
    return state


def _sha256(name: str) -> str:
    from ofr.files import private_storage

    digest = hashlib.sha256()
    with private_storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(65536), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- The report ---------------------------------------------------------------------------


def format_figures(record: Record, seconds: float) -> str:
    total = sum(len(r.latencies) for r in record.kinds.values())
    lines = [
        f"{'requests':<14} {'answered':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'5xx':>4} {'no answer':>9}  statuses",
    ]
    for kind, r in sorted(record.kinds.items()):
        lines.append(
            f"{kind:<14} {len(r.latencies):>8} {len(r.latencies) / seconds:>7.1f} "
            f"{r.percentile_ms(0.5):>7.1f} {r.percentile_ms(0.95):>7.1f} "
            f"{r.server_errors:>4} {sum(r.failures.values()):>9}  "
            f"{dict(sorted(r.statuses.items()))}"
        )
    lines.append(f"{'all':<14} {total:>8} {total / seconds:>7.1f}")
    return "\n".join(lines)

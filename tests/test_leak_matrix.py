"""The leak matrix: confidential content reaches only the people allowed, through every channel.

Canaries (tests/leaks.py) sit in every text field of two Riverside case files:
plain case content, decedent identifiers, 42 CFR Part 2 material (a program's
name, its touchpoints, a note, a finding, a request, a document, an item from
the program saved without a category), mental-health and investigative
touchpoints, next-of-kin interview material, the investigative material of a
case deferred for an investigation, and items re-filed as Part 2 after they
were saved unrestricted. An explicit oracle (tests/leaks.py MAY_SEE and
Canary.allowed) says which role may see which class, and where case content
may appear at all; it asks nothing of the application's policy code.

Every named URL pattern has entries here saying how to fill it with the
fixture's ids (several per pattern: the Part 2 item, the next-of-kin items, the
deferred case's items, the re-filed items, the plain ones); a new pattern
without an entry fails. Each of the 14 roles GETs every entry (no redirects
followed, whatever the status) and every canary in the body (PDFs as text,
downloads as bytes) and in the headers is checked against the oracle. Beside
the pages: every recipient's packet HTML (two laid out as real PDFs, read back
with pdftotext, and downloaded), a real record-request letter and annual-report
PDF, the overdue-reminder e-mails, every log record, the access log's details,
a name search, and the admin (index, each registered model's list, each
object's change and history pages). Positive controls make the test able to
fail the other way: each role finds what it may see.

Size: 14 roles × 197 URL entries = 2,758 requests, each read through 2
channels (the body: page, PDF text or download bytes; and the headers), so
5,516 reads, each searched for all 50 canaries and judged by the oracle. Beside
them: 6 packets' HTML and 2 laid-out packet PDFs, a real letter and a real
annual-report PDF, the name search, 2 e-mails, about 1,400 log records, about
1,000 access events and about 260 admin pages. About 25 s on SQLite (the two
packet layouts run side by side in their child processes; letters and reports
in the crawl come back as the HTML WeasyPrint would lay out).
"""

import io
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter

from cases.exchange.fields import LEVELS
from meetings import packet_jobs
from meetings.packet_jobs import PacketFailed, render_packet_copy, start_packet
from ofr.models import AccessEvent
from tests.base import OFRTestCase
from tests.leaks import (
    CANARIES,
    MAY_SEE,
    PACKET_PART2,
    PART2_NOTICE,
    ROLES,
    LeakCast,
    LogCapture,
    T,
    html_instead_of_pdf,
    leaks_in,
    part2_shown,
    pdf_text,
)

# --- Every URL pattern, filled with the fixture's ids -----------------------------------
# Each entry maps the pattern's kwargs to fixture attributes (uuid converters take
# the object's code, int converters its pk; ints are literal; "=value" is a literal
# value); "?name" adds a query
# parameter. The entry's label is "<url name>[<values>]".

ON_CASE = [{"code": "case"}]
ON_CASES = [*ON_CASE, {"code": "deferred_case"}]
ON_MEETING = [{"code": "meeting"}]
ON_MEETINGS = [*ON_MEETING, {"code": "closed_meeting"}]
AGENDA_ITEMS = [
    {"code": "meeting", "item": "agenda_item"},
    {"code": "closed_meeting", "item": "deferred_agenda_item"},
]
COPIES = [
    {"code": "meeting", "copy": "officer_copy"},
    {"code": "meeting", "copy": "coordinator_copy"},
]
RECOMMENDATION = [{"code": "recommendation"}]
REPORT = [{"team": "team", "year": 2025}]


def items(*names: str, case: str = "case") -> list[dict]:
    return [{"code": case, "item": name} for name in names]


EVENTS = [
    *items("event", "part2_event", "part2_program_event", "mh_event", "le_event"),
    *items("deferred_le_event", case="deferred_case"),
]
NOTES = items("note", "part2_note", "nok_note", "refiled_note")
FINDINGS = items("finding", "part2_finding")
REQUESTS = items("record_request", "part2_request")
DOCUMENTS = [
    *items("document", "part2_document", "nok_document", "refiled_document"),
    *items("deferred_le_document", case="deferred_case"),
]

ENTRIES: dict[str, list[dict]] = {
    "home": [{}],
    "healthz": [{}],
    "set_language": [{}],
    "login": [{}],
    "logout": [{}],
    "admin_login": [{}],
    "second_factor_enrol": [{}],
    "second_factor_verify": [{}],
    "second_factor_renew_codes": [{}],
    "second_factor_reset": [{"user_id": "reviewer"}],
    "account": [{}],
    "sign_out_everywhere": [{}],
    "password_change": [{}],
    "password_reset": [{}],
    "password_reset_done": [{}],
    "password_reset_confirm": [{"uidb64": "=MQ", "token": "=not-a-token"}],
    "password_reset_complete": [{}],
    "cases:list": [{}],
    "cases:new": [{}],
    "cases:overdue_requests": [{}],
    "cases:sudors_export": [{"team": "team"}],
    "cases:completeness_report": [{"team": "team"}],
    "cases:open_queries": [{"team": "team"}],
    # Pages that may show the deferred case's investigative material are asked
    # for both cases; section forms, which hold none of it, for the main case.
    **{
        f"cases:{name}": ON_CASES
        for name in (
            "detail",
            "edit",
            "status",
            "history",
            "add_finding",
            "add_request",
            "add_document",
        )
    },
    **{
        f"cases:{name}": ON_CASE
        for name in (
            "access_log",
            "edit_decedent",
            "edit_identifiers",
            "edit_death",
            "edit_circumstances",
            "add_toxicology",
            "add_event",
        )
    },
    "cases:add_note": [
        *ON_CASES,
        {"code": "case", "?event": "part2_event"},
        {"code": "case", "?event": "part2_program_event"},
        {"code": "deferred_case", "?event": "deferred_le_event"},
    ],
    "cases:edit_toxicology": items("toxicology"),
    "cases:delete_toxicology": items("toxicology"),
    "cases:edit_event": EVENTS,
    "cases:edit_note": NOTES,
    "cases:edit_finding": FINDINGS,
    "cases:confirm_finding": FINDINGS,
    "cases:edit_request": REQUESTS,
    "cases:request_letter": REQUESTS,
    "cases:edit_document": DOCUMENTS,
    # A Part 2 document's download first shows the 42 CFR 2.32 notice; the
    # file comes with ?notice=read.
    "cases:download_document": [
        *[{**spec, "?notice": "=read"} for spec in DOCUMENTS],
        {"code": "case", "item": "part2_document"},
    ],
    "cases:ask_deferral": ON_CASES,
    # The reviewer's next-of-kin interview, every page of it.
    **{
        f"cases:{name}": items("nok_interview")
        for name in (
            "nok_interview",
            "nok_consent_download",
            "nok_attempt",
            "nok_consent",
            "nok_record",
            "nok_debrief",
            "nok_touchpoint",
            "nok_do_not_contact",
        )
    },
    "cases:nok_letter": [
        {"code": "case", "item": "nok_interview", "lang": f"={lang}"} for lang in ("en", "es")
    ],
    "cases:nok_consent_form": [{"code": "case", "item": "nok_interview", "lang": "=es"}],
    "cases:nok_assign": ON_CASE,
    "cases:nok_mine": [{}],
    # Exports carry every case of the team the person may see, at both levels.
    **{
        f"cases:redcap_{name}": [{"team": "team", "?level": f"={level}"} for level in LEVELS]
        for name in ("export", "dictionary", "repeating", "records", "codebook", "codebook_pdf")
    },
    "cases:import_start": [{}],
    "cases:import_template": [{}, {"?format": "=xlsx"}],
    "cases:import_mappings": [{}],
    # The coordinator's upload naming the leak case by its ME number.
    "cases:import_review": [{"code": "pending_import"}],
    "cases:import_errors": [{"code": "pending_import"}],
    "cases:decline_deferral": [{"code": "case", "item": "deferral_request"}],
    # The team's data-sharing agreements: the signed file is the team's.
    "cases:agreements": [{}, {"?renew": "=1"}],
    "cases:agreement_new": [{}],
    "cases:agreement_edit": [{"code": "agreement"}],
    "cases:download_agreement": [{"code": "agreement"}],
    "meetings:list": [{}],
    "meetings:new": [{}],
    "meetings:edit_agreement": [{"team": "team"}],
    # The closed meeting (the deferred case's) where a page lists its cases or people.
    **{
        f"meetings:{name}": ON_MEETINGS
        for name in ("detail", "history", "add_agenda_case", "record", "sign_in_sheet")
    },
    **{
        f"meetings:{name}": ON_MEETING
        for name in ("edit", "status", "add_attendee", "sign", "request_packet", "facilitate")
    },
    "meetings:move_agenda_case": AGENDA_ITEMS,
    "meetings:remove_agenda_case": AGENDA_ITEMS,
    "meetings:remove_attendee": [{"code": "meeting", "attendance": "reviewer_attendance"}],
    "meetings:dispose_copy": COPIES,
    "meetings:packet_status": COPIES,
    "meetings:packet_progress": COPIES,
    "meetings:download_packet": COPIES,
    "meetings:facilitate_case": AGENDA_ITEMS,
    "meetings:quick_finding": AGENDA_ITEMS,
    "meetings:save_discussion": AGENDA_ITEMS,
    "meetings:mark_reviewed": AGENDA_ITEMS,
    "recommendations:list": [{}],
    "recommendations:new": [{}],
    "recommendations:dashboard": [{}],
    "recommendations:annual_report": REPORT,
    "recommendations:annual_report_csv": REPORT,
    "recommendations:annual_report_pdf": REPORT,
    "recommendations:annual_report_years": REPORT,
    "recommendations:annual_report_years_csv": REPORT,
    "recommendations:annual_report_years_pdf": REPORT,
    "recommendations:selection_report": REPORT,
    "recommendations:selection_report_csv": REPORT,
    "recommendations:public": [{"team": "team"}],
    "recommendations:detail": RECOMMENDATION,
    "recommendations:edit": RECOMMENDATION,
    "recommendations:history": RECOMMENDATION,
    "recommendations:add_update": RECOMMENDATION,
    "recommendations:add_task": RECOMMENDATION,
    "recommendations:add_funding": RECOMMENDATION,
    "recommendations:endorse": RECOMMENDATION,
    "recommendations:download_evidence": [{"code": "recommendation", "update": "update"}],
    "recommendations:edit_task": [{"code": "recommendation", "task": "task"}],
    # Community context: services, no case data; the cast's resource is cited
    # by the recommendation, so its page shows it too.
    "recommendations:community_index": [{}],
    "recommendations:community": REPORT,
    "recommendations:community_csv": REPORT,
    "recommendations:community_new": [{"team": "team"}],
    "recommendations:community_edit": [{"code": "community_resource"}],
    "api:list": [{}],
    "api:new": [{}],
    "api:revoke": [{"code": "api_key"}],
    "api:reference": [{}],
    # The partner API as the roles' sessions call it (they hold no key: 401);
    # tests/api/test_api_leaks.py calls it with keys.
    "api_v1:openapi-json": [{}],
    "api_v1:openapi-view": [{}],
    "api_v1:api-root": [{}],
    "api_v1:list_recommendations": [{}],
    "api_v1:get_recommendation": RECOMMENDATION,
    "api_v1:post_update": RECOMMENDATION,
    "api_v1:aggregates": [{"year": 2025}],
    "api_v1:intake_cases": [{}],
}
# The admin's generated URLs are crawled from its registry instead (see crawl_admin).
SKIPPED_NAMESPACES = {"admin"}


def url_patterns(patterns=None, namespace: str = ""):
    """(name, pattern) of every URL pattern, names with their namespaces."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or f'<unnamed {entry.pattern}>'}", entry


class PlainClient(Client):
    """The test client without its per-request bookkeeping (copies of every
    template context, re-raised view exceptions): about 10 % faster over the
    matrix's 1,500 requests. A view that fails answers 500, which is recorded."""

    def request(self, **request):
        response = self.handler(self._base_environ(**request))
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


@dataclass(frozen=True)
class Entry:
    name: str
    label: str
    url: str


@dataclass
class Results:
    entries: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # URL patterns without an entry
    stale: list = field(default_factory=list)  # entries naming no URL pattern
    leaks: list = field(default_factory=list)  # pages, headers, PDFs, downloads
    errors: list = field(default_factory=list)  # pages that failed (500): nothing to check
    found: dict = field(default_factory=dict)  # (role, entry label) -> canary tokens
    no_notice: list = field(default_factory=list)
    packet_leaks: list = field(default_factory=list)
    packet_found: dict = field(default_factory=dict)
    mail_leaks: list = field(default_factory=list)
    log_leaks: list = field(default_factory=list)
    access_log_leaks: list = field(default_factory=list)
    admin_leaks: list = field(default_factory=list)
    admin_pages: int = 0
    url_problems: list = field(default_factory=list)  # names in URLs
    pdf_problems: list = field(default_factory=list)  # real PDFs that are not whole
    requests: int = 0
    mails: int = 0
    access_events: int = 0
    log_records: int = 0


def read(response) -> bytes:
    """The body; the test client closes a streamed response (and its file) once read."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def channel_of(response, data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return "pdf"
    if "attachment" in response.get("Content-Disposition", ""):
        return "download"
    return "page"


def body_text(data: bytes, channel: str) -> str:
    return pdf_text(data) if channel == "pdf" else data.decode("utf-8", "replace")


def headers_text(response) -> str:
    return "\n".join(f"{name}: {value}" for name, value in response.items())


def report(leaks: list, size: str) -> list[str]:
    """Leaks grouped by place (URL name), then role, one line each; empty if none."""
    if not leaks:
        return []
    lines = [f"(checked: {size})"]
    by_place: dict[str, list] = {}
    for leak in leaks:
        by_place.setdefault(leak.location, []).append(leak)
    for place in sorted(by_place):
        roles = sorted({leak.role for leak in by_place[place]}, key=role_order)
        lines.append(f"== {place} ({', '.join(roles)})")
        for leak in sorted(
            by_place[place],
            key=lambda leak: (role_order(leak.role), leak.label, leak.canary.key),
        ):
            lines.append(f"  {leak.line()}")
    return lines


def role_order(role: str) -> int:
    return ROLES.index(role) if role in ROLES else len(ROLES)


class LeakMatrixTestCase(LeakCast, OFRTestCase):
    # The matrix runs once for the class, in the first test that asks for it
    # (its database writes are rolled back with that test; its findings stay).
    _results: Results | None = None
    _failure: BaseException | None = None

    @classmethod
    def setUpTestData(cls) -> None:
        cls._results, cls._failure = None, None
        super().setUpTestData()
        cls.build_leak_cast()
        cls.make_packets()

    @classmethod
    def make_packets(cls) -> None:
        """Every role's packet of the planned meeting through the real job
        (meetings/packet_jobs.py), stopped where its HTML (built by packet_html)
        goes to the layout process; the HTML is kept. The officer's and the
        coordinator's are then laid out for real by that process, side by
        side, and stored on their copies by the job's own store()."""
        cls.packet_html: dict[str, str] = {}
        cls.packet_refused: dict[str, str] = {}
        copies = {}

        def stop_before_layout(html, folder, **limits):
            cls.packet_html[role] = html
            raise PacketFailed("Stopped by the leak matrix before layout.")

        requested_by = {"officer": cls.facilitator}  # a manager prepares it for the room
        for role in ROLES:
            user = cls.users[role]
            if user is None:
                continue
            try:
                by = requested_by.get(role, cls.coordinator)
                copies[role] = start_packet(cls.meeting, user, requested_by=by)
            except ValidationError as error:
                cls.packet_refused[role] = " ".join(error.messages)
                continue
            with mock.patch.object(packet_jobs, "render_in_subprocess", stop_before_layout):
                render_packet_copy.call(copies[role].pk)
        real = ("officer", "coordinator")
        for role in real:
            assert role in cls.packet_html, (
                f"No packet HTML for the {role}: refused {cls.packet_refused.get(role)!r}, "
                f"copy {copies[role].status if role in copies else None} "
                f"{copies[role].error if role in copies else ''}"
            )
        with ExitStack() as stack, ThreadPoolExecutor(len(real)) as pool:
            folders = {role: Path(stack.enter_context(TemporaryDirectory())) for role in real}
            layouts = {
                role: pool.submit(
                    packet_jobs.render_in_subprocess,
                    cls.packet_html[role],
                    folders[role],
                    time_limit=packet_jobs.time_limit(),
                    memory_limit_mb=packet_jobs.memory_limit_mb(),
                )
                for role in real
            }
            cls.packet_pdfs = {}
            for role in real:
                copy = copies[role]
                copy.refresh_from_db()
                with cls.captureOnCommitCallbacks(execute=True):  # the file moves into place
                    packet_jobs.store(copy, layouts[role].result())
                with copy.file.open("rb") as handle:
                    cls.packet_pdfs[role] = handle.read()
        cls.officer_copy, cls.coordinator_copy = copies["officer"], copies["coordinator"]

    # --- The run, once for the class ---------------------------------------------------

    def results(self) -> Results:
        cls = type(self)
        if cls._failure is not None:
            self.fail(f"The matrix run failed (see the first test's error): {cls._failure!r}")
        if cls._results is None:
            try:
                cls._results = self.run_matrix()
            except BaseException as error:
                cls._failure = error
                raise
        return cls._results

    def entries(self, results: Results) -> list[Entry]:
        patterns = {
            name: pattern
            for name, pattern in url_patterns()
            if name.split(":")[0] not in SKIPPED_NAMESPACES
        }
        results.missing = sorted(set(patterns) - set(ENTRIES))
        results.stale = sorted(set(ENTRIES) - set(patterns))
        entries = []
        for name, specs in ENTRIES.items():
            if name not in patterns:
                continue
            converters = patterns[name].pattern.converters
            for spec in specs:
                kwargs, query = {}, {}
                for key, ref in spec.items():
                    if isinstance(ref, str) and ref.startswith("="):  # a literal value
                        if key.startswith("?"):
                            query[key[1:]] = ref[1:]
                        else:
                            kwargs[key] = ref[1:]
                        continue
                    value = ref if isinstance(ref, int) else getattr(self, ref)
                    if key.startswith("?"):
                        query[key[1:]] = str(value.code)
                    elif isinstance(value, int):
                        kwargs[key] = value
                    elif isinstance(converters.get(key), UUIDConverter):
                        kwargs[key] = value.code
                    else:
                        kwargs[key] = value.pk
                url = reverse(name, kwargs=kwargs) + (f"?{urlencode(query)}" if query else "")
                values = ",".join(
                    f"{k}={str(v).removeprefix('=')}"
                    if k.startswith("?")
                    else str(v).removeprefix("=")
                    for k, v in spec.items()
                )
                entries.append(Entry(name, f"{name}[{values}]" if values else name, url))
        return entries

    def run_matrix(self) -> Results:
        results = Results()
        records: list = []
        results.entries = self.entries(results)
        with LogCapture(records):
            self.crawl_pages(results)
            self.real_pdfs(results)
            self.search_by_name(results)
            self.check_packets(results)
            self.send_reminders(results)
            self.crawl_admin(results)
        results.log_records = len(records)
        for name, level, text in records:
            leaks, _ = leaks_in(
                text, role="log", location="log", channel="log", label=f"{level} {name}"
            )
            results.log_leaks += leaks
        results.access_events = AccessEvent.objects.count()
        for event in AccessEvent.objects.order_by("seq"):
            text = "\n".join((event.detail, event.object_id, event.object_type, event.user_agent))
            leaks, _ = leaks_in(
                text,
                role=event.username or "anonymous",
                location="access log",
                channel="access log",
                label=f"event {event.seq} ({event.action})",
            )
            results.access_log_leaks += leaks
        return results

    def client_for(self, role: str) -> Client:
        client = PlainClient()
        if self.users[role] is not None:
            client.force_login(self.users[role])
        return client

    def scan_response(self, results, response, *, role: str, location: str, label: str, url: str):
        data = read(response)
        if response.status_code >= 500:
            results.errors.append(f"{role} · {label} {url}: {response.status_code}")
        channel = channel_of(response, data)
        text = body_text(data, channel)
        leaks, found = leaks_in(
            text, role=role, location=location, channel=channel, label=label, url=url
        )
        header_leaks, header_found = leaks_in(
            headers_text(response),
            role=role,
            location=location,
            channel="headers",
            label=label,
            url=url,
        )
        results.leaks += leaks + header_leaks
        results.found.setdefault((role, label), set()).update(found | header_found)
        if response.get("Content-Type", "").startswith("text/html"):
            shown = [c for c in part2_shown(text) if c.allowed(role, location)]
            if shown and PART2_NOTICE not in text:
                results.no_notice.append(
                    f"{role} · {label} {url}: shows {', '.join(c.token for c in shown)} "
                    "without the 42 CFR 2.32 notice"
                )
        return text

    def crawl_pages(self, results: Results) -> None:
        patches = html_instead_of_pdf()
        for patch in patches:
            patch.start()
        try:
            for role in ROLES:
                client = self.client_for(role)
                for entry in results.entries:
                    response = client.get(entry.url)
                    results.requests += 1
                    self.scan_response(
                        results,
                        response,
                        role=role,
                        location=entry.name,
                        label=entry.label,
                        url=entry.url,
                    )
        finally:
            for patch in reversed(patches):
                patch.stop()

    def real_pdfs(self, results: Results) -> None:
        """One record-request letter and one annual report laid out for real."""
        for role, name, kwargs in (
            (
                "data_manager",
                "cases:request_letter",
                {"code": self.case.code, "item": self.part2_request.code},
            ),
            (
                "coordinator",
                "recommendations:annual_report_pdf",
                {"team": self.team.code, "year": 2025},
            ),
        ):
            url = reverse(name, kwargs=kwargs)
            response = self.client_for(role).get(url)
            text = self.scan_response(
                results, response, role=role, location=name, label=f"{name}[real PDF]", url=url
            )
            if not response.content.startswith(b"%PDF"):
                results.pdf_problems.append(f"{role} · {name}: no PDF ({response.status_code})")
            elif name == "cases:request_letter" and T["part2_agency"] not in re.sub(
                r"\s+", "", text
            ):
                results.pdf_problems.append(
                    f"{role} · {name}: the letter does not name the program"
                )

    def search_by_name(self, results: Results) -> None:
        """A name search as the coordinator, through the form the case list offers."""
        client = self.client_for("coordinator")
        list_url = reverse("cases:list")
        page = client.get(list_url).content.decode()
        form = next(
            (f for f in re.findall(r"<form\b[^>]*>.*?</form>", page, re.S) if 'name="q"' in f), ""
        )
        if not form:
            results.url_problems.append("cases:list offers no search field named q")
            return
        opening = re.match(r"<form\b[^>]*>", form).group(0)
        method = (re.search(r'method="(\w+)"', opening) or [None, "get"])[1].lower()
        action = (re.search(r'action="([^"]*)"', opening) or [None, list_url])[1] or list_url
        name = T["id_legal_name"]
        if method == "get":
            url = f"{action}?{urlencode({'q': name})}"
            results.url_problems.append(
                "coordinator · cases:list: the search form is GET, so a name search puts "
                f"the decedent's name in the URL ({url})"
            )
            response = client.get(url)
        else:
            response = client.post(action, {"q": name})
        problem = "coordinator · cases:list: "
        location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
        if name in location:
            results.url_problems.append(f"{problem}the search redirects to the name: {location}")
        text = self.scan_response(
            results,
            response if not location else client.get(location),
            role="coordinator",
            location="cases:list",
            label="cases:list[name search]",
            url=location or action,
        )
        for href in re.findall(r'(?:href|action)="([^"]*)"', text):
            if name in href:
                results.url_problems.append(
                    f"{problem}a link on the results carries the name: {href}"
                )
                break
        if self.case.reference not in text:  # the positive control: the search still finds it
            results.url_problems.append(f"{problem}the name search did not find the case")

    def check_packets(self, results: Results) -> None:
        for role, html in self.packet_html.items():
            leaks, found = leaks_in(
                html, role=role, location="packet", channel="packet", label=f"{role}'s packet HTML"
            )
            results.packet_leaks += leaks
            results.packet_found[role] = found
            shown = [c for c in part2_shown(html) if c.allowed(role, "packet")]
            if shown and PART2_NOTICE not in html:
                results.no_notice.append(
                    f"{role}'s packet HTML: shows Part 2 content without the notice"
                )
        for role, pdf in self.packet_pdfs.items():
            leaks, found = leaks_in(
                pdf_text(pdf),
                role=role,
                location="packet",
                channel="packet pdf",
                label=f"{role}'s packet PDF",
            )
            results.packet_leaks += leaks
            results.packet_found[f"{role} pdf"] = found

    def send_reminders(self, results: Results) -> None:
        mail.outbox = []
        call_command("remind_overdue", stdout=io.StringIO())
        results.mails = len(mail.outbox)
        roles = {
            user.email: role for role, user in self.users.items() if user is not None and user.email
        }
        for message in mail.outbox:
            text = "\n".join(
                [
                    message.subject,
                    message.body,
                    *(content for content, _ in getattr(message, "alternatives", [])),
                ]
            )
            for recipient in message.to:
                leaks, _ = leaks_in(
                    text,
                    role=roles.get(recipient, recipient),
                    location="email",
                    channel="e-mail",
                    label=f"reminder to {recipient}: {message.subject}",
                )
                results.mail_leaks += leaks

    def crawl_admin(self, results: Results) -> None:
        """As the superuser: the index, each registered model's list, and each
        object's change and history pages (the access log: one event for each
        kind of detail, UUIDs and numbers aside)."""
        client = self.client_for("admin")
        pages = [("admin:index", "admin:index", reverse("admin:index"))]
        for model in admin.site._registry:
            info = f"{model._meta.app_label}_{model._meta.model_name}"
            pages.append(
                (
                    f"admin:{info}_changelist",
                    f"admin:{info}_changelist",
                    reverse(f"admin:{info}_changelist"),
                )
            )
            objects = list(model._default_manager.all())
            if model is AccessEvent:
                kinds, chosen = set(), []
                for event in sorted(objects, key=lambda e: e.seq):
                    # Paths, codes and numbers aside (a path carries codes, never names).
                    kind = (event.action, re.sub(r"/\S*|[0-9a-f-]{36}|\d+", "#", event.detail))
                    if kind not in kinds:
                        kinds.add(kind)
                        chosen.append(event)
                objects = chosen
            for obj in objects:
                for view in ("change", "history"):
                    url = reverse(f"admin:{info}_{view}", args=[quote(obj.pk)])
                    pages.append((f"admin:{info}_{view}", f"admin:{info}_{view}[{obj.pk}]", url))
        for location, label, url in pages:
            response = client.get(url)
            results.admin_pages += 1
            data = read(response)
            leaks, _ = leaks_in(
                data.decode("utf-8", "replace"),
                role="admin",
                location=location,
                channel="admin",
                label=label,
                url=url,
            )
            results.admin_leaks += leaks

    # --- The tests -------------------------------------------------------------------------

    def fail_with(self, title: str, lines: list[str], count: int | None = None) -> None:
        if lines:
            self.fail(f"{title}: {len(lines) if count is None else count}\n" + "\n".join(lines))

    def test_it_has_an_entry_for_every_url_pattern(self):
        results = self.results()
        self.fail_with(
            "URL patterns without an entry in ENTRIES (tests/test_leak_matrix.py): add one "
            "saying which fixture items fill their kwargs",
            results.missing,
        )
        self.fail_with("ENTRIES naming no URL pattern", results.stale)

    def test_it_leaks_no_canary_through_any_url(self):
        results = self.results()
        size = (
            f"{len(ROLES)} roles × {len(results.entries)} URL entries = {results.requests} requests"
        )
        self.fail_with("Leaks through URLs", report(results.leaks, size), len(results.leaks))
        self.fail_with("Pages that failed, so could not be checked", results.errors)

    def test_it_shows_each_role_what_it_may_see(self):
        """Positive controls: without them a page that shows nothing would pass."""
        results = self.results()
        labels = {entry.label for entry in results.entries}
        missing = list(results.pdf_problems)
        for canary in CANARIES:
            if canary.home is None:
                continue
            self.assertIn(canary.home, labels, f"{canary.key}: its home {canary.home} is no entry")
            for role in ROLES:
                seen = results.found.get((role, canary.home), ())
                if canary.secret in MAY_SEE[role] and canary.token not in seen:
                    missing.append(
                        f"{role} · {canary.home}: misses {canary.token} "
                        f"[{canary.secret}: {canary.what}]"
                    )
        for role in ("coordinator", "reviewer"):
            for key in PACKET_PART2:
                if T[key] not in results.packet_found.get(role, ()):
                    missing.append(f"{role}'s packet HTML: misses {T[key]} [PART2]")
        for role in self.packet_pdfs:
            if T["case_summary"] not in results.packet_found.get(f"{role} pdf", ()):
                missing.append(f"{role}'s packet PDF: misses the case summary")
        label = "meetings:download_packet[meeting,officer_copy]"
        for role in ("coordinator", "facilitator", "officer"):
            if T["case_summary"] not in results.found.get((role, label), ()):
                missing.append(f"{role} · {label}: the downloaded packet misses the case summary")
        self.fail_with("What a role may see but does not", missing)

    def test_it_puts_the_part2_notice_beside_part2_content(self):
        self.fail_with(
            "Part 2 content shown without the 42 CFR 2.32 notice", self.results().no_notice
        )

    def test_it_leaks_no_canary_into_packets(self):
        results = self.results()
        recipients = ["coordinator", "data_manager", "facilitator", "reviewer", "officer"]
        self.assertEqual(
            sorted(self.packet_html),
            sorted([*recipients, "signed_guest"]),
            f"Packets made for {sorted(self.packet_html)}; refused: {self.packet_refused}",
        )
        size = f"{len(self.packet_html)} packets' HTML, {len(self.packet_pdfs)} laid out"
        leaks = results.packet_leaks
        self.fail_with("Leaks into packets", report(leaks, size), len(leaks))

    def test_it_leaks_no_canary_into_emails_logs_or_the_access_log(self):
        results = self.results()
        self.assertGreater(results.mails, 0, "remind_overdue sent no e-mail: nothing was checked")
        size = (
            f"{results.mails} e-mails, {results.log_records} log records, "
            f"{results.access_events} access events"
        )
        leaks = results.mail_leaks + results.log_leaks + results.access_log_leaks
        self.fail_with(
            "Leaks into e-mails, logs and the access log", report(leaks, size), len(leaks)
        )

    def test_it_leaks_no_canary_through_the_admin(self):
        results = self.results()
        size = f"{results.admin_pages} admin pages"
        leaks = results.admin_leaks
        self.fail_with("Leaks through the admin", report(leaks, size), len(leaks))

    def test_it_keeps_decedent_names_out_of_urls(self):
        self.fail_with("Names in URLs", self.results().url_problems)

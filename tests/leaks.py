"""The leak matrix's fixture and oracle (used by tests/test_leak_matrix.py).

Canaries are unique strings put in every text field of the items of two case
files, each belonging to one class of secret. The oracle below says, without
asking the application, which classes each role may see and in which places
case content may appear at all. The scanning helpers find canaries in what a
channel (a page, a header, a PDF, an e-mail, a log record) hands out.
"""

from __future__ import annotations

import hashlib
import logging
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.core.files.base import ContentFile

from api.models import ApiKey
from cases.imports.targets import default_columns
from cases.models import (
    Case,
    DataSharingAgreement,
    DeferralRequest,
    Finding,
    FindingEvent,
    NokInterview,
    NokOutreachAttempt,
    Note,
    PendingImport,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
)
from meetings.models import AgendaItem, Attendance, Meeting
from ofr.models import Agency
from ofr.roles import Role, Sector
from recommendations.models import CommunityResource, RecommendationFinding, RecommendationResource
from tests.base import PART2_TEXT, make_member, make_user
from tests.pdf import pdf_pages

# --- The classes of secret ------------------------------------------------------------

CASE = "CASE"  # plain content of the main case: any viewer of the case
DEFERRED_CASE = "DEFERRED_CASE"  # plain content of the deferred case
IDENTIFIERS = "IDENTIFIERS"
PART2 = "PART2"  # 42 CFR Part 2 SUD-treatment material
MENTAL_HEALTH = "MENTAL_HEALTH"
LE_INVESTIGATIVE = "LE_INVESTIGATIVE"  # of an ordinary case
NOK_NOTE = "NOK_NOTE"  # the next-of-kin interview note the reviewer (interviewer) wrote
NOK_DOCUMENT = "NOK_DOCUMENT"  # the next-of-kin transcript the data manager uploaded
LE_DEFERRED = "LE_DEFERRED"  # investigative material of a case deferred for investigation
REFILED = "REFILED"  # saved unrestricted, then re-filed as Part 2
DEFERRAL_ASK = "DEFERRAL_ASK"  # the officer's request to defer: its asker and the coordinators
# The signed copy of the team's data-sharing agreement with an agency: the
# team's roles that hold view_agreements (coordinator, data manager).
AGREEMENT = "AGREEMENT"

# --- The oracle: who may see which class, anywhere -------------------------------------

ROLES = (
    "coordinator",
    "data_manager",
    "facilitator",
    "reviewer",
    "officer",
    "unsigned_member",
    "signed_guest",
    "unsigned_guest",
    "partner",
    "oversight",
    "committee",
    "admin",
    "outsider",
    "anonymous",
)
_PLAIN = {CASE, DEFERRED_CASE}
MAY_SEE: dict[str, frozenset[str]] = {
    "coordinator": frozenset(
        {
            *_PLAIN,
            IDENTIFIERS,
            PART2,
            MENTAL_HEALTH,
            LE_INVESTIGATIVE,
            REFILED,
            NOK_NOTE,
            NOK_DOCUMENT,
            LE_DEFERRED,
            DEFERRAL_ASK,
            AGREEMENT,
        }
    ),
    # NOK: only the transcript it uploaded; LE_DEFERRED: it uploaded / created it.
    "data_manager": frozenset(
        {
            *_PLAIN,
            IDENTIFIERS,
            PART2,
            MENTAL_HEALTH,
            LE_INVESTIGATIVE,
            REFILED,
            NOK_DOCUMENT,
            LE_DEFERRED,
            AGREEMENT,
        }
    ),
    "facilitator": frozenset(
        {*_PLAIN, PART2, MENTAL_HEALTH, LE_INVESTIGATIVE, REFILED, NOK_NOTE, NOK_DOCUMENT}
    ),
    # NOK: only the note it wrote as the interviewer.
    "reviewer": frozenset({*_PLAIN, PART2, MENTAL_HEALTH, LE_INVESTIGATIVE, REFILED, NOK_NOTE}),
    # 42 CFR 2.32: never Part 2 to law enforcement.
    "officer": frozenset({*_PLAIN, MENTAL_HEALTH, LE_INVESTIGATIVE, DEFERRAL_ASK}),
    # Guests hold no sensitive category, and are invited to the main case only.
    "signed_guest": frozenset({CASE}),
    "unsigned_member": frozenset(),
    "unsigned_guest": frozenset(),
    "partner": frozenset(),
    "oversight": frozenset(),
    # The governing committee: recommendations and aggregates, no case data.
    "committee": frozenset(),
    "admin": frozenset(),
    "outsider": frozenset(),
    "anonymous": frozenset(),
}

# How a canary may travel:
CONTENT = "content"  # case content: case pages, facilitator mode, packets, the letter
AGENCY = "agency"  # an agency name: also in agency choice lists and the admin's agency pages
FINDING_LABEL = "finding label"  # also named (kind, system) on recommendation pages
CASE_REFERENCE = "case reference"  # checked on recommendation pages and e-mails only

# Where case content may appear at all (URL names; "packet" is a packet's HTML).
CASE_CONTENT_PLACES = frozenset({"meetings:facilitate_case", "meetings:download_packet", "packet"})

PART2_NOTICE = "42 CFR part 2 prohibits unauthorized use or disclosure of these records"


def case_content_place(location: str) -> bool:
    return location.startswith("cases:") or location in CASE_CONTENT_PLACES


@dataclass(frozen=True)
class Canary:
    key: str
    secret: str
    what: str
    # The matrix entry where every role that may see the canary must find it
    # (the positive control); None when no page shows it to all of them.
    home: str | None = None
    kind: str = CONTENT
    # The string itself; made from the key unless given.
    token: str = ""

    def __post_init__(self) -> None:
        if not self.token:
            suffix = hashlib.sha256(self.key.encode()).hexdigest()[:4]
            object.__setattr__(
                self, "token", f"CANARY-{self.key.upper().replace('_', '-')}-{suffix}"
            )

    def checked_at(self, location: str) -> bool:
        if self.kind == CASE_REFERENCE:
            return location.startswith("recommendations:") or location == "email"
        return True

    def allowed(self, role: str, location: str) -> bool:
        if self.kind == AGENCY and location.startswith("admin:ofr_agency_"):
            return True  # the agency list itself is not case data
        if self.secret not in MAY_SEE.get(role, frozenset()):
            return False
        if self.kind == CASE_REFERENCE or (
            self.kind == FINDING_LABEL and location.startswith("recommendations:")
        ):
            return location.startswith("recommendations:")
        return case_content_place(location)


DETAIL = "cases:detail[case]"
DEFERRED_DETAIL = "cases:detail[deferred_case]"
HISTORY = "cases:history[case]"


def download(document: str, case: str = "case") -> str:
    return f"cases:download_document[{case},{document},?notice=read]"


AGREEMENT_DOWNLOAD = "cases:download_agreement[agreement]"
NOK_INTERVIEW = "cases:nok_interview[case,nok_interview]"
NOK_CONSENT = "cases:nok_consent_download[case,nok_interview]"

CANARIES: tuple[Canary, ...] = (
    # AGREEMENT
    Canary("agreement_file", AGREEMENT, "signed agreement's content", AGREEMENT_DOWNLOAD),
    Canary("agreement_name", AGREEMENT, "signed agreement's file name", AGREEMENT_DOWNLOAD),
    # CASE
    Canary("case_summary", CASE, "case summary", DETAIL),
    Canary("case_event", CASE, "unrestricted touchpoint description", DETAIL),
    Canary("case_note", CASE, "unrestricted note", DETAIL),
    Canary("case_finding", CASE, "unrestricted finding description", DETAIL),
    Canary("case_doc_title", CASE, "unrestricted document title", DETAIL),
    Canary("case_doc_name", CASE, "unrestricted document file name", download("document")),
    Canary("case_tox_lab", CASE, "toxicology lab name"),
    Canary("case_tox_detail", CASE, "toxicology substance detail", DETAIL),
    Canary("case_cause", CASE, "immediate cause of death", DETAIL),
    Canary("case_occupation", CASE, "decedent's occupation", DETAIL),
    Canary(
        "case_reference",
        CASE,
        "main case reference (on recommendation pages)",
        kind=CASE_REFERENCE,
        token="RIV-2025-001",
    ),
    # DEFERRED_CASE
    Canary("defcase_summary", DEFERRED_CASE, "deferred case summary", DEFERRED_DETAIL),
    # IDENTIFIERS
    Canary("id_legal_name", IDENTIFIERS, "legal name", DETAIL),
    Canary("id_aliases", IDENTIFIERS, "aliases", DETAIL),
    Canary("id_address", IDENTIFIERS, "residence address", DETAIL),
    Canary("id_me_number", IDENTIFIERS, "ME case number", DETAIL),
    Canary("id_dc_number", IDENTIFIERS, "death certificate number", DETAIL),
    # PART2
    Canary("part2_agency", PART2, "name of the Part 2 program", DETAIL, kind=AGENCY),
    Canary("part2_event", PART2, "Part 2 touchpoint description", DETAIL),
    Canary(
        "part2_old_text",
        PART2,
        "Part 2 touchpoint's earlier description",
        HISTORY,
        token=PART2_TEXT,
    ),
    Canary("part2_note", PART2, "note on the Part 2 touchpoint", DETAIL),
    Canary("part2_finding", PART2, "Part 2 finding description", DETAIL),
    Canary(
        "part2_finding_label",
        PART2,
        "Part 2 finding's kind and system",
        kind=FINDING_LABEL,
        token="Protective factor, Harm reduction",
    ),
    Canary("part2_doc_title", PART2, "Part 2 document title", DETAIL),
    Canary("part2_doc_name", PART2, "Part 2 document file name", download("part2_document")),
    Canary("part2_doc_file", PART2, "Part 2 document content", download("part2_document")),
    Canary(
        "part2_unmarked_event",
        PART2,
        "touchpoint from the Part 2 program saved without a category",
        DETAIL,
    ),
    # MENTAL_HEALTH, LE_INVESTIGATIVE
    Canary("mh_event", MENTAL_HEALTH, "mental-health touchpoint description", DETAIL),
    Canary("le_event", LE_INVESTIGATIVE, "investigative touchpoint description", DETAIL),
    # NOK
    Canary("nok_note", NOK_NOTE, "reviewer's next-of-kin interview note", DETAIL),
    Canary("nok_doc_title", NOK_DOCUMENT, "next-of-kin transcript title", DETAIL),
    Canary(
        "nok_doc_name", NOK_DOCUMENT, "next-of-kin transcript file name", download("nok_document")
    ),
    Canary(
        "nok_doc_file", NOK_DOCUMENT, "next-of-kin transcript content", download("nok_document")
    ),
    # The next-of-kin interview the reviewer (a trained interviewer) holds: every
    # free-text field, its outreach note and its signed consent form.
    Canary("nok_family_name", NOK_NOTE, "consenting family member's name", NOK_INTERVIEW),
    Canary("nok_relationship", NOK_NOTE, "family member's relationship", NOK_INTERVIEW),
    Canary("nok_place", NOK_NOTE, "where the interview took place", NOK_INTERVIEW),
    Canary("nok_notes", NOK_NOTE, "interview notes", NOK_INTERVIEW),
    Canary("nok_attempt_note", NOK_NOTE, "outreach attempt note", NOK_INTERVIEW),
    Canary("nok_consent_name", NOK_NOTE, "signed consent form's file name", NOK_CONSENT),
    Canary("nok_consent_file", NOK_NOTE, "signed consent form's content", NOK_CONSENT),
    # What the interviewer extracted onto the timeline: the team's to see.
    Canary("nok_touchpoint", CASE, "touchpoint extracted from the interview", DETAIL),
    # LE_DEFERRED
    Canary("ledef_event", LE_DEFERRED, "deferred case's investigative touchpoint", DEFERRED_DETAIL),
    Canary(
        "ledef_doc_title", LE_DEFERRED, "deferred case's investigative document", DEFERRED_DETAIL
    ),
    Canary(
        "ledef_doc_name",
        LE_DEFERRED,
        "deferred case's investigative document file name",
        download("deferred_le_document", "deferred_case"),
    ),
    Canary(
        "ledef_doc_file",
        LE_DEFERRED,
        "deferred case's investigative document content",
        download("deferred_le_document", "deferred_case"),
    ),
    # DEFERRAL_ASK
    Canary("deferral_note", DEFERRAL_ASK, "note of the officer's deferral request", DETAIL),
    # REFILED
    Canary("refiled_note", REFILED, "note re-filed as Part 2", HISTORY),
    Canary("refiled_doc_title", REFILED, "document re-filed as Part 2", HISTORY),
)
T = {canary.key: canary.token for canary in CANARIES}
# Canaries that a packet carries (timeline, notes, findings, records received).
PACKET_PART2 = (
    "part2_agency",
    "part2_event",
    "part2_note",
    "part2_finding",
    "part2_unmarked_event",
)


# --- Finding canaries in what a channel hands out ---------------------------------------


@dataclass(frozen=True)
class Leak:
    channel: str  # page, headers, pdf, download, packet, e-mail, log, access log, url
    role: str
    location: str  # URL name, or the channel's own name
    label: str  # the matrix entry (URL name and fixture items) or what was read
    url: str
    canary: Canary
    snippet: str

    def line(self) -> str:
        where = f"{self.label} {self.url}".strip()
        return (
            f"{self.role} · {where} · {self.channel}: {self.canary.token} "
            f"[{self.canary.secret}: {self.canary.what}] …{self.snippet}…"
        )


def _choice_pattern(name: str) -> re.Pattern:
    escaped = re.escape(name)
    return re.compile(
        # <option value="3">NAME</option> (not selected)
        rf"<option\b(?P<o>[^>]*)>\s*{escaped}\s*</option>"
        # <input type="checkbox" ...><label ...>NAME</label> (not checked)
        rf"|<input\b(?P<i>[^>]*type=\"(?:checkbox|radio)\"[^>]*)>\s*<label\b[^>]*>\s*{escaped}\s*</label>"
    )


def strip_agency_choices(text: str, name: str) -> str:
    """Agency choice lists (every agency, none chosen) are not case data:
    remove the unchosen choices naming the agency."""

    def keep_chosen(match: re.Match) -> str:
        attributes = match.group("o") or match.group("i") or ""
        return match.group(0) if re.search(r"\b(selected|checked)\b", attributes) else ""

    return _choice_pattern(name).sub(keep_chosen, text)


def _snippet(text: str, start: int, length: int) -> str:
    return " ".join(text[max(0, start - 70) : start + length + 70].split())


def find_canaries(text: str, *, squash: bool = False) -> dict[Canary, str]:
    """The canaries in `text` with a snippet of context each. `squash` ignores
    whitespace (text from a PDF, where lines may break inside a token)."""
    if squash:
        text = re.sub(r"\s+", "", text)
    found = {}
    for canary in CANARIES:
        token = re.sub(r"\s+", "", canary.token) if squash else canary.token
        haystack = text
        if canary.kind == AGENCY and not squash:
            haystack = strip_agency_choices(text, canary.token)
        index = haystack.find(token)
        if index >= 0:
            found[canary] = _snippet(haystack, index, len(token))
    return found


def leaks_in(text: str, *, role: str, location: str, channel: str, label: str, url: str = ""):
    """(leaks, tokens found): the canaries `role` may not see at `location`."""
    found = find_canaries(text, squash=channel in ("pdf", "packet pdf"))
    leaks = [
        Leak(channel, role, location, label, url, canary, snippet)
        for canary, snippet in found.items()
        if canary.checked_at(location) and not canary.allowed(role, location)
    ]
    return leaks, {canary.token for canary in found}


def part2_shown(text: str) -> list[Canary]:
    """PART2 and REFILED content canaries shown in an HTML text."""
    found = find_canaries(text)
    return [c for c in found if c.secret in (PART2, REFILED) and c.kind in (CONTENT, AGENCY)]


_pdf_texts: dict[str, str] = {}


def pdf_text(data: bytes) -> str:
    """A PDF's text (pdftotext, once per distinct file); the raw bytes when
    pdftotext cannot read it (the cast's stand-in PDF)."""
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _pdf_texts:
        try:
            _pdf_texts[digest] = "\n".join(pdf_pages(data))
        except subprocess.CalledProcessError:
            _pdf_texts[digest] = data.decode("latin-1")
    return _pdf_texts[digest]


# --- Capturing log records -----------------------------------------------------------


class LogCapture(logging.Handler):
    """Every log record of every logger, at DEBUG, while active."""

    def __init__(self, records: list) -> None:
        super().__init__(logging.DEBUG)
        self.records = records
        self.saved: list[tuple[logging.Logger, int, list]] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            # The exception's message (what a formatter prints under the traceback).
            text += f"\n{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.records.append((record.name, record.levelname, text))

    def __enter__(self) -> LogCapture:
        loggers = [logging.getLogger()] + [
            logger
            for logger in logging.Logger.manager.loggerDict.values()
            if isinstance(logger, logging.Logger)
        ]
        for logger in loggers:
            self.saved.append((logger, logger.level, logger.handlers[:]))
            # As if LOG_LEVEL were DEBUG: the root at DEBUG, and every logger
            # the settings leave unpinned with it; pinned ones (the template
            # engine, the PDF layout engines) keep their configured level.
            if logger is logging.getLogger() or logger.level == logging.NOTSET:
                logger.setLevel(logging.DEBUG)
            if logger is logging.getLogger() or not logger.propagate:
                # Only this handler: the flood of DEBUG records goes nowhere else.
                logger.handlers = [self]
        return self

    def __exit__(self, *exc) -> None:
        for logger, level, handlers in self.saved:
            logger.setLevel(level)
            logger.handlers = handlers
        self.saved.clear()


# --- A stand-in for WeasyPrint: the HTML as the "PDF" -------------------------------------


class HtmlAsPdf:
    """Replaces weasyprint.HTML while the matrix runs: letters and annual
    reports (rendered in the request) come back as their HTML, which is exactly
    the text that would be laid out, without the second it takes per PDF."""

    def __init__(self, string: str = "", **kwargs) -> None:
        self.html = string
        self.pages = [None]

    def render(self, **kwargs) -> HtmlAsPdf:
        return self

    def write_pdf(self, *args, **kwargs) -> bytes:
        return self.html.encode()


def html_instead_of_pdf() -> list:
    """Patches replacing WeasyPrint's HTML (ofr.pdf imports it when it makes a PDF)."""
    return [mock.patch("weasyprint.HTML", HtmlAsPdf)]


# --- The fixture ------------------------------------------------------------------------


def text_document(case, *, title: str, name: str, content: str, by, **fields) -> SourceDocument:
    data = content.encode()
    document = SourceDocument(
        case=case,
        title=title,
        original_name=name,
        extension=".txt",
        content_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        **fields,
    )
    document.file.save("upload.txt", ContentFile(data), save=False)
    document._history_user = by
    document._change_reason = "Document uploaded"
    document.save()
    return document


def saved(obj, *, by, reason: str):
    obj._history_user = by
    obj._change_reason = reason
    if hasattr(obj, "version"):
        obj.version += 1
    obj.save()
    return obj


class LeakCast:
    """Adds the leak matrix's canaries, people and meetings to tests/base.py's
    cast (mixed into an OFRTestCase, called from setUpTestData)."""

    @classmethod
    def build_leak_cast(cls) -> None:
        coordinator, data_manager = cls.coordinator, cls.data_manager
        cls.team.packets_may_include_identifiers = True  # then only view_identifiers decides
        saved(cls.team, by=cls.admin, reason="Packets may carry identifiers")
        cls.build_leak_case()
        cls.build_leak_people()
        cls.build_deferred_case()
        cls.build_leak_recommendation()
        cls.build_deferral_request()
        cls.build_api_keys()
        cls.build_agreement()
        cls.pending_import = PendingImport.hold(
            team=cls.team,
            by=coordinator,
            file_name="me-list.csv",
            columns=default_columns(),
            header=["me_case_number", "manner"],
            rows=[[T["id_me_number"], "Accident"]],
        )
        cls.users = {
            "coordinator": coordinator,
            "data_manager": data_manager,
            "facilitator": cls.facilitator,
            "reviewer": cls.reviewer,
            "officer": cls.officer,
            "unsigned_member": cls.unsigned_member,
            "signed_guest": cls.signed_guest,
            "unsigned_guest": cls.unsigned_guest,
            "partner": cls.partner,
            "oversight": cls.oversight,
            "committee": cls.committee,
            "admin": cls.admin,
            "outsider": cls.outsider,
            "anonymous": None,
        }

    @classmethod
    def build_leak_case(cls) -> None:
        case, coordinator, data_manager = cls.case, cls.coordinator, cls.data_manager
        case.summary = f"{T['case_summary']} Found at home by a relative."
        case.status = Case.Status.REVIEWED  # counted in the annual report
        saved(case, by=coordinator, reason="Summary written")
        identifiers = case.identifiers
        identifiers.legal_name = T["id_legal_name"]
        identifiers.aliases = T["id_aliases"]
        identifiers.residence_address = T["id_address"]
        identifiers.me_case_number = T["id_me_number"]
        identifiers.death_certificate_number = T["id_dc_number"]
        saved(identifiers, by=coordinator, reason="Identifiers recorded")
        case.death.cause_immediate = T["case_cause"]
        saved(case.death, by=coordinator, reason="Cause recorded")
        case.decedent.occupation = T["case_occupation"]
        saved(case.decedent, by=coordinator, reason="Occupation recorded")
        cls.toxicology.lab = T["case_tox_lab"]
        cls.toxicology.substance_detail = T["case_tox_detail"]
        saved(cls.toxicology, by=coordinator, reason="Lab recorded")
        cls.event.description = f"{T['case_event']} Released without naloxone."
        saved(cls.event, by=coordinator, reason="Touchpoint edited")
        cls.note.text = f"{T['case_note']} EMS gave naloxone."
        saved(cls.note, by=cls.reviewer, reason="Note edited")
        cls.finding.description = f"{T['case_finding']} No naloxone at release."
        saved(cls.finding, by=cls.reviewer, reason="Finding edited")
        cls.document.title = T["case_doc_title"]
        cls.document.original_name = f"{T['case_doc_name']}.pdf"
        saved(cls.document, by=coordinator, reason="Document details edited")

        # Part 2: a program, and what came from it.
        cls.part2_agency = Agency(
            name=T["part2_agency"], sector=Sector.SUD_TREATMENT, part2_program=True
        )
        cls.part2_agency.save()
        cls.part2_event.description = f"{T['part2_event']} Methadone intake."
        cls.part2_event.agency = cls.part2_agency
        saved(cls.part2_event, by=coordinator, reason="Touchpoint edited")
        cls.part2_program_event = TimelineEvent(
            case=case,
            date=date(2024, 12, 5),
            system="sud_treatment",
            touchpoint_type="outpatient_visit",
            description=f"{T['part2_unmarked_event']} Counselling session.",
            agency=cls.part2_agency,  # no sensitivity and no not_part2_reason: Part 2 all the same
            created_by=coordinator,
        )
        saved(cls.part2_program_event, by=coordinator, reason="Touchpoint added")
        cls.part2_note = Note(
            case=case,
            timeline_event=cls.part2_event,
            author=coordinator,
            text=f"{T['part2_note']} Dose was being tapered.",
        )
        saved(cls.part2_note, by=coordinator, reason="Note added")
        cls.part2_finding = Finding(
            case=case,
            kind="protective_factor",
            system="harm_reduction",
            description=f"{T['part2_finding']} Engaged in MOUD.",
            sensitivity="part2_sud",
            proposed_by=coordinator,
        )
        saved(cls.part2_finding, by=coordinator, reason="Finding proposed")
        FindingEvent.objects.create(finding=cls.part2_finding, event=cls.part2_event)
        cls.part2_request = RecordRequest(
            case=case,
            agency=cls.part2_agency,
            record_types=["sud_treatment"],
            legal_basis="ofr_statute",
            window_start=date(2023, 3, 1),
            window_end=date(2025, 3, 1),
            requested_on=date(2025, 4, 1),
            outcome=RecordRequest.Outcome.RECEIVED,  # listed in the packets' records received
            answered_on=date(2025, 4, 20),
            created_by=coordinator,
        )
        saved(cls.part2_request, by=coordinator, reason="Record request added")
        cls.part2_document = text_document(
            case,
            title=T["part2_doc_title"],
            name=f"{T['part2_doc_name']}.txt",
            content=f"{T['part2_doc_file']} Intake assessment.\n",
            by=coordinator,
            document_type="sud_treatment",
            agency=cls.part2_agency,
            record_request=cls.part2_request,
            sensitivity="part2_sud",
        )

        # Other categories.
        cls.mh_event = TimelineEvent(
            case=case,
            date=date(2024, 10, 2),
            system="behavioral_health",
            touchpoint_type="mental_health_contact",
            description=f"{T['mh_event']} Crisis line call.",
            sensitivity="mental_health",
            created_by=coordinator,
        )
        saved(cls.mh_event, by=coordinator, reason="Touchpoint added")
        cls.le_event = TimelineEvent(
            case=case,
            date=date(2024, 9, 14),
            system="criminal_legal",
            touchpoint_type="arrest",
            description=f"{T['le_event']} Controlled buy.",
            sensitivity="le_investigative",
            agency=cls.sheriff,
            created_by=coordinator,
        )
        saved(cls.le_event, by=coordinator, reason="Touchpoint added")
        cls.nok_note = Note(
            case=case,
            author=cls.reviewer,  # the interviewer
            text=f"{T['nok_note']} The sister described the last week.",
            sensitivity="nok_interview",
        )
        saved(cls.nok_note, by=cls.reviewer, reason="Note added")
        cls.nok_document = text_document(
            case,
            title=T["nok_doc_title"],
            name=f"{T['nok_doc_name']}.txt",
            content=f"{T['nok_doc_file']} Interview transcript.\n",
            by=data_manager,
            document_type="nok_interview",
            sensitivity="nok_interview",
        )

        cls.build_nok_interview()

        # Saved unrestricted, then re-filed as Part 2: the canary lives on in history.
        cls.refiled_note = Note(case=case, author=coordinator, text=T["refiled_note"])
        saved(cls.refiled_note, by=coordinator, reason="Note added")
        cls.refiled_note.sensitivity = "part2_sud"
        saved(cls.refiled_note, by=coordinator, reason="Re-filed as Part 2")
        cls.refiled_document = text_document(
            case,
            title=T["refiled_doc_title"],
            name="refiled.txt",
            content="Re-filed document.\n",
            by=coordinator,
            document_type="other",
        )
        cls.refiled_document.sensitivity = "part2_sud"
        saved(cls.refiled_document, by=coordinator, reason="Re-filed as Part 2")

    @classmethod
    def build_nok_interview(cls) -> None:
        """The reviewer, a trained interviewer, interviewed the decedent's
        sister: canaries in every free-text field, the attempt's note and the
        signed consent form; one touchpoint extracted onto the timeline."""
        reviewer = cls.reviewer
        membership = reviewer.memberships.get(team=cls.team)
        membership.nok_interviewer = True
        saved(membership, by=cls.admin, reason="Trained as a next-of-kin interviewer")
        data = f"{T['nok_consent_file']} Signed by the sister.\n".encode()
        interview = NokInterview(
            case=cls.case,
            interviewer=reviewer,
            assigned_by=cls.coordinator,
            status=NokInterview.Status.INTERVIEWED,
            consent_name=T["nok_family_name"],
            consent_relationship=T["nok_relationship"],
            consent_kind="written",
            consent_on=date(2025, 5, 10),
            consent_original_name=f"{T['nok_consent_name']}.txt",
            consent_extension=".txt",
            consent_content_type="text/plain",
            consent_size=len(data),
            consent_sha256=hashlib.sha256(data).hexdigest(),
            interviewed_on=date(2025, 5, 20),
            mode="in_person",
            place=T["nok_place"],
            treatment_barriers="yes",
            notes=f"{T['nok_notes']} The sister described the detox waiting list.",
        )
        interview.consent_file.save("consent.txt", ContentFile(data), save=False)
        saved(interview, by=reviewer, reason="Interview recorded")
        cls.nok_interview = interview
        attempt = NokOutreachAttempt(
            interview=interview,
            date=date(2025, 5, 2),
            channel="phone",
            outcome="reached_agreed",
            note=T["nok_attempt_note"],
            recorded_by=reviewer,
        )
        saved(attempt, by=reviewer, reason="Outreach attempt recorded")
        cls.nok_touchpoint = TimelineEvent(
            case=cls.case,
            date=date(2025, 1, 5),
            system="sud_treatment",
            touchpoint_type="other",
            description=f"{T['nok_touchpoint']} Turned away from a detox bed.",
            from_nok_interview=interview,
            created_by=reviewer,
        )
        saved(cls.nok_touchpoint, by=reviewer, reason="Touchpoint from next-of-kin interview added")

    @classmethod
    def build_leak_people(cls) -> None:
        """The planned meeting's roster: the cast's facilitator, reviewer and
        officer (signed), plus the coordinator and the data manager (signed, for
        their packets), an unsigned member and two guests (one signed)."""
        meeting, coordinator = cls.meeting, cls.coordinator
        for user in (coordinator, cls.data_manager):
            attendance = Attendance.objects.create(meeting=meeting, user=user, added_by=coordinator)
            attendance.sign(typed_name=user.get_full_name(), confirmed=True)
        cls.unsigned_member = make_member("unsigned", cls.team, Role.MEMBER, cls.health)
        cls.committee = make_member("committee", cls.team, Role.GOVERNING_COMMITTEE, cls.health)
        Attendance.objects.create(meeting=meeting, user=cls.unsigned_member, added_by=coordinator)
        cls.signed_guest = make_user("guestsigned")
        attendance = Attendance.invite_guest(
            meeting, cls.signed_guest, kind="guest", by=coordinator
        )
        attendance.sign(typed_name=cls.signed_guest.get_full_name(), confirmed=True)
        cls.unsigned_guest = make_user("guestunsigned")
        Attendance.invite_guest(meeting, cls.unsigned_guest, kind="observer", by=coordinator)
        cls.agenda_item = meeting.agenda_items.get(case=cls.case)
        cls.reviewer_attendance = meeting.attendances.get(user=cls.reviewer)
        # Reminders go to those with an address.
        for user in (coordinator, cls.partner, cls.committee):
            user.email = f"{user.username}@example.org"
            user.save()

    @classmethod
    def build_deferred_case(cls) -> None:
        """A case reviewed at a closed earlier meeting (reviewer and officer
        signed), then deferred for an active investigation, holding the data
        manager's investigative touchpoint and document."""
        coordinator, data_manager = cls.coordinator, cls.data_manager
        case = Case(
            team=cls.team,
            reference="RIV-2025-002",
            summary=f"{T['defcase_summary']} Found in a car.",
            status=Case.Status.READY_FOR_REVIEW,
            created_by=coordinator,
        )
        case._history_user = coordinator
        case.save()
        cls.deferred_case = case
        case.death.date_of_death = date(2025, 5, 2)
        saved(case.death, by=coordinator, reason="Date of death")
        cls.closed_meeting = Meeting.objects.create(
            team=cls.team,
            title="Riverside case review, autumn",
            starts_at=datetime(2026, 10, 1, 14, 0, tzinfo=UTC),
            created_by=coordinator,
        )
        cls.deferred_agenda_item = AgendaItem.objects.create(
            meeting=cls.closed_meeting, case=case, position=1
        )
        for user in (cls.reviewer, cls.officer):
            attendance = Attendance.objects.create(
                meeting=cls.closed_meeting, user=user, added_by=coordinator
            )
            attendance.sign(typed_name=user.get_full_name(), confirmed=True)
        cls.deferred_le_event = TimelineEvent(
            case=case,
            date=date(2025, 4, 28),
            system="criminal_legal",
            touchpoint_type="arrest",
            description=f"{T['ledef_event']} Supplier identified.",
            sensitivity="le_investigative",
            agency=cls.sheriff,
            created_by=data_manager,
        )
        saved(cls.deferred_le_event, by=data_manager, reason="Touchpoint added")
        cls.deferred_le_document = text_document(
            case,
            title=T["ledef_doc_title"],
            name=f"{T['ledef_doc_name']}.txt",
            content=f"{T['ledef_doc_file']} Case file of the investigation.\n",
            by=data_manager,
            document_type="law_enforcement_report",
            agency=cls.sheriff,
            sensitivity="le_investigative",
        )
        for status in ("in_session", "adjourned", "closed"):
            cls.closed_meeting.move_to(status, by=coordinator)
        case.refresh_from_db()
        case.move_to("deferred", by=coordinator, deferral_reason="active_investigation")

    @classmethod
    def build_deferral_request(cls) -> None:
        """The officer asks the team to defer the main case (made directly: the
        case is already reviewed, where asking is refused)."""
        cls.deferral_request = DeferralRequest(
            case=cls.case,
            requested_by=cls.officer,
            reason="prosecution_pending",
            note=f"{T['deferral_note']} Charges expected.",
        )
        saved(cls.deferral_request, by=cls.officer, reason="Deferral asked")

    @classmethod
    def build_agreement(cls) -> None:
        """The team's agreement with the sheriff, expired last month (so it is
        in the renewal e-mail and on the coordinator's home page), with its
        signed file."""
        data = f"{T['agreement_file']} Signed by both parties.\n".encode()
        today = date.today()
        cls.agreement = DataSharingAgreement(
            team=cls.team,
            agency=cls.sheriff,
            record_types=["law_enforcement_report"],
            signed_on=today - timedelta(days=400),
            expires_on=today - timedelta(days=30),
            original_name=f"{T['agreement_name']}.txt",
            extension=".txt",
            content_type="text/plain",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        cls.agreement.file.save("signed.txt", ContentFile(data), save=False)
        cls.agreement._history_user = cls.coordinator
        cls.agreement._change_reason = "Data-sharing agreement recorded"
        cls.agreement.save()

    @classmethod
    def build_api_keys(cls) -> None:
        """Partner API keys: the health department's and the sheriff's (read
        and report), and the team's own (aggregates, case intake); their
        secrets by name."""
        scopes = {
            "health": [ApiKey.Scope.READ_RECOMMENDATIONS, ApiKey.Scope.POST_UPDATES],
            "sheriff": [ApiKey.Scope.READ_RECOMMENDATIONS, ApiKey.Scope.POST_UPDATES],
            "team": [ApiKey.Scope.READ_AGGREGATES, ApiKey.Scope.INTAKE_CASES],
        }
        cls.api_tokens = {}
        for name, agency in (("health", cls.health), ("sheriff", cls.sheriff), ("team", None)):
            key, cls.api_tokens[name] = ApiKey.issue(
                team=cls.team,
                agency=agency,
                name=f"{name} system",
                scopes=scopes[name],
                expires_on=date.today() + timedelta(days=30),
                by=cls.coordinator,
            )
            setattr(cls, f"{name}_api_key", key)
        cls.api_key = cls.health_api_key

    @classmethod
    def build_leak_recommendation(cls) -> None:
        """The cast's recommendation, behind it the Part 2 finding and the plain
        one (links with history), public, and overdue with an overdue task."""
        recommendation = cls.recommendation
        for finding in (cls.part2_finding, cls.finding):
            link = RecommendationFinding(recommendation=recommendation, finding=finding)
            link._history_user = cls.coordinator
            link.save()
        recommendation.due_on = date(2026, 1, 31)
        recommendation.public = True
        saved(recommendation, by=cls.coordinator, reason="Due date set")
        cls.task.due_on = date(2026, 2, 28)
        saved(cls.task, by=cls.coordinator, reason="Due date set")
        # A community resource the recommendation cites (services, no canary:
        # its pages must show none of the case canaries either).
        cls.community_resource = saved(
            CommunityResource(
                team=cls.team,
                kind="syringe_services",
                name="Riverside syringe services program",
                agency=cls.health,
                started_on=date(2024, 1, 1),
                notes="Mobile van twice a week.",
            ),
            by=cls.coordinator,
            reason="Community resource recorded",
        )
        link = RecommendationResource(
            recommendation=recommendation, resource=cls.community_resource
        )
        link._history_user = cls.coordinator
        link.save()

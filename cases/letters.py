"""The record-request letter: a template rendered to HTML, then to PDF by WeasyPrint.

WeasyPrint fetches nothing from the network or the file system: its URL
fetcher serves only the project's static files (the letter's stylesheet) and
refuses everything else. Decedent identifiers appear in the letter only for a
user who may see them.
"""

import mimetypes
import re
from posixpath import normpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from cases import valuesets as vs
from cases.models import RecordRequest
from cases.policy import CaseViewer, identifiers_for

# Relative URLs in the letter resolve against this origin, which is never
# fetched: the URL fetcher maps its static paths to files found by the
# staticfiles finders. ".invalid" cannot resolve in DNS (RFC 2606).
LETTER_ORIGIN = "https://ofr-letter.invalid"
TEMPLATE = "cases/records/letter.html"

LEGAL_BASIS_WORDS = {
    vs.LegalBasis.OFR_STATUTE: (
        "The review team is established under the state's overdose fatality review statute, "
        "which authorizes it to obtain records about a decedent from agencies and providers "
        "for the purpose of the review, and keeps the records confidential."
    ),
    vs.LegalBasis.PUBLIC_HEALTH_AUTHORITY: (
        "The review is a public-health activity of a public-health authority. A covered "
        "entity may disclose protected health information to it without authorization "
        "(45 CFR 164.512(b)(1)(i))."
    ),
    vs.LegalBasis.PERSONAL_REPRESENTATIVE_AUTHORIZATION: (
        "The decedent's personal representative has authorized this disclosure; a copy of "
        "the signed authorization accompanies this letter (45 CFR 164.502(g)(4) and 164.508)."
    ),
    vs.LegalBasis.COURT_ORDER: (
        "A court has ordered the disclosure of these records; a copy of the order accompanies "
        "this letter (45 CFR 164.512(e)(1)(i))."
    ),
}


class FetchRefused(ValueError):
    """WeasyPrint asked for something other than one of the project's static files."""


def static_prefix() -> str:
    """The path part of STATIC_URL, with leading and trailing slashes."""
    path = urlsplit(settings.STATIC_URL).path
    return "/" + path.strip("/") + "/"


def static_file_for(url: str) -> str:
    """The static file that `<LETTER_ORIGIN><STATIC_URL><path>` names; FetchRefused otherwise."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != LETTER_ORIGIN or parts.query or parts.fragment:
        raise FetchRefused(f"Refused to fetch {url!r}: only the project's static files.")
    prefix = static_prefix()
    if not parts.path.startswith(prefix):
        raise FetchRefused(f"Refused to fetch {url!r}: not a static file.")
    relative = unquote(parts.path[len(prefix) :])
    if not relative or relative.startswith("/") or normpath(relative) != relative:
        raise FetchRefused(f"Refused to fetch {url!r}: not a plain static path.")
    try:
        path = finders.find(relative)
    except SuspiciousFileOperation:
        path = None
    if not path:
        raise FetchRefused(f"Refused to fetch {url!r}: no such static file.")
    return path


class StaticFilesOnly(URLFetcher):
    """WeasyPrint's URL fetcher, narrowed to the project's static files: no
    network, no file://, no data:. A refused URL is skipped with a warning."""

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = static_file_for(url)
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def letter_context(record_request: RecordRequest, viewer: CaseViewer) -> dict:
    case = record_request.case
    record_types = record_request.record_types
    return {
        "record_request": record_request,
        "case": case,
        "team": case.team,
        "agency": record_request.agency,
        "today": timezone.localdate(),
        "static_prefix": static_prefix(),
        "legal_basis_label": record_request.get_legal_basis_display(),
        "legal_basis_words": LEGAL_BASIS_WORDS.get(record_request.legal_basis, ""),
        "record_type_labels": [vs.RecordType(code).label for code in record_types],
        "due_days": (
            case.team.health_care_record_due_days
            if record_request.is_health_care
            else case.team.agency_record_due_days
        ),
        "asks_part2": "part2_sud" in viewer.decide(record_request).categories,
        # None unless the user may see identifiers: then they are never even loaded.
        "identifiers": identifiers_for(case, viewer),
        "date_of_death": case.death.date_of_death if viewer.sees_identifiers else None,
        # The letter names the records asked for: Part 2 content when the policy says so.
        "part2_notice": viewer.decide(record_request).notice,
    }


def letter_html(record_request: RecordRequest, viewer: CaseViewer) -> str:
    """The letter as HTML, for the user who asks for it (their policy viewer)."""
    return render_to_string(TEMPLATE, letter_context(record_request, viewer))


def letter_pdf(record_request: RecordRequest, viewer: CaseViewer) -> bytes:
    html = letter_html(record_request, viewer)
    return HTML(
        string=html, base_url=LETTER_ORIGIN + "/", url_fetcher=StaticFilesOnly()
    ).write_pdf()


def letter_filename(record_request: RecordRequest) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", record_request.case.reference).strip("-")
    agency = slugify(record_request.agency.name)[:40].strip("-") or "agency"
    return f"request-{reference or 'case'}-{agency}.pdf"

"""The record-request letter: a template rendered to HTML, then to PDF.

The PDF is made by ofr/pdf.py, whose WeasyPrint fetches nothing from the
network or the file system, only the letter's stylesheet. Decedent identifiers
appear in the letter only for a user who may see them.

The letter's strings are marked for translation, but it is always rendered in
English: it goes to an outside agency, not to the person who prints it, so it
must not follow their language (docs/decisions.md, "Languages").
"""

import re

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cases import valuesets as vs
from cases.models import RecordRequest
from cases.policy import CaseViewer, identifiers_for
from ofr.pdf import render_pdf, static_prefix

TEMPLATE = "cases/records/letter.html"

LEGAL_BASIS_WORDS = {
    vs.LegalBasis.OFR_STATUTE: _(
        "The review team is established under the state's overdose fatality review statute, "
        "which authorizes it to obtain records about a decedent from agencies and providers "
        "for the purpose of the review, and keeps the records confidential."
    ),
    vs.LegalBasis.PUBLIC_HEALTH_AUTHORITY: _(
        "The review is a public-health activity of a public-health authority. A covered "
        "entity may disclose protected health information to it without authorization "
        "(45 CFR 164.512(b)(1)(i))."
    ),
    vs.LegalBasis.PERSONAL_REPRESENTATIVE_AUTHORIZATION: _(
        "The decedent's personal representative has authorized this disclosure; a copy of "
        "the signed authorization accompanies this letter (45 CFR 164.502(g)(4) and 164.508)."
    ),
    vs.LegalBasis.COURT_ORDER: _(
        "A court has ordered the disclosure of these records; a copy of the order accompanies "
        "this letter (45 CFR 164.512(e)(1)(i))."
    ),
}


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
    """The letter as HTML, for the user who asks for it (their policy viewer), in English."""
    with translation.override("en"):
        return render_to_string(TEMPLATE, letter_context(record_request, viewer))


def letter_pdf(record_request: RecordRequest, viewer: CaseViewer) -> bytes:
    return render_pdf(letter_html(record_request, viewer))[0]


def letter_filename(record_request: RecordRequest) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", record_request.case.reference).strip("-")
    agency = slugify(record_request.agency.name)[:40].strip("-") or "agency"
    return f"request-{reference or 'case'}-{agency}.pdf"

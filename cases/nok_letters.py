"""The next-of-kin outreach letter and the consent form, in English or Spanish,
as PDF (like cases/letters.py: ofr/pdf.py's WeasyPrint fetches nothing but the
stylesheet).

The templates' strings are marked for translation; the Spanish is the cases
app's own catalogue (cases/locale/es). The decedent's name is in the letter
only for a user who may see the team's identifiers."""

import re

from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import NokInterview
from cases.policy import CaseViewer, identifiers_for
from ofr.pdf import render_pdf, static_prefix

LANGUAGES = {"en": "English", "es": "Español"}
DOCUMENTS = {
    "letter": ("cases/nok/outreach_letter.html", "outreach-letter"),
    "consent": ("cases/nok/consent_form.html", "consent-form"),
}


def nok_document_html(kind: str, interview: NokInterview, viewer: CaseViewer, lang: str) -> str:
    template, _ = DOCUMENTS[kind]
    case = interview.case
    identifiers = identifiers_for(case, viewer)
    interviewer = interview.interviewer
    context = {
        "lang": lang,
        "team": case.team,
        "today": timezone.localdate(),
        "static_prefix": static_prefix(),
        "decedent_name": identifiers.legal_name if identifiers is not None else "",
        "interviewer_name": interviewer.get_full_name() or interviewer.username,
    }
    with translation.override(lang):
        return render_to_string(template, context)


def nok_document_pdf(kind: str, interview: NokInterview, viewer: CaseViewer, lang: str) -> bytes:
    return render_pdf(nok_document_html(kind, interview, viewer, lang))[0]


def nok_document_filename(kind: str, interview: NokInterview, lang: str) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]+", "-", interview.case.reference).strip("-")
    return f"{DOCUMENTS[kind][1]}-{reference or 'case'}-{lang}.pdf"

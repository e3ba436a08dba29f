"""Forms of facilitator mode: a quick finding and the minutes of one agenda case.

What is written during the meeting is non-identifying: the minutes (and a
quick finding's description) are refused when they contain a part of the
decedent's legal name or aliases, or the date of birth in a common format."""

import re
from datetime import date

from django import forms

from cases.concurrency import VersionedForm
from cases.forms.timeline import FindingForm
from cases.models import AgendaItem, DecedentIdentifiers

MONTHS = (
    "january february march april may june july august september october november december"
).split()


def _normalised(text: str) -> str:
    """Lower case, "15th" → "15", punctuation but / - . as spaces, single spaces."""
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.casefold())
    text = re.sub(r"[^\w/.-]+", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # a full stop, not a date separator
    return " ".join(text.split())


def date_forms(day: date) -> set[str]:
    """The ways people write a date: numeric (month or day first, padded or
    not, 2- or 4-digit year, / - or . between), ISO, and with the month named."""
    years = {str(day.year), f"{day.year % 100:02d}"}
    months = {str(day.month), f"{day.month:02d}"}
    days = {str(day.day), f"{day.day:02d}"}
    forms_ = {day.isoformat(), day.strftime("%Y/%m/%d")}
    for sep in "/-.":
        for y in years:
            for m in months:
                for d in days:
                    forms_ |= {f"{m}{sep}{d}{sep}{y}", f"{d}{sep}{m}{sep}{y}"}
    month = MONTHS[day.month - 1]
    for name in {month, month[:3]}:
        for d in days:
            forms_ |= {f"{d} {name} {day.year}", f"{name} {d} {day.year}"}
    return forms_


def name_parts(identifiers: DecedentIdentifiers) -> list[str]:
    """Each part of the legal name and aliases of three letters or more
    (as check_minutes in cases/models/meetings.py)."""
    return re.findall(r"[\w'-]{3,}", f"{identifiers.legal_name} {identifiers.aliases}")


def identifying_content(text: str, identifiers: DecedentIdentifiers | None) -> list[str]:
    """What in the text identifies the decedent ("name", "date of birth"),
    without saying which word it was."""
    if not text or identifiers is None:
        return []
    found = []
    folded = text.casefold()
    for part in name_parts(identifiers):
        if re.search(rf"\b{re.escape(part.casefold())}\b", folded):
            found.append("name")
            break
    if identifiers.date_of_birth:
        padded = f" {_normalised(text)} "
        for written in date_forms(identifiers.date_of_birth):
            if re.search(rf"(?<![\w/.-]){re.escape(written)}(?![\w/-]|\.\d)", padded):
                found.append("date of birth")
                break
    return found


def refuse_identifiers(text: str, identifiers: DecedentIdentifiers | None) -> None:
    found = identifying_content(text, identifiers)
    if found:
        raise forms.ValidationError(
            f"This contains the decedent's {' and '.join(found)}. "
            "Minutes and findings are non-identifying: leave out names and dates of birth."
        )


class QuickFindingForm(FindingForm):
    """The case page's finding form, with a "confirmed by the team" box for
    those who may confirm findings. Instance: Finding(case=case, proposed_by=user),
    the case carrying viewer_permissions."""

    confirmed = forms.BooleanField(
        label="Confirmed by the team",
        required=False,
        help_text="Tick when the team agreed on this finding in the meeting.",
    )

    def __init__(self, *args, identifiers: DecedentIdentifiers | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.identifiers = identifiers
        if "confirm_finding" not in self.instance.case.viewer_permissions:
            del self.fields["confirmed"]
        self.fields["description"].widget.attrs["rows"] = 3

    def clean_description(self) -> str:
        description = super().clean_description()
        refuse_identifiers(description, self.identifiers)
        return description


class DiscussionForm(VersionedForm):
    """The non-identifying minutes of one agenda case."""

    class Meta:
        model = AgendaItem
        fields = ["discussion_notes", "recommendation_ideas"]
        labels = {
            "discussion_notes": "Discussion notes",
            "recommendation_ideas": "Recommendation ideas",
        }
        widgets = {
            "discussion_notes": forms.Textarea(attrs={"rows": 6}),
            "recommendation_ideas": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, identifiers: DecedentIdentifiers | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.identifiers = identifiers

    def clean_discussion_notes(self) -> str:
        text = self.cleaned_data["discussion_notes"].strip()
        refuse_identifiers(text, self.identifiers)
        return text

    def clean_recommendation_ideas(self) -> str:
        text = self.cleaned_data["recommendation_ideas"].strip()
        refuse_identifiers(text, self.identifiers)
        return text

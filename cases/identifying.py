"""Does a text identify a decedent? Parts of legal names and aliases (three
letters or more, whole words) and dates of birth in the ways people write
them. Only matching: who may be told the answer is the confidentiality
policy's call (cases/policy.py TextGuard)."""

import re
from collections.abc import Iterable
from datetime import date

from cases.models import DecedentIdentifiers

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
    """Each part of the legal name and aliases of three letters or more."""
    return re.findall(r"[\w'-]{3,}", f"{identifiers.legal_name} {identifiers.aliases}")


def identifying_content(
    text: str, decedents: Iterable[DecedentIdentifiers], *, dates: bool = True
) -> list[str]:
    """What in the text identifies one of these decedents ("name", "date of
    birth"), without saying which word it was or whose. `dates=False` looks for
    names only (a whole team's decedents: dates of birth in every written form
    would cost too much for thousands of them)."""
    if not text:
        return []
    found = set()
    folded = text.casefold()
    padded = None
    for identifiers in decedents:
        if "name" not in found and any(
            re.search(rf"\b{re.escape(part.casefold())}\b", folded)
            for part in name_parts(identifiers)
        ):
            found.add("name")
        if dates and "date of birth" not in found and identifiers.date_of_birth:
            padded = padded or f" {_normalised(text)} "
            for written in date_forms(identifiers.date_of_birth):
                if re.search(rf"(?<![\w/.-]){re.escape(written)}(?![\w/-]|\.\d)", padded):
                    found.add("date of birth")
                    break
    return [what for what in ("name", "date of birth") if what in found]

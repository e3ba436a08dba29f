"""What a public summary's minutes may not hold, rule by rule.

A public-summary meeting is reported to the public, so its minutes speak of
deaths only in aggregate. meetings.models.check_minutes applies these rules
to every write of minutes (the model's clean, which the meeting form runs);
each rule returns the phrases it refuses, as typed or as compared, never
which case they matched.

The text is first made plain: compatibility forms (NFKC: full-width letters,
ligatures, non-breaking and other odd spaces), every dash as "-", invisible
characters (zero-width spaces and joiners, soft hyphens, word joiners) taken
out. Rules compare words case-blind and with punctuation between words
ignored unless said otherwise.

1. Case references: a reference of the team's, its letters and digits in
   order with anything but letters and digits between them ("riv 2026/004").
2. Dates: any full date (day and month, with or without a year; numeric
   dates need the year), in any common form; and a day and month without a
   year written as numbers with a slash ("3/12") when it is one of the
   team's dates of death. Month and year alone ("March 2025") are fine.
3. Decedent names: every run of two or three words (and two words with a comma
   between them the other way round, "Smith, John") looked up in the identifiers' blind index
   (cases.models.IdentifierLookup: full name, first and last name) of the
   team's cases. Single words are not looked up: surnames are common words.
4. An age with a place: in one sentence, an exact age ("34-year-old",
   "34 years old", "34yo", "aged 34"; not ranges such as "25- to 34-year-olds"
   or "aged 25-34") together with a place: one of the team's jurisdictions
   or a county named on its cases, a word before "County", "City",
   "Township" and the like, or a capitalised word after "from", "in",
   "near" or "at" (not a month or weekday).
5. Copied text: a run of 8 or more words identical to a run of the team's
   notes, findings, case summaries or meeting discussion notes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from cases.models import Case, DeathDetails, Decedent, Finding, IdentifierLookup, Note
from cases.models.sections import normal_name
from ofr.encryption import blind_indexes

COPIED_WORDS = 8  # the shortest run of words counted as copied
DECEDENT_NAME = "decedent_name"  # the code of a name refusal

INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:\d{4}|'?\d{2})"
NAMED_DATES = (
    # 3 March 2025, 3rd of March, 3 Mar. 25
    re.compile(rf"(?<![\w]){DAY}\s*(?:of\s+)?{MONTH}(?:\s*,?\s*{YEAR})?(?![\w])", re.I),
    # March 3, 2025; March 3rd; Mar 03 25 (not "March 2025": a year is four digits)
    re.compile(rf"(?<![\w]){MONTH}\s*{DAY}(?!\d)(?:\s*,?\s*{YEAR})?(?![\w])", re.I),
)
NUMERIC_DATE = re.compile(r"(?<![\w.])(\d{1,4})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{1,4})(?![\w])")
DAY_MONTH = re.compile(r"(?<![\w./-])(\d{1,2})\s*/\s*(\d{1,2})(?![\w]|[/.-]\d)")

AGE_PHRASES = (
    re.compile(r"(?<![\w-])(\d{1,3})\s*-?\s*(?:years?|yrs?)\s*-?\s*old(?![\w-])", re.I),
    re.compile(r"(?<![\w-])(\d{1,3})\s*-?\s*y/?o(?!\w)", re.I),
    re.compile(
        r"\b(?:aged?|age of)\s+(\d{1,3})(?![\w+])"
        r"(?!\s*(?:-|to|and|or|through)\s*\d)"  # a range: "aged 25-34"
        r"(?!\s*(?:\+|and\s+(?:over|older|up)))",  # "aged 65 and over"
        re.I,
    ),
)
RANGE_BEFORE = re.compile(r"\d\s*(?:-|to|and|or|through)\s*$", re.I)
PLACE_AFTER = re.compile(r"\b(?i:from|in|near|at)\s+([A-Z][\w'-]+)")
PLACE_BEFORE = re.compile(
    r"\b([\w'-]+)\s+(?:county|city|township|town|village|parish|borough)\b", re.I
)
NOT_PLACES = set(MONTHS) | WEEKDAYS | {"the", "a", "an", "his", "her", "their", "this", "that"}
LAST_COMMA_FIRST = re.compile(r"(?=(?<![\w'’-])([^\W\d_][\w'’-]*)\s*,\s*([^\W\d_][\w'’-]*))")
SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?;]+(?=\s|$)|\n+")


def plain(text: str) -> str:
    """The text as the rules read it (see the module's note)."""
    return unicodedata.normalize("NFKC", text).translate(INVISIBLE).translate(DASHES)


def words(text: str) -> list[str]:
    """Words, case-blind, with punctuation between them ignored."""
    return re.findall(r"[^\W_]+", plain(text).casefold())


# --- 1. Case references -------------------------------------------------------------


def case_references(text: str, references: Iterable[str]) -> list[str]:
    found = []
    for reference in references:
        parts = re.findall(r"[^\W\d_]+|\d+", plain(reference).casefold())
        if not parts:
            continue
        pattern = r"(?<![^\W_])" + r"[\W_]*".join(map(re.escape, parts)) + r"(?![^\W_])"
        match = re.search(pattern, text, re.I)
        if match:
            found.append(match.group(0))
    return found


# --- 2. Dates -----------------------------------------------------------------------


def is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year if year >= 100 else 2000 + year, month, day)
    except ValueError:
        return False
    return True


def full_dates(text: str, dates_of_death: Iterable[date]) -> list[str]:
    found = []
    for pattern in NAMED_DATES:
        for m in pattern.finditer(text):
            # "12 may have died" is no date: a lower-case "may" counts with a year only.
            if re.search(r"\bmay\b", m.group(0)) and not re.search(r"\d\d\s*$", m.group(0)):
                continue
            found.append(m.group(0).strip())
    for m in NUMERIC_DATE.finditer(text):
        a, b, c = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if len(m.group(1)) == 4:  # year first: 2025-03-12
            ok = is_date(a, b, c)
        elif len(m.group(4)) in (2, 4):  # month or day first, then the year
            ok = is_date(c, a, b) or is_date(c, b, a)
        else:
            ok = False
        if ok:
            found.append(m.group(0))
    deaths = {(d.month, d.day) for d in dates_of_death}
    if deaths:
        for m in DAY_MONTH.finditer(text):
            a, b = int(m.group(1)), int(m.group(2))
            if (a, b) in deaths or (b, a) in deaths:
                found.append(m.group(0))
    return found


# --- 3. Decedent names --------------------------------------------------------------


def name_phrases(text: str) -> set[str]:
    """Each run of two or three words, and each pair written "last, first" the
    other way round, as the identifiers' lookups normalise names."""
    tokens = normal_name(plain(text)).split()
    phrases = set()
    for size in (2, 3):
        for start in range(len(tokens) - size + 1):
            phrases.add(" ".join(tokens[start : start + size]))
    # "Smith, John": a last name, a comma, a first name.
    for m in LAST_COMMA_FIRST.finditer(plain(text)):
        phrases.add(normal_name(f"{m.group(2)} {m.group(1)}"))
    return phrases


def decedent_names(text: str, team_id: int) -> list[str]:
    kinds = (IdentifierLookup.Kind.FULL_NAME, IdentifierLookup.Kind.FIRST_LAST)
    known = set(
        IdentifierLookup.objects.filter(case__team_id=team_id, kind__in=kinds).values_list(
            "kind", "digest"
        )
    )
    if not known:
        return []
    found = []
    for phrase in sorted(name_phrases(text)):
        for kind in kinds:
            digests = blind_indexes(IdentifierLookup.purpose(kind), phrase)
            if any((kind, digest) in known for digest in digests):
                found.append(phrase)
                break
    return found


# --- 4. An age with a place ---------------------------------------------------------


def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text) if s.strip()]


def exact_ages(sentence: str) -> list[str]:
    found = []
    for pattern in AGE_PHRASES:
        for m in pattern.finditer(sentence):
            if RANGE_BEFORE.search(sentence[max(0, m.start() - 12) : m.start()]):
                continue  # "25- to 34-year-olds", "25 to 34 years old": a range
            found.append(m.group(0))
    return found


def places_in(sentence: str, team_places: set[str]) -> list[str]:
    found = []
    folded = f" {' '.join(words(sentence))} "
    found += [place for place in sorted(team_places) if f" {place} " in folded]
    for m in PLACE_AFTER.finditer(sentence):
        if m.group(1).casefold() not in NOT_PLACES:
            found.append(m.group(1))
    for m in PLACE_BEFORE.finditer(sentence):
        if m.group(1).casefold() not in NOT_PLACES | {"each", "every", "one", "per", "our"}:
            found.append(m.group(0))
    return found


def team_places(team_id: int) -> set[str]:
    """The team's jurisdictions (and those under them) and the counties its
    cases name, as words: "riverside county" and "riverside"."""
    from ofr.models import Jurisdiction

    names = set()
    frontier = set(Jurisdiction.objects.filter(teams=team_id).values_list("pk", flat=True))
    seen = set(frontier)
    while frontier:
        rows = list(Jurisdiction.objects.filter(pk__in=frontier).values_list("name", flat=True))
        names.update(rows)
        frontier = (
            set(Jurisdiction.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            - seen
        )
        seen |= frontier
    names.update(
        Decedent.objects.filter(case__team_id=team_id)
        .exclude(residence_county="")
        .values_list("residence_county", flat=True)
        .distinct()
    )
    for field in ("county_of_death", "county_of_injury"):
        names.update(
            DeathDetails.objects.filter(case__team_id=team_id)
            .exclude(**{field: ""})
            .values_list(field, flat=True)
            .distinct()
        )
    places = set()
    for name in names:
        spelled = " ".join(words(name))
        bare = re.sub(r"\s+(?:county|city|township|parish|borough)$", "", spelled)
        places |= {p for p in (spelled, bare) if p}
    return places


def ages_with_places(text: str, team_id: int) -> list[str]:
    found = []
    places = None
    for sentence in sentences(text):
        ages = exact_ages(sentence)
        if not ages:
            continue
        if places is None:
            places = team_places(team_id)
        where = places_in(sentence, places)
        if where:
            found.append(f"{ages[0]} … {where[0]}")
    return found


# --- 5. Copied text -----------------------------------------------------------------


def runs(text: str, size: int = COPIED_WORDS) -> dict[tuple[str, ...], int]:
    """Each run of `size` words, with where it starts."""
    tokens = words(text)
    return {tuple(tokens[i : i + size]): i for i in range(len(tokens) - size + 1)}


def team_texts(team_id: int) -> Iterable[str]:
    from meetings.models import AgendaItem

    yield from Note.objects.filter(case__team_id=team_id).values_list("text", flat=True).iterator()
    yield from Finding.objects.filter(case__team_id=team_id).values_list("description", flat=True)
    yield from (
        Case.objects.filter(team_id=team_id).exclude(summary="").values_list("summary", flat=True)
    )
    yield from (
        AgendaItem.objects.filter(meeting__team_id=team_id)
        .exclude(discussion_notes="")
        .values_list("discussion_notes", flat=True)
    )


def copied_text(text: str, team_id: int) -> list[str]:
    mine = runs(text)
    if not mine:
        return []
    tokens = words(text)
    copied_at = set()
    for source in team_texts(team_id):
        for run in runs(source).keys() & mine.keys():
            copied_at.add(mine[run])
    if not copied_at:
        return []
    # Overlapping runs make one passage: quote each passage once.
    passages, start, end = [], None, None
    for at in sorted(copied_at):
        if start is not None and at <= end:
            end = at + COPIED_WORDS
            continue
        if start is not None:
            passages.append(" ".join(tokens[start:end]))
        start, end = at, at + COPIED_WORDS
    passages.append(" ".join(tokens[start:end]))
    return passages


# --- All of them ----------------------------------------------------------------------


def public_summary_problems(minutes: str, team_id: int) -> list[ValidationError]:
    """Why these minutes may not be a public summary's (each phrase quoted), or [].
    Each error's code names its rule; DECEDENT_NAME lets the meeting form tell
    a writer who may not see identifiers less (cases.policy.TextGuard)."""
    text = plain(minutes)
    if not text.strip():
        return []
    problems = []

    def refuse(found: list[str], message: str, code: str, **params) -> None:
        """`message` is a whole sentence with %(phrases)s where the quoted phrases go."""
        if found:
            quoted = ", ".join(f"“{phrase}”" for phrase in dict.fromkeys(found))
            problems.append(ValidationError(message % {**params, "phrases": quoted}, code=code))

    references = Case.objects.filter(team_id=team_id).values_list("reference", flat=True)
    refuse(
        case_references(text, references),
        gettext(
            "A public summary cannot refer to a case. Report only aggregate, non-identifying "
            "facts: %(phrases)s."
        ),
        "case_reference",
    )
    dates_of_death = DeathDetails.objects.filter(
        case__team_id=team_id, date_of_death__isnull=False
    ).values_list("date_of_death", flat=True)
    refuse(
        full_dates(text, dates_of_death),
        gettext(
            "A public summary gives no day of the month: write the month and year only "
            "(e.g. “March 2025”): %(phrases)s."
        ),
        "full_date",
    )
    refuse(
        decedent_names(text, team_id),
        gettext("A public summary cannot name a decedent of the team: %(phrases)s."),
        DECEDENT_NAME,
    )
    refuse(
        ages_with_places(text, team_id),
        gettext(
            "A public summary cannot describe one person by age and place (an exact age in the "
            "same sentence as a place); give age groups or leave the place out: %(phrases)s."
        ),
        "age_with_place",
    )
    refuse(
        copied_text(text, team_id),
        gettext(
            "A public summary cannot repeat the team's case notes, findings or summaries "
            "(%(words)s or more words in a row are the same as one of them); "
            "summarise instead: %(phrases)s."
        ),
        "copied_text",
        words=COPIED_WORDS,
    )
    return problems

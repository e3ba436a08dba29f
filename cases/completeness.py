"""Data quality of the case file: how complete it is, which answers disagree
with each other (open data queries), and what each item's answer is under the
form version the case was reviewed under.

The items counted are the SUDORS-aligned ones, taken from the export tables so
that there is one list: every item of the circumstances form
(cases/exchange/fields.py) and every other item the SUDORS mapping
(cases/exchange/sudors.py MAPPING) reads. `item_answer` is the one reading of
an item that pages, counts and exports share.

Data queries are computed each time from the case file, not stored: they are
open while the answers disagree and gone once someone fixes them, so there is
no state to keep in step (docs/decisions.md "Data quality").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import valuesets as vs
from cases.exchange import sudors
from cases.exchange.fields import FIELDS, Field
from cases.formversions import FIRST_VERSION, current_version, version_of
from cases.models import Case
from cases.policy import CaseViewer, TimelineItem, identifiers_for, visible_timeline

# --- The items ------------------------------------------------------------------

ANSWERED = "answered"
UNKNOWN = "unknown"
NOT_COLLECTED = "not_collected"
NOT_IN_VERSION = "not_in_version"
NOT_APPLICABLE = "not_applicable"

# The sections of the case file an item may come from (identifiers never: they
# are read through the policy, and are not circumstances of the death).
ITEM_SECTIONS = ("decedent", "death", "circumstances")
MODEL_SECTIONS = {"Decedent": "decedent", "DeathDetails": "death", "Circumstances": "circumstances"}
TRISTATE_CODES = frozenset(vs.TriState.values)

# A follow-up item applies only when its parent is "yes"; the field table's
# branching logic says which parent, and naloxone doses follow naloxone too.
_BRANCHING = re.compile(r"^\[(\w+)\] = 'yes'$")
EXTRA_PARENTS = {"naloxone_doses": "naloxone_given"}


def _section_source(model_item: str) -> str:
    """ "Circumstances.sud_treatment_types (rehab)" -> "circumstances.sud_treatment_types"."""
    model, _, attribute = model_item.partition(".")
    return f"{MODEL_SECTIONS.get(model, '')}.{attribute.split(' ')[0]}"


@cache
def fields_by_name() -> dict[str, Field]:
    """Every item `item_answer` can read: the export fields of the case file's
    one-to-one sections (not identifiers, not repeating forms)."""
    return {f.name: f for f in FIELDS if f.form in ITEM_SECTIONS and f.has_data}


@cache
def item_for_source(source: str) -> str | None:
    """The item name of a section attribute ("circumstances.naloxone_administered")."""
    return next((f.name for f in fields_by_name().values() if f.source == source), None)


def item_for_model_item(model_item: str) -> str | None:
    """The item name of a SUDORS mapping entry ("Decedent.homeless")."""
    return item_for_source(_section_source(model_item))


@cache
def completeness_items() -> tuple[Field, ...]:
    """The SUDORS-aligned items, in the field table's order."""
    mapped = {_section_source(variable.item) for variable in sudors.MAPPING}
    return tuple(
        f for f in fields_by_name().values() if f.form == "circumstances" or f.source in mapped
    )


def parent_of(item: Field) -> str | None:
    match = _BRANCHING.match(item.branching)
    return match.group(1) if match else EXTRA_PARENTS.get(item.name)


@dataclass(frozen=True)
class Answer:
    """One item of one case: its state, raw value and how to show it."""

    item: str
    state: str
    value: object = None
    label: str = ""
    added_in: int | None = None

    @property
    def counts(self) -> bool:
        return self.state != NOT_APPLICABLE

    @property
    def question(self) -> str:
        return fields_by_name()[self.item].label


def _read(case: Case, item: Field):
    section, attribute = item.source.split(".", 1)
    return getattr(getattr(case, section), attribute)


def _value_label(item: Field, value) -> str:
    labels = dict(item.choices)
    if isinstance(value, list):
        return ", ".join(str(labels.get(code, code)) for code in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(labels.get(value, value))


def _state_of(item: Field, value) -> str:
    if value in (None, "", []):
        return NOT_COLLECTED
    if value == vs.TriState.NOT_COLLECTED and {c for c, _ in item.choices} == TRISTATE_CODES:
        return NOT_COLLECTED
    if value == "unknown" or value == ["unknown"]:
        return UNKNOWN
    return ANSWERED


def not_in_version_label(added_in: int) -> str:
    return gettext("Not collected (added in version %(version)s)") % {"version": added_in}


def item_answer(case: Case, item_name: str, *, version: int | None = None) -> Answer:
    """The answer of one item of the case file, as every page, count and export
    shows it: answered (yes/no or a value), unknown, not collected, not in the
    case's form version (newer than `version`, by default the version the case
    was reviewed under: whatever is stored is not an answer), or not applicable
    (a follow-up whose parent is not "yes", and that holds nothing)."""
    item = fields_by_name()[item_name]
    added_in = version_of(item_name)
    if added_in > (case.form_version if version is None else version):
        return Answer(item_name, NOT_IN_VERSION, None, not_in_version_label(added_in), added_in)
    value = _read(case, item)
    state = _state_of(item, value)
    if state == NOT_COLLECTED:
        parent = parent_of(item)
        if parent and _read(case, fields_by_name()[parent]) != vs.TriState.YES:
            return Answer(item_name, NOT_APPLICABLE, value, gettext("Not applicable"))
        return Answer(item_name, NOT_COLLECTED, value, gettext("Not collected"))
    if state == UNKNOWN:
        return Answer(item_name, UNKNOWN, value, gettext("Unknown"))
    return Answer(item_name, ANSWERED, value, _value_label(item, value))


def not_in_version(case: Case, source: str) -> int | None:
    """For a page showing a section attribute: the version that added its item
    when that is newer than the case's, else None."""
    name = item_for_source(source)
    # Items of the first version are in every case's: no need to read the case.
    if name is None or version_of(name) == FIRST_VERSION:
        return None
    answer = item_answer(case, name)
    return answer.added_in if answer.state == NOT_IN_VERSION else None


# --- Completeness -----------------------------------------------------------------


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass
class Tally:
    """Counts of answers. Items not in a case's version are counted apart and
    left out of the shares: nobody was asked them."""

    answered: int = 0
    unknown: int = 0
    not_collected: int = 0
    not_in_version: int = 0
    cases: int = 0

    def add(self, answer: Answer) -> None:
        if answer.state == ANSWERED:
            self.answered += 1
        elif answer.state == UNKNOWN:
            self.unknown += 1
        elif answer.state == NOT_COLLECTED:
            self.not_collected += 1
        elif answer.state == NOT_IN_VERSION:
            self.not_in_version += 1

    def merge(self, other: Tally) -> None:
        self.answered += other.answered
        self.unknown += other.unknown
        self.not_collected += other.not_collected
        self.not_in_version += other.not_in_version
        self.cases += other.cases

    @property
    def asked(self) -> int:
        return self.answered + self.unknown + self.not_collected

    @property
    def answered_percent(self) -> float:
        return percent(self.answered, self.asked)

    @property
    def unknown_percent(self) -> float:
        return percent(self.unknown, self.asked)

    @property
    def not_collected_percent(self) -> float:
        return percent(self.not_collected, self.asked)

    def not_collected_above(self, most_percent: int) -> bool:
        """Whether the not-collected share is above `most_percent` (exact, no rounding)."""
        return self.not_collected * 100 > most_percent * self.asked


@dataclass
class CaseCompleteness:
    case: Case
    answers: list[Answer]
    tally: Tally


def case_completeness(case: Case, *, version: int | None = None) -> CaseCompleteness:
    """Every SUDORS-aligned item of the case (not-applicable follow-ups left out)."""
    answers = [item_answer(case, item.name, version=version) for item in completeness_items()]
    answers = [answer for answer in answers if answer.counts]
    tally = Tally(cases=1)
    for answer in answers:
        tally.add(answer)
    return CaseCompleteness(case, answers, tally)


REVIEW_STATUSES = frozenset({Case.Status.REVIEWED, Case.Status.CLOSED})


def completeness_refusal(case: Case, status: str) -> str:
    """Why the case may not move to `status` for want of data, or "". Moving to
    reviewed counts under the current form version (the one the case will be
    reviewed under); closing, under the case's own."""
    if status not in REVIEW_STATUSES:
        return ""
    version = current_version() if status == Case.Status.REVIEWED else None
    tally = case_completeness(case, version=version).tally
    most = case.team.max_not_collected_percent
    if not tally.not_collected_above(most):
        return ""
    return gettext(
        "%(percent)s%% of the case file's items are not collected (%(not_collected)s of "
        "%(asked)s); the team allows at most %(most)s%% before a case is %(status)s."
    ) % {
        "percent": f"{tally.not_collected_percent:g}",
        "not_collected": tally.not_collected,
        "asked": tally.asked,
        "most": most,
        "status": Case.Status(status).label.lower(),
    }


def cases_blocked_by_completeness(team) -> list[Case]:
    """The team's cases ready for review or reviewed whose not-collected share
    is above the team's maximum: they cannot move on without more data or a
    coordinator's reason. For work queues; callers check who may see them."""
    waiting = {Case.Status.READY_FOR_REVIEW: Case.Status.REVIEWED}
    waiting[Case.Status.REVIEWED] = Case.Status.CLOSED
    cases = (
        Case.objects.filter(team=team, status__in=waiting)
        .select_related("team", "decedent", "death", "circumstances")
        .order_by("reference")
    )
    return [case for case in cases if completeness_refusal(case, waiting[case.status])]


@dataclass
class Breakdown:
    label: str
    tally: Tally = field(default_factory=Tally)


@dataclass
class TeamReport:
    cases: list[CaseCompleteness]
    overall: Tally
    by_item: list[tuple[Field, Tally]]
    by_month: list[Breakdown]
    by_meeting: list[Breakdown]
    most_not_collected: int
    over_threshold: int


def team_completeness(team, cases: QuerySet[Case]) -> TeamReport:
    """Completeness of `cases` (the team's cases the reader may see): overall,
    by item, by month of death and by meeting (cases on its agenda)."""
    cases = list(cases.select_related("team", "decedent", "death", "circumstances"))
    rows = [case_completeness(case) for case in cases]
    overall = Tally()
    by_item = {item.name: Tally() for item in completeness_items()}
    months: dict[date | None, Breakdown] = {}
    for row in rows:
        overall.merge(row.tally)
        for answer in row.answers:
            by_item[answer.item].add(answer)
        died = row.case.death.date_of_death
        month = died.replace(day=1) if died else None
        label = month.strftime("%B %Y") if month else gettext("Date of death not recorded")
        months.setdefault(month, Breakdown(label)).tally.merge(row.tally)
    for name, tally in by_item.items():
        tally.cases = sum(1 for row in rows if any(a.item == name for a in row.answers))
    ordered_months = sorted(months.items(), key=lambda kv: (kv[0] is None, kv[0] or date.min))
    return TeamReport(
        cases=rows,
        overall=overall,
        by_item=[(item, by_item[item.name]) for item in completeness_items()],
        by_month=[breakdown for _, breakdown in ordered_months],
        by_meeting=_by_meeting(rows),
        most_not_collected=team.max_not_collected_percent,
        over_threshold=sum(
            1 for row in rows if row.tally.not_collected_above(team.max_not_collected_percent)
        ),
    )


def _by_meeting(rows: list[CaseCompleteness]) -> list[Breakdown]:
    """One breakdown per meeting with some of the cases on its agenda, newest
    first (one query: the agenda is reached through the case's reverse link,
    the meetings app being above this one)."""
    by_pk = {row.case.pk: row for row in rows}
    links = (
        Case.objects.filter(pk__in=by_pk, agenda_items__isnull=False)
        .values_list(
            "pk",
            "agenda_items__meeting_id",
            "agenda_items__meeting__title",
            "agenda_items__meeting__starts_at",
        )
        .order_by("-agenda_items__meeting__starts_at", "agenda_items__meeting_id")
    )
    meetings: dict[int, Breakdown] = {}
    for case_pk, meeting_id, title, starts_at in links:
        day = timezone.localtime(starts_at).date().isoformat()
        breakdown = meetings.setdefault(meeting_id, Breakdown(f"{title} ({day})"))
        breakdown.tally.merge(by_pk[case_pk].tally)
    return list(meetings.values())


# --- Open data queries ------------------------------------------------------------

# Ages above this are queried: possible, but more often a typing slip.
OLDEST_PLAUSIBLE_AGE = 100


# data_queries reads the identifiers itself unless handed them.
READ = object()


@dataclass(frozen=True)
class DataQuery:
    rule: str
    message: str
    section: str  # the case page's section to fix it in


def _after_death(item: TimelineItem, died: date) -> bool:
    """Whether a touchpoint's date, at its precision, is after the death."""
    event = item.event
    if event.date_precision == vs.DatePrecision.YEAR:
        return event.date.year > died.year
    if event.date_precision == vs.DatePrecision.MONTH:
        return (event.date.year, event.date.month) > (died.year, died.month)
    return event.date > died


def _follow_up_queries(circumstances) -> list[DataQuery]:
    c, yes = circumstances, vs.TriState.YES
    found = []
    for parent, child, message in (
        (
            "naloxone_administered",
            "naloxone_administered_by",
            _("Naloxone administered is yes, but nobody is named as having given it."),
        ),
        (
            "bystander_present",
            "bystander_relationship",
            _("A bystander was present, but their relationship to the decedent is not recorded."),
        ),
        (
            "recent_release",
            "recent_release_from",
            _("Recent release is yes, but the kind of institution is not recorded."),
        ),
        (
            "current_sud_treatment",
            "sud_treatment_types",
            _("In SUD treatment is yes, but the kind of treatment is not recorded."),
        ),
        (
            "mental_health_diagnosis",
            "mental_health_diagnoses",
            _("Mental health diagnosis is yes, but no diagnosis is recorded."),
        ),
    ):
        if getattr(c, parent) == yes and not getattr(c, child):
            found.append(DataQuery(f"{child}_missing", str(message), "circumstances"))
    if c.naloxone_doses and c.naloxone_administered != yes:
        found.append(
            DataQuery(
                "naloxone_doses_without_naloxone",
                ngettext(
                    "%(doses)s naloxone dose recorded, but naloxone administered is %(answer)s.",
                    "%(doses)s naloxone doses recorded, but naloxone administered is %(answer)s.",
                    c.naloxone_doses,
                )
                % {
                    "doses": c.naloxone_doses,
                    "answer": c.get_naloxone_administered_display().lower(),
                },
                "circumstances",
            )
        )
    return found


def data_queries(
    case: Case,
    viewer: CaseViewer,
    *,
    timeline: list[TimelineItem] | None = None,
    identifiers=READ,
    with_identifiers: bool = True,
) -> list[DataQuery]:
    """The case's open data queries as this viewer may see them.

    A query about a touchpoint is asked of the touchpoint as the policy shows
    it (visible_timeline): one the viewer may not see raises no query for them,
    so a query never tells of Part 2, investigative or other restricted content.
    Queries on the date of birth are only for viewers who see identifiers
    (`with_identifiers` False leaves them out, e.g. on team lists, which
    do not read identifiers). A page that has read them (identifiers_for)
    passes them as `identifiers`."""
    found = _follow_up_queries(case.circumstances)
    died = case.death.date_of_death
    seen = case.death.date_last_seen_alive
    age = case.decedent.age_at_death
    if died and died > timezone.localdate():
        found.append(
            DataQuery("death_in_future", gettext("The date of death is in the future."), "death")
        )
    if died and seen and seen > died:
        found.append(
            DataQuery(
                "last_seen_after_death",
                gettext("The date last seen alive is after the date of death."),
                "death",
            )
        )
    if age is not None and age > OLDEST_PLAUSIBLE_AGE:
        found.append(
            DataQuery(
                "age_implausible",
                gettext("Age at death %(age)s is above %(oldest)s: check it.")
                % {"age": age, "oldest": OLDEST_PLAUSIBLE_AGE},
                "decedent",
            )
        )
    if not with_identifiers:
        identifiers = None
    elif identifiers is READ:
        identifiers = identifiers_for(case, viewer)
    born = identifiers.date_of_birth if identifiers is not None else None
    if born and died and born > died:
        found.append(
            DataQuery(
                "birth_after_death",
                gettext("The date of birth is after the date of death."),
                "decedent",
            )
        )
    elif born and died and age is not None:
        years = died.year - born.year - ((died.month, died.day) < (born.month, born.day))
        if years != age:
            found.append(
                DataQuery(
                    "age_disagrees",
                    gettext(
                        "Age at death is %(age)s, but the dates of birth and death give %(years)s."
                    )
                    % {"age": age, "years": years},
                    "decedent",
                )
            )
    if died:
        if timeline is None:
            timeline = visible_timeline(case, viewer)
        for item in timeline:
            if not item.restricted and _after_death(item, died):
                found.append(
                    DataQuery(
                        "touchpoint_after_death",
                        gettext(
                            "Touchpoint “%(label)s” (%(date)s) is dated after the date of death."
                        )
                        % {"label": item.label, "date": item.date_display},
                        "timeline",
                    )
                )
    return found


def cases_with_open_queries(cases, viewers: dict[int, CaseViewer]) -> list[tuple[Case, list]]:
    """(case, its queries) for each of `cases` with an open query, as its viewer
    (cases.access.viewers_for) sees it. Pass the cases with their sections and
    `timeline_events` (with agency) prefetched; identifiers are not read."""
    found = []
    for case in cases:
        viewer = viewers[case.pk]
        timeline = visible_timeline(case, viewer, notes=[], events=case.timeline_events.all())
        queries = data_queries(case, viewer, timeline=timeline, with_identifiers=False)
        if queries:
            found.append((case, queries))
    return found

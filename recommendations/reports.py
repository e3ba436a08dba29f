"""Case aggregates and the annual report, de-identified, with small-cell suppression.

Only coded fields are counted (year of death, county of residence, substance
class, manner, age group, sex, race and ethnicity, the SUDORS-aligned
circumstances, finding kind and system); never free text from cases. Every
table goes through recommendations/suppression.py with the team's threshold.
The annual report adds the team's recommendations with their status; their
statement and latest update narrative only where the team marked the
recommendation's narratives publishable, and only in the HTML and PDF: the
CSVs carry no free text at all.

Titles, notes and the row labels written here are marked for translation and
resolved when a report is built, in the language then active; a row label is
also the key cases are counted under, so every label of one report is resolved
in the same language. The dimension keys (DIMENSION_TITLES) stay English: they
are keys, never shown.

Aggregates are not filtered item by item (docs/decisions.md): a reviewed
death counts whatever its readers may open, since a suppressed count of coded
answers shows no one's record.
"""

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.functional import lazy
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import valuesets as vs
from cases.completeness import not_in_version, not_in_version_label
from cases.exchange.sudors import MAPPING as SUDORS_MAPPING
from cases.models import Case, Finding
from ofr.spreadsheets import neutralise
from recommendations import community
from recommendations.charts import Bar, bar_chart_svg
from recommendations.models import Recommendation
from recommendations.suppression import SuppressedTable, display, suppress, suppress_series

REVIEWED = (Case.Status.REVIEWED, Case.Status.CLOSED)
AGE_GROUPS = (
    (0, 17, _("Under 18")),
    (18, 24, _("18 to 24")),
    (25, 34, _("25 to 34")),
    (35, 44, _("35 to 44")),
    (45, 54, _("45 to 54")),
    (55, 64, _("55 to 64")),
    (65, 200, _("65 and over")),
)
UNKNOWN = _("Unknown")
MULTIPLE_SUBSTANCES = _("A death may involve more than one substance.")
YEARS_ON_A_PAGE = 5


def age_group(age: int | None) -> str:
    if age is None:
        return str(UNKNOWN)
    return str(next(label for low, high, label in AGE_GROUPS if low <= age <= high))


def race_ethnicity(decedent) -> str:
    if decedent.ethnicity == vs.Ethnicity.HISPANIC_LATINO:
        return gettext("Hispanic or Latino, any race")
    if not decedent.race or decedent.race == vs.Race.UNKNOWN:
        return str(UNKNOWN)
    return gettext("%(race)s, not Hispanic") % {"race": vs.Race(decedent.race).label}


def reviewed_cases(team) -> list[Case]:
    """The team's reviewed cases with a known date of death, with what the tables need."""
    return list(
        Case.objects.filter(team=team, status__in=REVIEWED, death__date_of_death__isnull=False)
        .select_related("decedent", "death", "circumstances")
        .prefetch_related("toxicology")
    )


def dimensions(case: Case) -> dict[str, list[str]]:
    """The labels a case counts under, per table (a death may involve several substances)."""
    decedent, death = case.decedent, case.death
    substances = sorted(
        {
            str(vs.SubstanceClass(vs.SUBSTANCE_CLASS[t.substance]).label)
            for t in case.toxicology.all()
            if t.substance in vs.SUBSTANCE_CLASS
        }
    )
    unknown = str(UNKNOWN)
    return {
        "County of residence": [decedent.residence_county.strip() or unknown],
        "Substances involved": substances or [unknown],
        "Manner of death": [death.get_manner_display() or unknown],
        "Age group": [age_group(decedent.age_at_death)],
        "Sex": [decedent.get_sex_display() or unknown],
        "Race and ethnicity": [race_ethnicity(decedent)],
    }


# --- SUDORS-aligned circumstances ---------------------------------------------------
# The categories are the case file's, exactly as cases/exchange/sudors.py exports
# them: yes / no / unknown / not collected for the yes-or-no items, the value sets
# for the lists. "Unknown" and "Not collected" are rows of their own, never "No".

TRISTATE_ROWS = tuple(str(label) for label in vs.TriState.labels)
NOT_COLLECTED = str(vs.TriState.NOT_COLLECTED.label)
YES = str(vs.TriState.YES.label)


# The "yes, but the details are not recorded" rows, whole sentences for a translator.
NALOXONE_BY_UNRECORDED = _("Yes, by whom not recorded")
RELEASED_FROM_UNRECORDED = _("Yes, from where not recorded")


def _yes_rows(choices, unrecorded) -> tuple[str, ...]:
    """A yes-or-no item with a list of details: "Yes: <detail>" rows, then
    `unrecorded` ("Yes, <detail> not recorded"), then the other answers."""
    return (
        *(f"{YES}: {label}" for label in choices.labels),
        unrecorded,
        *(label for label in TRISTATE_ROWS if label != YES),
    )


@dataclass(frozen=True)
class SudorsItem:
    key: str
    title: str  # "Reviewed deaths by <title>"
    fields: tuple[str, ...]  # the Circumstances fields it reads
    rows: tuple[str, ...]  # every category, in order
    note: str = ""

    @property
    def sudors_variable(self) -> str:
        """The SUDORS variable the export maps the item to, if a cited source names one."""
        items = {f"Circumstances.{name}" for name in self.fields}
        return next((v.name for v in SUDORS_MAPPING if v.item in items), "")


SUDORS_ITEMS = (
    SudorsItem(
        "bystander_present",
        "Potential bystander present",
        ("bystander_present",),
        TRISTATE_ROWS,
    ),
    SudorsItem(
        "naloxone",
        "Naloxone administered, and by whom",
        ("naloxone_administered", "naloxone_administered_by"),
        _yes_rows(vs.NaloxoneAdministeredBy, NALOXONE_BY_UNRECORDED),
        _("A death counts under each who gave naloxone."),
    ),
    SudorsItem(
        "route_of_use",
        "Route of use",
        ("route_of_use",),
        (*(str(label) for label in vs.RouteOfUse.labels), NOT_COLLECTED),
        _(
            'A death counts under each route. "No route reported" is the SUDORS answer when '
            'the records name no route; "Not collected" means the item was not filled in.'
        ),
    ),
    SudorsItem(
        "recent_release",
        "Recent release from jail, prison or treatment",
        ("recent_release", "recent_release_from"),
        _yes_rows(vs.InstitutionType, RELEASED_FROM_UNRECORDED),
        _("A death counts under each institution released from."),
    ),
    SudorsItem(
        "prior_overdose",
        "Prior overdose in the past year",
        ("prior_overdose_past_year",),
        TRISTATE_ROWS,
    ),
)
SUDORS_BY_KEY = {item.key: item for item in SUDORS_ITEMS}


def _labels(choices, codes) -> list[str]:
    known = dict(choices.choices)
    return list(dict.fromkeys(str(known[code]) for code in codes if code in known))


def _tristate(answer: str) -> str:
    """The answer's label; a blank or unknown code (data from before the field's
    choices) counts as not collected, never as no."""
    return str(dict(vs.TriState.choices).get(answer, NOT_COLLECTED))


def _yes_with(answer: str, details: list[str], unrecorded) -> list[str]:
    if answer != vs.TriState.YES:
        return [_tristate(answer)]
    return [f"{YES}: {label}" for label in details] or [str(unrecorded)]


def answer_of(case: Case, item: str) -> list[str]:
    """The rows of SUDORS item `item` (a key of SUDORS_BY_KEY) that the case counts
    under: the one place a case's answer is read, so that a rule about what a
    case's form version collected is applied here alone."""
    added_in = [
        version
        for name in SUDORS_BY_KEY[item].fields
        if (version := not_in_version(case, f"circumstances.{name}"))
    ]
    if added_in:
        # Whatever is stored there was never asked of this case: not an answer.
        return [not_in_version_label(max(added_in))]
    circumstances = case.circumstances
    if item == "bystander_present":
        return [_tristate(circumstances.bystander_present)]
    if item == "naloxone":
        by = _labels(vs.NaloxoneAdministeredBy, circumstances.naloxone_administered_by)
        return _yes_with(circumstances.naloxone_administered, by, NALOXONE_BY_UNRECORDED)
    if item == "route_of_use":
        return _labels(vs.RouteOfUse, circumstances.route_of_use) or [NOT_COLLECTED]
    if item == "recent_release":
        places = _labels(vs.InstitutionType, circumstances.recent_release_from)
        return _yes_with(circumstances.recent_release, places, RELEASED_FROM_UNRECORDED)
    if item == "prior_overdose":
        return [_tristate(circumstances.prior_overdose_past_year)]
    raise KeyError(item)


def sudors_note(item: SudorsItem) -> str:
    variable = item.sudors_variable
    source = (
        gettext("SUDORS variable %(variable)s.") % {"variable": variable}
        if variable
        else gettext("No SUDORS variable name is cited for this item (docs/sudors-mapping.md).")
    )
    return " ".join(str(part) for part in (item.note, source) if part)


# Each dimension's table titles: (the annual report's, by year of death's).
DIMENSION_TITLES = {
    "County of residence": (
        _("Reviewed deaths by county of residence"),
        _("Reviewed deaths by county of residence and year of death"),
    ),
    "Substances involved": (
        _("Reviewed deaths by substances involved"),
        _("Reviewed deaths by substances involved and year of death"),
    ),
    "Manner of death": (
        _("Reviewed deaths by manner of death"),
        _("Reviewed deaths by manner of death and year of death"),
    ),
    "Age group": (
        _("Reviewed deaths by age group"),
        _("Reviewed deaths by age group and year of death"),
    ),
    "Sex": (
        _("Reviewed deaths by sex"),
        _("Reviewed deaths by sex and year of death"),
    ),
    "Race and ethnicity": (
        _("Reviewed deaths by race and ethnicity"),
        _("Reviewed deaths by race and ethnicity and year of death"),
    ),
    "Potential bystander present": (
        _("Reviewed deaths by potential bystander present"),
        _("Reviewed deaths by potential bystander present and year of death"),
    ),
    "Naloxone administered, and by whom": (
        _("Reviewed deaths by naloxone administered, and by whom"),
        _("Reviewed deaths by naloxone administered, and by whom and year of death"),
    ),
    "Route of use": (
        _("Reviewed deaths by route of use"),
        _("Reviewed deaths by route of use and year of death"),
    ),
    "Recent release from jail, prison or treatment": (
        _("Reviewed deaths by recent release from jail, prison or treatment"),
        _("Reviewed deaths by recent release from jail, prison or treatment and year of death"),
    ),
    "Prior overdose in the past year": (
        _("Reviewed deaths by prior overdose in the past year"),
        _("Reviewed deaths by prior overdose in the past year and year of death"),
    ),
}


def _title(dimension: str, *, by_year: bool = False) -> str:
    titles = DIMENSION_TITLES.get(dimension)
    if titles:
        return str(titles[by_year])
    by = f"Reviewed deaths by {dimension.lower()}"  # a dimension without titles yet
    return f"{by} and year of death" if by_year else by


ORDER = {"Age group": [label for _low, _high, label in AGE_GROUPS] + [UNKNOWN]}
# SUDORS items list every category, counted or not.
FULL_ROWS = {item.title: list(item.rows) for item in SUDORS_ITEMS}
NOTES = {
    "Substances involved": MULTIPLE_SUBSTANCES,
    **{item.title: lazy(sudors_note, str)(item) for item in SUDORS_ITEMS},
}


def case_labels(case: Case) -> dict[str, list[str]]:
    """Every dimension a case counts under: demographics, death, substances and the
    SUDORS-aligned circumstances."""
    return {
        **dimensions(case),
        **{item.title: answer_of(case, item.key) for item in SUDORS_ITEMS},
    }


def _row_order(title: str, labels) -> list[str]:
    # The lists hold lazy labels: resolved here, in the report's language.
    if title in FULL_ROWS:
        full = [str(label) for label in FULL_ROWS[title]]
        # Then "Not collected (added in version N)" rows, when cases have them.
        return full + sorted(set(labels) - set(full))
    known = [str(label) for label in ORDER.get(title, [])]
    if known:
        return [label for label in known if label in labels]
    unknown = str(UNKNOWN)
    return sorted(labels, key=lambda label: (label == unknown, label))


@dataclass(frozen=True)
class ReportTable:
    title: str
    table: SuppressedTable
    note: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @cached_property
    def chart_svg(self) -> str:
        """A bar chart of a one-column table (suppressed counts are empty bars marked
        "*"); none for a cross table, which its table shows better."""
        if len(self.table.column_labels) != 1:
            return ""
        bars = [
            Bar(label, cells[0].value or 0, text=display(cells[0]))
            for label, cells, _ in self.table.rows
        ]
        return bar_chart_svg(self.title, bars, chart_id=f"chart-{self.slug}")


def _series(title: str, counter: Counter, threshold: int, *, full_title: str = "") -> ReportTable:
    rows = _row_order(title, set(counter))
    return ReportTable(
        title=full_title or _title(title),
        table=suppress_series([counter[r] for r in rows], rows, gettext("Deaths"), threshold),
        note=str(NOTES.get(title, "")),
    )


def aggregates_by_year(team, years: list[int]) -> list[ReportTable]:
    """Reviewed cases by each dimension (rows) and year of death (columns)."""
    cases = [c for c in reviewed_cases(team) if c.death.date_of_death.year in years]
    counts: dict[str, Counter] = {}
    for case in cases:
        year = case.death.date_of_death.year
        for title, labels in case_labels(case).items():
            for label in labels:
                counts.setdefault(title, Counter())[(label, year)] += 1
    tables = []
    for title, counter in counts.items():
        rows = _row_order(title, {label for label, _ in counter})
        grid = [[counter[(row, year)] for year in years] for row in rows]
        tables.append(
            ReportTable(
                title=_title(title, by_year=True),
                table=suppress(grid, rows, [str(y) for y in years], team.small_cell_threshold),
                note=str(NOTES.get(title, "")),
            )
        )
    return tables


def county_by_substance(cases: list[Case], threshold: int) -> ReportTable | None:
    """County of residence (rows) by substance class (columns)."""
    counts: Counter = Counter()
    for case in cases:
        labels = dimensions(case)
        for county in labels["County of residence"]:
            for substance in labels["Substances involved"]:
                counts[(county, substance)] += 1
    if not counts:
        return None
    counties = _row_order("County of residence", {county for county, _ in counts})
    present = {substance for _, substance in counts}
    classes = [str(label) for label in vs.SubstanceClass.labels]
    columns = [label for label in [*classes, str(UNKNOWN)] if label in present]
    return ReportTable(
        title=gettext("Reviewed deaths by county of residence and substance class"),
        table=suppress(
            [[counts[(county, column)] for column in columns] for county in counties],
            counties,
            columns,
            threshold,
        ),
        note=" ".join(
            (
                str(MULTIPLE_SUBSTANCES),
                gettext(
                    "A death counts in each substance class it involves, "
                    "so a county's total counts substances, not deaths."
                ),
            )
        ),
    )


def findings_by_system_and_kind(cases: list[Case], threshold: int) -> ReportTable | None:
    """Active findings of the cases: system (rows) by kind (columns)."""
    findings = Counter(
        Finding.objects.filter(case__in=cases).active().values_list("system", "kind")
    )
    if not findings:
        return None
    systems = [code for code in vs.TouchpointSystem.values if any(s == code for s, _ in findings)]
    kinds = vs.FindingKind.values
    return ReportTable(
        title=gettext("Findings by system and kind"),
        table=suppress(
            [[findings[(system, kind)] for kind in kinds] for system in systems],
            [str(vs.TouchpointSystem(system).label) for system in systems],
            [str(vs.FindingKind(kind).label) for kind in kinds],
            threshold,
        ),
        note=gettext(
            "Proposed and confirmed findings of the year's reviewed deaths, counted by "
            "their coded system and kind only."
        ),
    )


@dataclass(frozen=True)
class RecommendationEntry:
    recommendation: Recommendation
    latest: object  # the latest ProgressUpdate, or None
    updates: int

    @property
    def publishable(self) -> bool:
        return self.recommendation.publishable


@dataclass(frozen=True)
class AnnualReport:
    team: object
    year: int
    deaths: int
    tables: list[ReportTable]
    findings: ReportTable | None
    recommendations: list[RecommendationEntry]
    footnote: str
    county_substance: ReportTable | None = None
    sudors: list[ReportTable] = field(default_factory=list)
    community: list = field(default_factory=list)  # community.KindCount, see community_services

    @property
    def case_tables(self) -> list[ReportTable]:
        """Every table of counts, in the order the report prints them."""
        return [
            *self.tables,
            *([self.county_substance] if self.county_substance else []),
            *self.sudors,
            *([self.findings] if self.findings else []),
        ]


def team_recommendations(team) -> list[RecommendationEntry]:
    entries = []
    for recommendation in (
        Recommendation.objects.filter(team=team)
        .select_related("lead_agency")
        .prefetch_related("updates")
        .order_by("status", "title")
    ):
        updates = sorted(recommendation.updates.all(), key=lambda u: (u.reported_on, u.pk))
        entries.append(
            RecommendationEntry(recommendation, updates[-1] if updates else None, len(updates))
        )
    return entries


def annual_report(team, year: int) -> AnnualReport:
    cases = [c for c in reviewed_cases(team) if c.death.date_of_death.year == year]
    threshold = team.small_cell_threshold
    per_dimension: dict[str, Counter] = {}
    for case in cases:
        for title, labels in case_labels(case).items():
            per_dimension.setdefault(title, Counter()).update(labels)
    sudors_titles = {item.title for item in SUDORS_ITEMS}
    tables = [
        _series(title, counter, threshold)
        for title, counter in per_dimension.items()
        if title not in sudors_titles
    ]
    sudors = [
        _series(item.title, per_dimension[item.title], threshold)
        for item in SUDORS_ITEMS
        if item.title in per_dimension
    ]
    return AnnualReport(
        team=team,
        year=year,
        deaths=len(cases),
        tables=tables,
        findings=findings_by_system_and_kind(cases, threshold),
        recommendations=team_recommendations(team),
        footnote=tables[0].table.footnote if tables else "",
        county_substance=county_by_substance(cases, threshold),
        sudors=sudors,
        community=community_services(team, year),
    )


def community_services(team, year: int) -> list:
    """ "Community services in <year>": the team's resources active in the year,
    counted by kind. Not suppressed: they count services, not people."""
    return community.counts_by_kind(team, year)


@dataclass(frozen=True)
class MultiYearReport:
    team: object
    years: list[int]
    tables: list[ReportTable]

    @property
    def footnote(self) -> str:
        return self.tables[0].table.footnote if self.tables else ""


def multi_year_report(team, last_year: int, span: int = YEARS_ON_A_PAGE) -> MultiYearReport:
    """Every dimension by year of death, for the `span` years ending with `last_year`."""
    years = list(range(last_year - span + 1, last_year + 1))
    return MultiYearReport(team=team, years=years, tables=aggregates_by_year(team, years))


# --- CSV: counts and codes only -------------------------------------------------------
# No free text reaches a CSV: no case text, no recommendation title, statement or
# update narrative (those are in the HTML and PDF, and only when publishable).
# A machine format: its headers are not marked, and the views build the report
# for a CSV in English whatever the reader's language.


def _csv_writer(out: io.StringIO) -> Callable[..., None]:
    writer = csv.writer(out)

    def row(*values) -> None:
        writer.writerow([neutralise(v) for v in values])

    return row


def _write_table(row: Callable[..., None], part: ReportTable) -> None:
    row()
    row(part.title)
    table = part.table
    row("", *table.column_labels, "Total")
    for label, cells, total in table.rows:
        row(label, *(display(c) for c in cells), display(total))
    row("Total", *(display(c) for c in table.column_totals), display(table.grand_total))
    if part.note:
        row(part.note)


def annual_report_csv(report: AnnualReport) -> str:
    out = io.StringIO()
    row = _csv_writer(out)
    row(f"{report.team.name}: annual report {report.year}")
    row("Reviewed deaths", display_count(report))
    for part in report.case_tables:
        _write_table(row, part)
    if report.community:
        row()
        row(f"Community services in {report.year} (active resources, by kind)")
        for entry in report.community:
            row(entry.label, entry.count)
    row()
    row("Recommendations (titles, statements and updates are in the PDF)")
    row("Category", "Level", "Lead agency", "Status", "Adopted", "Due", "Updates", "Latest update")
    for entry in report.recommendations:
        recommendation, update = entry.recommendation, entry.latest
        row(
            recommendation.get_category_display(),
            recommendation.get_level_display(),
            recommendation.lead_agency.name if recommendation.lead_agency else "",
            recommendation.get_status_display(),
            recommendation.adopted_on or "",
            recommendation.due_on or "",
            entry.updates,
            update.reported_on if update else "",
        )
    if report.footnote:
        row()
        row(report.footnote)
    return out.getvalue()


def multi_year_csv(report: MultiYearReport) -> str:
    out = io.StringIO()
    row = _csv_writer(out)
    row(f"{report.team.name}: reviewed deaths by year, {report.years[0]} to {report.years[-1]}")
    for part in report.tables:
        _write_table(row, part)
    if report.footnote:
        row()
        row(report.footnote)
    return out.getvalue()


def display_count(report: AnnualReport) -> str:
    """The number of reviewed deaths, itself suppressed when small."""
    threshold = report.team.small_cell_threshold
    return "*" if 0 < report.deaths < threshold else str(report.deaths)

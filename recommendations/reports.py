"""Case aggregates and the annual report, de-identified, with small-cell suppression.

Only coded fields are counted (year of death, county of residence, substance
class, manner, age group, sex, race and ethnicity, finding kind and system);
never free text from cases. Every table goes through recommendations/suppression.py
with the team's threshold. The annual report adds the team's recommendations
with their status and latest update (recommendation text, never case text).
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass

from cases import valuesets as vs
from cases.models import Case, Finding
from ofr.spreadsheets import neutralise
from recommendations.models import Recommendation
from recommendations.suppression import SuppressedTable, display, suppress, suppress_series

REVIEWED = (Case.Status.REVIEWED, Case.Status.CLOSED)
AGE_GROUPS = (
    (0, 17, "Under 18"),
    (18, 24, "18 to 24"),
    (25, 34, "25 to 34"),
    (35, 44, "35 to 44"),
    (45, 54, "45 to 54"),
    (55, 64, "55 to 64"),
    (65, 200, "65 and over"),
)
UNKNOWN = "Unknown"


def age_group(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    return next(label for low, high, label in AGE_GROUPS if low <= age <= high)


def race_ethnicity(decedent) -> str:
    if decedent.ethnicity == vs.Ethnicity.HISPANIC_LATINO:
        return "Hispanic or Latino, any race"
    if not decedent.race or decedent.race == vs.Race.UNKNOWN:
        return UNKNOWN
    return f"{vs.Race(decedent.race).label}, not Hispanic"


def reviewed_cases(team) -> list[Case]:
    """The team's reviewed cases with a known date of death, with what the tables need."""
    return list(
        Case.objects.filter(team=team, status__in=REVIEWED, death__date_of_death__isnull=False)
        .select_related("decedent", "death")
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
    return {
        "County of residence": [decedent.residence_county.strip() or UNKNOWN],
        "Substances involved": substances or [UNKNOWN],
        "Manner of death": [death.get_manner_display() or UNKNOWN],
        "Age group": [age_group(decedent.age_at_death)],
        "Sex": [decedent.get_sex_display() or UNKNOWN],
        "Race and ethnicity": [race_ethnicity(decedent)],
    }


ORDER = {"Age group": [label for _, _, label in AGE_GROUPS] + [UNKNOWN]}


def _row_order(title: str, labels) -> list[str]:
    known = ORDER.get(title)
    if known:
        return [label for label in known if label in labels]
    return sorted(labels, key=lambda label: (label == UNKNOWN, label))


@dataclass(frozen=True)
class ReportTable:
    title: str
    table: SuppressedTable
    note: str = ""


def aggregates_by_year(team, years: list[int]) -> list[ReportTable]:
    """Reviewed cases by each dimension (rows) and year of death (columns)."""
    cases = [c for c in reviewed_cases(team) if c.death.date_of_death.year in years]
    counts: dict[str, Counter] = {}
    for case in cases:
        year = case.death.date_of_death.year
        for title, labels in dimensions(case).items():
            for label in labels:
                counts.setdefault(title, Counter())[(label, year)] += 1
    tables = []
    for title, counter in counts.items():
        rows = _row_order(title, {label for label, _ in counter})
        grid = [[counter[(row, year)] for year in years] for row in rows]
        tables.append(
            ReportTable(
                title=f"Reviewed deaths by {title.lower()} and year of death",
                table=suppress(grid, rows, [str(y) for y in years], team.small_cell_threshold),
                note="A death may involve more than one substance."
                if title == "Substances involved"
                else "",
            )
        )
    return tables


@dataclass(frozen=True)
class AnnualReport:
    team: object
    year: int
    deaths: int
    tables: list[ReportTable]
    findings: ReportTable | None
    recommendations: list[tuple[Recommendation, object]]  # (recommendation, latest update)
    footnote: str


def annual_report(team, year: int) -> AnnualReport:
    cases = [c for c in reviewed_cases(team) if c.death.date_of_death.year == year]
    threshold = team.small_cell_threshold
    tables = []
    per_dimension: dict[str, Counter] = {}
    for case in cases:
        for title, labels in dimensions(case).items():
            per_dimension.setdefault(title, Counter()).update(labels)
    for title, counter in per_dimension.items():
        rows = _row_order(title, set(counter))
        tables.append(
            ReportTable(
                title=f"Reviewed deaths by {title.lower()}",
                table=suppress_series([counter[r] for r in rows], rows, "Deaths", threshold),
                note="A death may involve more than one substance."
                if title == "Substances involved"
                else "",
            )
        )
    findings = Counter(
        (f.get_kind_display(), f.get_system_display())
        for f in Finding.objects.filter(case__in=cases).active()
    )
    findings_table = None
    if findings:
        kinds = sorted({kind for kind, _ in findings})
        systems = sorted({system for _, system in findings})
        findings_table = ReportTable(
            title="Findings by kind and system",
            table=suppress(
                [[findings[(k, s)] for s in systems] for k in kinds], kinds, systems, threshold
            ),
        )
    recommendations = []
    for recommendation in (
        Recommendation.objects.filter(team=team)
        .select_related("lead_agency")
        .prefetch_related("updates")
        .order_by("status", "title")
    ):
        updates = sorted(recommendation.updates.all(), key=lambda u: (u.reported_on, u.pk))
        recommendations.append((recommendation, updates[-1] if updates else None))
    return AnnualReport(
        team=team,
        year=year,
        deaths=len(cases),
        tables=tables,
        findings=findings_table,
        recommendations=recommendations,
        footnote=tables[0].table.footnote if tables else "",
    )


def annual_report_csv(report: AnnualReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*values) -> None:
        writer.writerow([neutralise(v) for v in values])

    row(f"{report.team.name}: annual report {report.year}")
    row("Reviewed deaths", display_count(report))
    for part in [*report.tables, *([report.findings] if report.findings else [])]:
        row()
        row(part.title)
        table = part.table
        row("", *table.column_labels, "Total")
        for label, cells, total in table.rows:
            row(label, *(display(c) for c in cells), display(total))
        row("Total", *(display(c) for c in table.column_totals), display(table.grand_total))
        if part.note:
            row(part.note)
    row()
    row("Recommendations")
    row("Title", "Category", "Lead agency", "Status", "Due", "Latest update", "Update")
    for recommendation, update in report.recommendations:
        row(
            recommendation.title,
            recommendation.get_category_display(),
            recommendation.lead_agency.name if recommendation.lead_agency else "",
            recommendation.get_status_display(),
            recommendation.due_on or "",
            update.reported_on if update else "",
            update.narrative if update else "",
        )
    if report.footnote:
        row()
        row(report.footnote)
    return out.getvalue()


def display_count(report: AnnualReport) -> str:
    """The number of reviewed deaths, itself suppressed when small."""
    threshold = report.team.small_cell_threshold
    return "*" if 0 < report.deaths < threshold else str(report.deaths)

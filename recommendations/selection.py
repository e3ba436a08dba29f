"""The case-selection report: what became of the team's candidate deaths.

Every case of the team is a candidate death. Each is counted once, by its
status today, in the quarter of its date of death (not of the decision):
selected (on to review, whatever stage it has reached since), excluded by
reason, deferred by reason, or still awaiting a decision. Only coded fields
are read (status, reason codes, the date of death's year and quarter): no
reference, name, exact date or free text ever reaches the report.

Who reads it and whether small counts are suppressed is recommendations/access.py's
call (selection_report_team_for_user); suppression goes through
recommendations/suppression.py with the team's threshold.
"""

import csv
import io
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import ExtractQuarter
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import valuesets as vs
from cases.models import Case
from ofr.models import Team
from ofr.spreadsheets import neutralise
from recommendations.suppression import Cell, Reason, SuppressedTable, display, suppress

QUARTERS = (_("Jan–Mar"), _("Apr–Jun"), _("Jul–Sep"), _("Oct–Dec"))
SELECTED_STATUSES = frozenset(
    {
        Case.Status.SELECTED,
        Case.Status.RECORDS_REQUESTED,
        Case.Status.SUMMARY_IN_PREPARATION,
        Case.Status.READY_FOR_REVIEW,
        Case.Status.REVIEWED,
        Case.Status.CLOSED,
    }
)
AWAITING_STATUSES = frozenset({Case.Status.IDENTIFIED, Case.Status.AWAITING_INFORMATION})
NO_REASON = _("reason not recorded")


@dataclass(frozen=True)
class Outcome:
    """One row of the report: an outcome and, for exclusions and deferrals, its reason."""

    key: tuple[str, str]  # (status group, reason code)
    label: str


def outcome_rows(counts: dict) -> list[Outcome]:
    """The report's rows, in a fixed order; a "reason not recorded" row only
    when some case lacks its reason (older data)."""
    excluded, deferred = gettext("Excluded: %(reason)s"), gettext("Deferred: %(reason)s")
    rows = [Outcome(("selected", ""), gettext("Selected for review"))]
    rows += [
        Outcome(("excluded", r.value), excluded % {"reason": r.label}) for r in vs.ExclusionReason
    ]
    if any(key == ("excluded", "") for key, _quarter in counts):
        rows.append(Outcome(("excluded", ""), excluded % {"reason": NO_REASON}))
    rows += [
        Outcome(("deferred", r.value), deferred % {"reason": r.label}) for r in vs.DeferralReason
    ]
    if any(key == ("deferred", "") for key, _quarter in counts):
        rows.append(Outcome(("deferred", ""), deferred % {"reason": NO_REASON}))
    rows.append(Outcome(("awaiting", ""), gettext("Awaiting a decision")))
    return rows


def outcome_of(status: str, exclusion_reason: str, deferral_reason: str) -> tuple[str, str]:
    if status == Case.Status.EXCLUDED:
        known = exclusion_reason in vs.ExclusionReason.values
        return ("excluded", exclusion_reason if known else "")
    if status == Case.Status.DEFERRED:
        known = deferral_reason in vs.DeferralReason.values
        return ("deferred", deferral_reason if known else "")
    if status in SELECTED_STATUSES:
        return ("selected", "")
    return ("awaiting", "")


@dataclass(frozen=True)
class SelectionReport:
    team: Team
    year: int
    table: SuppressedTable
    undated: Cell  # the team's cases with no date of death, of any year
    suppressed: bool  # small counts hidden (the reader has no case access)

    @property
    def footnote(self) -> str:
        return self.table.footnote if self.suppressed else ""


def selection_report(team: Team, year: int, *, suppressed: bool) -> SelectionReport:
    """Two queries: the counts by quarter and outcome, and the undated cases."""
    rows = (
        Case.objects.filter(team=team, death__date_of_death__year=year)
        .annotate(quarter=ExtractQuarter("death__date_of_death"))
        .values_list("quarter", "status", "exclusion_reason", "deferral_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[tuple[str, str], int], int] = {}
    for quarter, status, exclusion, deferral, n in rows:
        key = (outcome_of(status, exclusion, deferral), quarter)
        counts[key] = counts.get(key, 0) + n
    outcomes = outcome_rows(counts)
    grid = [[counts.get((o.key, q), 0) for q in range(1, 5)] for o in outcomes]
    # Threshold 1 hides nothing: the team's own roles see every count.
    threshold = team.small_cell_threshold if suppressed else 1
    quarters = [str(quarter) for quarter in QUARTERS]  # in the report's language
    table = suppress(grid, [o.label for o in outcomes], quarters, threshold)
    undated = Case.objects.filter(team=team, death__date_of_death__isnull=True).count()
    # Apart from the table and its totals: primary suppression is enough.
    undated_cell = Cell(undated) if not 0 < undated < threshold else Cell(None, Reason.PRIMARY)
    return SelectionReport(team, year, table, undated_cell, suppressed)


def selection_report_csv(report: SelectionReport) -> str:
    """The report's figures as CSV: labels and counts only, every cell neutralised.
    A machine format: its own headers are not marked (the view builds it in English)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*values) -> None:
        writer.writerow([neutralise(v) for v in values])

    row(f"{report.team.name}: case selection {report.year}")
    row("Candidate deaths by outcome and quarter of the date of death; outcome as of today")
    row()
    table = report.table
    row("Outcome", *table.column_labels, "Total")
    for label, cells, total in table.rows:
        row(label, *(display(c) for c in cells), display(total))
    row(
        "All candidate deaths",
        *(display(c) for c in table.column_totals),
        display(table.grand_total),
    )
    row()
    row("Candidate deaths with no date of death recorded (any year)", display(report.undated))
    if report.footnote:
        row()
        row(report.footnote)
    return out.getvalue()

"""Dashboard figures: counts by status, category and lead-agency sector, overdue,
implemented in the last twelve months, and a roll-up by team. Recommendations
only: no case data goes into a dashboard."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from ofr.roles import Sector
from recommendations.charts import Bar, bar_chart_svg
from recommendations.models import Category, ProgressUpdate, Recommendation, Status


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    svg: str


@dataclass(frozen=True)
class TeamRow:
    team: object
    total: int
    open: int
    overdue: int
    implemented_last_year: int


@dataclass(frozen=True)
class Dashboard:
    total: int
    open: int
    overdue: int
    implemented_last_year: int
    charts: list[Chart]
    teams: list[TeamRow]


def chart(title: str, counts: Counter, labels: list[tuple[str, str]], chart_id: str) -> Chart:
    bars = [Bar(label, counts[value]) for value, label in labels if counts[value]]
    return Chart(title, bars, bar_chart_svg(title, bars, chart_id=chart_id))


def build_dashboard(recommendations: list[Recommendation], today: date) -> Dashboard:
    """`recommendations` with team and lead_agency loaded (two queries in all here)."""
    since = today - timedelta(days=365)
    implemented = set(
        ProgressUpdate.objects.filter(
            recommendation__in=[r.pk for r in recommendations],
            new_status=Status.IMPLEMENTED,
            reported_on__gte=since,
        ).values_list("recommendation_id", flat=True)
    )
    recent = {r.pk for r in recommendations if r.pk in implemented}
    sectors = Counter(r.lead_agency.sector if r.lead_agency else "none" for r in recommendations)
    teams: dict[int, list[Recommendation]] = {}
    for r in recommendations:
        teams.setdefault(r.team_id, []).append(r)
    return Dashboard(
        total=len(recommendations),
        open=sum(1 for r in recommendations if not r.is_closed),
        overdue=sum(1 for r in recommendations if r.is_overdue(today)),
        implemented_last_year=len(recent),
        charts=[
            chart(
                "Recommendations by status",
                Counter(r.status for r in recommendations),
                Status.choices,
                "chart-status",
            ),
            chart(
                "Recommendations by category",
                Counter(r.category for r in recommendations),
                Category.choices,
                "chart-category",
            ),
            chart(
                "Recommendations by lead agency's sector",
                sectors,
                [*Sector.choices, ("none", "No lead agency yet")],
                "chart-sector",
            ),
        ],
        teams=[
            TeamRow(
                team=rows[0].team,
                total=len(rows),
                open=sum(1 for r in rows if not r.is_closed),
                overdue=sum(1 for r in rows if r.is_overdue(today)),
                implemented_last_year=sum(1 for r in rows if r.pk in recent),
            )
            for rows in sorted(teams.values(), key=lambda rows: rows[0].team.name)
        ],
    )

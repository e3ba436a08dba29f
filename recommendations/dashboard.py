"""Dashboard figures: counts by status, category and lead-agency sector, overdue,
implemented in the last twelve months, a roll-up by team, and the tracking
table (each recommendation's lead agency, status, due date and last update,
filtered and sorted on the server). Recommendations only: no case data goes
into a dashboard.

Every figure is a SQL aggregate over the recommendations the reader may see, so
the page costs the same few queries however many there are, and every figure
links to the list filtered to exactly the recommendations it counts."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ofr.models import Agency, Team
from recommendations.charts import Bar, bar_chart_svg
from recommendations.forms import TrackingForm
from recommendations.models import (
    NO_LEAD_AGENCY,
    SECTOR_CHOICES,
    Category,
    ProgressUpdate,
    Recommendation,
    Status,
    implemented_in_last_year_condition,
    open_condition,
    overdue_condition,
)


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    url: str


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    svg: str


@dataclass(frozen=True)
class TeamRow:
    name: str
    figures: list[Figure]


@dataclass(frozen=True)
class Dashboard:
    figures: list[Figure]
    charts: list[Chart]
    teams: list[TeamRow]


# The key figures, in order: their aggregate's key, label, and the list's filter for them.
FIGURES = {
    "total": (_("recommendations"), {}),
    "open": (_("open"), {"open": "1"}),
    "overdue": (_("overdue"), {"overdue": "1"}),
    "implemented": (_("implemented in the last 12 months"), {"implemented": "1"}),
}


def list_url(**filters: str) -> str:
    url = reverse("recommendations:list")
    return f"{url}?{urlencode(filters)}" if filters else url


def counts(today: date) -> dict[str, Count]:
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=open_condition()),
        "overdue": Count("pk", filter=overdue_condition(today)),
        "implemented": Count("pk", filter=implemented_in_last_year_condition(today)),
    }


def figures(row: dict, scope: dict[str, str]) -> list[Figure]:
    return [
        Figure(label, row[key], list_url(**scope, **filters))
        for key, (label, filters) in FIGURES.items()
    ]


def chart(
    title: str,
    scoped: QuerySet[Recommendation],
    group: F | Coalesce,
    labels: list[tuple[str, str]],
    param: str,
    scope: dict[str, str],
) -> Chart:
    """`scoped` counted by `group`, a bar per value found, each linking to the
    list filtered by `param`."""
    found = dict(scoped.values_list(group).annotate(Count("pk")).order_by())
    bars = [
        Bar(label, found[value], list_url(**scope, **{param: value}))
        for value, label in labels
        if found.get(value)
    ]
    return Chart(title, bars, bar_chart_svg(title, bars, chart_id=f"chart-{param}"))


def build_dashboard(visible: QuerySet[Recommendation], today: date, team: Team | None) -> Dashboard:
    """`visible` is recommendation_rows_for_user(); `team`, one of its teams or
    None for all. Five queries."""
    scoped = visible if team is None else visible.filter(team=team)
    scope = {"team": str(team.code)} if team else {}
    by_team = (
        scoped.values("team__code", "team__name").annotate(**counts(today)).order_by("team__name")
    )
    return Dashboard(
        figures=figures(scoped.aggregate(**counts(today)), scope),
        charts=[
            chart(
                gettext("Recommendations by status"),
                scoped,
                F("status"),
                Status.choices,
                "status",
                scope,
            ),
            chart(
                gettext("Recommendations by category"),
                scoped,
                F("category"),
                Category.choices,
                "category",
                scope,
            ),
            chart(
                gettext("Recommendations by lead agency's sector"),
                scoped,
                Coalesce("lead_agency__sector", Value(NO_LEAD_AGENCY)),
                SECTOR_CHOICES,
                "sector",
                scope,
            ),
        ],
        teams=[
            TeamRow(row["team__name"], figures(row, {"team": str(row["team__code"])}))
            for row in by_team
        ],
    )


TRACKING_PER_PAGE = 50


@dataclass(frozen=True)
class Tracking:
    form: TrackingForm
    page: Page
    query_string: str


def tracking_rows(scoped: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """`scoped` with what the table shows and sorts by: the date of the newest
    progress update, and the status's place in the lifecycle (Status order)."""
    newest = ProgressUpdate.objects.filter(recommendation=OuterRef("pk")).order_by(
        "-reported_on", "-id"
    )
    return scoped.select_related("team", "lead_agency").annotate(
        last_update=Subquery(newest.values("reported_on")[:1]),
        status_order=Case(
            *(When(status=value, then=Value(i)) for i, value in enumerate(Status.values)),
            output_field=IntegerField(),
        ),
    )


def build_tracking(
    visible: QuerySet[Recommendation], today: date, team: Team | None, teams: list[Team], query
) -> Tracking:
    """The tracking table over `visible` (recommendation_rows_for_user()), one
    team's when `team` (one of `teams`) is given, filtered and sorted by
    `query` (invalid values dropped). Three queries: the lead agencies to
    filter by, the count, the page."""
    scoped = visible if team is None else visible.filter(team=team)
    leads = list(Agency.objects.filter(pk__in=scoped.values("lead_agency_id")).order_by("name"))
    form = TrackingForm.from_query(query, leads=leads, teams=teams)
    rows = form.apply(tracking_rows(scoped), today)
    page = Paginator(rows, TRACKING_PER_PAGE).get_page(query.get("page"))
    return Tracking(form, page, form.query_string())

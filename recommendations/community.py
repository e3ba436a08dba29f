"""Community context: the local services a team records per year (naloxone
distribution, MOUD providers, syringe services...), their counts by kind for
the annual report and their CSV.

A resource has the dates it ran, and belongs to every year they span
(CommunityResource.objects.active_in). These are services, not people: their
counts are never suppressed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import Count

from ofr.spreadsheets import neutralise
from recommendations.models import CommunityResource, ResourceKind


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


def resources_of(team, year: int):
    """The team's resources active in `year`, by kind and name, agency read along."""
    return (
        CommunityResource.objects.filter(team=team)
        .active_in(year)
        .select_related("agency")
        .order_by("kind", "name", "id")
    )


def counts_by_kind(team, year: int) -> list[KindCount]:
    """How many of the team's resources were active in `year`, for each kind
    that had any, in the order of ResourceKind. No small-count suppression:
    these count services, not people."""
    counts = dict(
        CommunityResource.objects.filter(team=team)
        .active_in(year)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return [
        KindCount(kind, label, counts[kind])
        for kind, label in ResourceKind.choices
        if kind in counts
    ]


def counts_by_kind_of(resources) -> list[KindCount]:
    """counts_by_kind over resources already read (the list page's)."""
    counts: dict[str, int] = {}
    for resource in resources:
        counts[resource.kind] = counts.get(resource.kind, 0) + 1
    return [
        KindCount(kind, label, counts[kind])
        for kind, label in ResourceKind.choices
        if kind in counts
    ]


CSV_COLUMNS = ("Kind", "Name", "Provider agency", "Area served", "Started on", "Ended on", "Source")


def resources_csv(team, year: int, resources) -> str:
    """The year's resources, one a row. Names, agency, area and source are public
    information; the notes stay on the page (free text never goes to a CSV)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*values) -> None:
        writer.writerow([neutralise(v) for v in values])

    row(f"{team.name}: community context {year}")
    row(*CSV_COLUMNS)
    for resource in resources:
        row(
            resource.get_kind_display(),
            resource.name,
            resource.agency.name if resource.agency else "",
            resource.area_served,
            resource.started_on,
            resource.ended_on or "",
            resource.source,
        )
    return out.getvalue()

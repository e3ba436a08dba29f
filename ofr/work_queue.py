"""The coordinator's work queue on the home page: what is outstanding on the
teams they coordinate, in counts, each linking to the list that shows it.

The rows come from the apps' template tags (cases, meetings, recommendations),
as the home page's cards do: ofr, below every app, knows none of them. This
module holds what they share."""

from dataclasses import dataclass, field

from ofr.access import active_memberships
from ofr.roles import WORK_QUEUE_ROLES


@dataclass(frozen=True)
class QueueRow:
    label: str
    count: int
    url: str
    # A stable name for the row (its id on the page, and for tests).
    key: str
    details: list[str] = field(default_factory=list)


def coordinated_team_ids(user) -> set[int]:
    """The teams whose work queue the person sees (ofr/roles.py WORK_QUEUE_ROLES)."""
    return {m.team_id for m in active_memberships(user) if m.role in WORK_QUEUE_ROLES}

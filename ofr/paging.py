"""Pages of long lists.

CappedPaginator: Django's paginator, counting no further than a cap.

keyset_page: pages of rows that the confidentiality policy filters in Python.

A page number and a total would need every row decided first, and the total
would count what the policy hides. So these pages go by key instead: the rows
after the last one shown (`?after=<date>.<id>`), fetched in chunks in the
queryset's order until a page and one more are kept. The cost follows the page,
not the table, and nothing tells how many rows were left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

PAGE_SIZE = 50
COUNT_CAP = 5000


class CappedPaginator(Paginator):
    """A paginator whose count stops at `cap` rows. Counting every visible row
    costs as much as the list is long (80 ms for 100,000 cases, each checked
    against the user's grants); counting to the cap costs at most the cap.
    Beyond it, `capped` is true and the pages stop there: the list's search
    and sorting reach the rest."""

    def __init__(self, object_list, per_page, cap: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next_after: str  # the key for the next page's link; "" on the last page
    is_first: bool


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    keep: Callable[[list], list],
    after: str = "",
    size: int = PAGE_SIZE,
) -> KeysetPage:
    """The `size` rows after the key `after`, ordered by (`field`, id) and
    passed through `keep` (the rows the viewer may see). An unreadable key
    gives the first page."""
    ordered = queryset.order_by(field, "pk")
    key = _parse(queryset.model, field, after)
    rows: list = []
    # A page and one more (is there a next page?); more only as the policy hides rows.
    chunk_size = size + 1
    cursor = ordered if key is None else ordered.filter(_after(field, *key))
    while len(rows) <= size:
        chunk = list(cursor[:chunk_size])
        rows += keep(chunk)
        if len(chunk) < chunk_size:
            break
        last = chunk[-1]
        cursor = ordered.filter(_after(field, getattr(last, field), last.pk))
        chunk_size = size * 4
    page = rows[:size]
    more = len(rows) > size
    next_after = f"{getattr(page[-1], field).isoformat()}.{page[-1].pk}" if more else ""
    return KeysetPage(rows=page, next_after=next_after, is_first=key is None)


def _after(field: str, value, pk) -> Q:
    return Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk})


def _parse(model, field: str, after: str):
    value, _, pk = after.rpartition(".")
    if not value or not pk.isdigit():
        return None
    try:
        parsed = model._meta.get_field(field).to_python(value)
    except ValidationError:
        return None
    return (parsed, int(pk)) if parsed is not None else None

"""Small-cell suppression for published aggregate tables (domain notes D6).

A table is a grid of counts (say, reviewed deaths by county and year) published with
its row totals, column totals and grand total. `suppress()` decides which figures to
hide; `display()` gives the text to print for one of them.

The table and its margins are treated as one extended grid: the row totals are an
extra column, the column totals an extra row, and the grand total sits in the corner.
Every row and every column of that grid is an additive relation (its members sum to
its last member), so the same rules apply to cells, margins and the grand total alike.

Rules:

1. Primary suppression. Any figure from 1 to threshold - 1 (1 to 9 by default) is
   hidden, totals included. A zero is shown: a true zero says nothing about a person
   (CDC WONDER shows zeros too). Threshold 1 hides nothing.
2. No lone suppression. A relation with exactly one hidden member gives that member
   away by subtraction, so another member is hidden as a complement.
3. No small hidden sum. When a relation's total is shown, the sum of its hidden members
   can be worked out; if that sum is itself from 1 to threshold - 1 (two hidden cells
   of 3 and 4 beside a shown total), another member is hidden.
4. No recovery by combining relations. Rule 2 alone is not enough: two closed blocks of
   hidden cells joined by one hidden cell let a reader add up some rows, take away some
   columns and get that cell. Hidden figures are edges of a graph between rows and
   columns; a figure can be solved for exactly when its edge is a bridge (it lies on no
   cycle). Each bridge gets a complement that closes a cycle through it.

Rules are applied one complement at a time, in that order (2, then 3, then 4, each
scanning rows top to bottom and then columns left to right), until none applies.

Choosing a complement, best first:
- a non-zero figure (hiding a zero protects less, so zeros are used only when nothing
  else is left; rule 3 never uses one);
- for rules 2 and 3, a figure whose crossing relation already has exactly one hidden
  member (one complement fixes two relations), then one whose crossing relation already
  has two or more (nothing new to fix), then one that starts a new lone suppression;
- the smallest value;
- a cell before a row or column total, and those before the grand total;
- the first in reading order.

Known limits: the greedy choice is not the smallest possible suppression pattern, and
only exact recovery is prevented. A reader who also uses the fact that counts are never
negative can still narrow a hidden figure to a range (no interval audit is done), and
sums of hidden figures across several relations are not checked against the threshold.

A one-column table works as a two-dimensional one whose row totals repeat the cells;
`suppress_series()` builds it from a plain list of counts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from django.utils.translation import gettext, gettext_lazy

DEFAULT_THRESHOLD = 10
SUPPRESSED_MARK = "*"


class Reason(StrEnum):
    SHOWN = ""
    PRIMARY = "primary"
    COMPLEMENTARY = "complementary"


@dataclass(frozen=True)
class Cell:
    """One published figure: its value, or None when it is suppressed."""

    value: int | None
    reason: Reason = Reason.SHOWN

    @property
    def suppressed(self) -> bool:
        return self.reason != Reason.SHOWN


class Row(NamedTuple):
    label: str
    cells: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True)
class SuppressedTable:
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    grand_total: Cell
    threshold: int

    @property
    def rows(self) -> tuple[Row, ...]:
        """Each row's label, cells and total, for looping over in a template."""
        return tuple(map(Row, self.row_labels, self.cells, self.row_totals))

    @property
    def footnote(self) -> str:
        return footnote(self.threshold)


def display(cell: Cell) -> str:
    """The text to print: the count, or the suppression mark.

    The mark never says "<10": a complementary cell may hold 25.
    """
    return SUPPRESSED_MARK if cell.suppressed else f"{cell.value:,}"


def footnote(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The note explaining the mark; empty when the threshold hides nothing."""
    if threshold <= 1:
        return ""
    if threshold == 2:
        note = gettext(
            "%(mark)s Counts of 1 are suppressed, and other cells as needed "
            "so that they cannot be worked out from the totals."
        )
    else:
        note = gettext(
            "%(mark)s Counts from 1 to %(highest)s are suppressed, and other cells as needed "
            "so that they cannot be worked out from the totals."
        )
    return note % {"mark": SUPPRESSED_MARK, "highest": threshold - 1}


def suppress(
    counts: Sequence[Sequence[int]],
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
) -> SuppressedTable:
    """Apply primary and complementary suppression to a table of counts and its totals.

    Raises ValueError for a threshold below 1, labels that do not match the counts,
    ragged rows, or counts that are negative or not whole numbers.
    """
    _validate(counts, row_labels, column_labels, threshold)
    grid = [[*row, sum(row)] for row in counts]
    grid.append([sum(row[j] for row in grid) for j in range(len(column_labels) + 1)])
    reasons = _Pattern(grid, threshold).reasons()

    def cell(i: int, j: int) -> Cell:
        reason = reasons[i][j]
        return Cell(grid[i][j] if reason == Reason.SHOWN else None, reason)

    last_row, last_column = len(grid) - 1, len(grid[0]) - 1
    return SuppressedTable(
        row_labels=tuple(row_labels),
        column_labels=tuple(column_labels),
        cells=tuple(tuple(cell(i, j) for j in range(last_column)) for i in range(last_row)),
        row_totals=tuple(cell(i, last_column) for i in range(last_row)),
        column_totals=tuple(cell(last_row, j) for j in range(last_column)),
        grand_total=cell(last_row, last_column),
        threshold=threshold,
    )


def suppress_series(
    counts: Sequence[int],
    labels: Sequence[str],
    column_label: str = gettext_lazy("Count"),
    threshold: int = DEFAULT_THRESHOLD,
) -> SuppressedTable:
    """A one-column table: use `cells[i][0]` and `grand_total` (row totals repeat the cells)."""
    return suppress([[count] for count in counts], labels, [str(column_label)], threshold)


def _validate(
    counts: Sequence[Sequence[int]],
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    threshold: int,
) -> None:
    if not _is_whole(threshold) or threshold < 1:
        raise ValueError(f"The threshold must be a whole number of at least 1, not {threshold!r}.")
    if len(counts) != len(row_labels):
        raise ValueError(f"There are {len(counts)} rows of counts but {len(row_labels)} labels.")
    for row, label in zip(counts, row_labels, strict=True):
        if len(row) != len(column_labels):
            raise ValueError(
                f"Row {label!r} has {len(row)} counts but there are {len(column_labels)} columns."
            )
        for count, column in zip(row, column_labels, strict=True):
            if not _is_whole(count):
                raise ValueError(f"The count for {label!r}, {column!r} is not a whole number.")
            if count < 0:
                raise ValueError(f"The count for {label!r}, {column!r} is negative ({count}).")


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Pattern:
    """The suppression pattern over the extended grid (cells plus margins).

    Line k < n_rows is row k; line n_rows + j is column j. The last member of each
    line is its total.
    """

    def __init__(self, grid: list[list[int]], threshold: int):
        self.grid = grid
        self.threshold = threshold
        self.n_rows, self.n_columns = len(grid), len(grid[0])
        self.marks = [[Reason.SHOWN] * self.n_columns for _ in range(self.n_rows)]
        self.hidden_count = [0] * (self.n_rows + self.n_columns)
        self.hidden_sum = [0] * (self.n_rows + self.n_columns)
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if 0 < value < threshold:
                    self._hide(i, j, Reason.PRIMARY)

    def reasons(self) -> list[list[Reason]]:
        while (position := self._next_complement()) is not None:
            self._hide(*position, Reason.COMPLEMENTARY)
        return self.marks

    def _hide(self, i: int, j: int, reason: Reason) -> None:
        self.marks[i][j] = reason
        for line in (i, self.n_rows + j):
            self.hidden_count[line] += 1
            self.hidden_sum[line] += self.grid[i][j]

    def _members(self, line: int) -> list[tuple[int, int]]:
        if line < self.n_rows:
            return [(line, j) for j in range(self.n_columns)]
        return [(i, line - self.n_rows) for i in range(self.n_rows)]

    def _next_complement(self) -> tuple[int, int] | None:
        lines = range(self.n_rows + self.n_columns)
        for line in lines:  # rule 2: no lone suppression
            if self.hidden_count[line] == 1:
                return self._best(line, self._shown(line))
        for line in lines:  # rule 3: no small hidden sum beside a shown total
            i, j = self._members(line)[-1]
            if self.hidden_count[line] and self.marks[i][j] == Reason.SHOWN:
                if 0 < self.hidden_sum[line] < self.threshold:
                    nonzero = [(i, j) for i, j in self._shown(line) if self.grid[i][j]]
                    return self._best(line, nonzero)
        return self._close_a_bridge()

    def _shown(self, line: int) -> list[tuple[int, int]]:
        return [(i, j) for i, j in self._members(line) if self.marks[i][j] == Reason.SHOWN]

    def _best(self, line: int, candidates: list[tuple[int, int]]) -> tuple[int, int]:
        def key(position: tuple[int, int]) -> tuple:
            i, j = position
            crossing = self.n_rows + j if line < self.n_rows else i
            already = self.hidden_count[crossing]
            crossing_rank = 0 if already == 1 else 1 if already > 1 else 2
            return (self.grid[i][j] == 0, crossing_rank, *self._plain_key(position))

        return min(candidates, key=key)

    def _plain_key(self, position: tuple[int, int]) -> tuple:
        i, j = position
        level = (i == self.n_rows - 1) + (j == self.n_columns - 1)
        return (self.grid[i][j], level, i, j)

    def _close_a_bridge(self) -> tuple[int, int] | None:
        """Rule 4: a complement putting the first bridge on a cycle, or None if none is left.

        Removing bridge (i, j) splits its component into the side holding row i and the
        side holding column j; any cell joining a row of one side to a column of the other
        closes a cycle through the bridge. Each side has a cycle of its own (rule 2 left no
        lone suppressions), so such a cell exists and is shown.
        """
        bridges = self._bridges()
        if not bridges:
            return None
        i, j = min(bridges)
        row_side = self._reachable_without(i, (i, j))
        column_side = self._reachable_without(self.n_rows + j, (i, j))
        candidates = [
            (r, c)
            for side, other in ((row_side, column_side), (column_side, row_side))
            for r in side
            if r < self.n_rows
            for c in (v - self.n_rows for v in other if v >= self.n_rows)
            if (r, c) != (i, j)
        ]
        return min(candidates, key=lambda p: (self.grid[p[0]][p[1]] == 0, *self._plain_key(p)))

    def _adjacency(self) -> list[list[tuple[int, tuple[int, int]]]]:
        """Rows are vertices 0..n_rows-1, columns n_rows..; each hidden figure is an edge."""
        adjacency: list[list[tuple[int, tuple[int, int]]]] = [
            [] for _ in range(self.n_rows + self.n_columns)
        ]
        for i, row in enumerate(self.marks):
            for j, reason in enumerate(row):
                if reason != Reason.SHOWN:
                    adjacency[i].append((self.n_rows + j, (i, j)))
                    adjacency[self.n_rows + j].append((i, (i, j)))
        return adjacency

    def _bridges(self) -> list[tuple[int, int]]:
        """Tarjan's bridge-finding, iterative (a county table can be deep)."""
        adjacency = self._adjacency()
        discovered = [-1] * len(adjacency)
        low = [0] * len(adjacency)
        bridges = []
        clock = 0
        for start in range(len(adjacency)):
            if discovered[start] != -1 or not adjacency[start]:
                continue
            discovered[start] = low[start] = clock
            clock += 1
            stack = [(start, None, iter(adjacency[start]))]
            while stack:
                vertex, via, neighbours = stack[-1]
                for neighbour, edge in neighbours:
                    if edge == via:
                        continue
                    if discovered[neighbour] == -1:
                        discovered[neighbour] = low[neighbour] = clock
                        clock += 1
                        stack.append((neighbour, edge, iter(adjacency[neighbour])))
                        break
                    low[vertex] = min(low[vertex], discovered[neighbour])
                else:
                    stack.pop()
                    if stack:
                        parent = stack[-1][0]
                        low[parent] = min(low[parent], low[vertex])
                        if low[vertex] > discovered[parent]:
                            bridges.append(via)
        return bridges

    def _reachable_without(self, start: int, skipped: tuple[int, int]) -> set[int]:
        adjacency = self._adjacency()
        seen, todo = {start}, [start]
        while todo:
            for neighbour, edge in adjacency[todo.pop()]:
                if edge != skipped and neighbour not in seen:
                    seen.add(neighbour)
                    todo.append(neighbour)
        return seen

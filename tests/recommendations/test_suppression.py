import random
from fractions import Fraction

from django.test import SimpleTestCase

from recommendations.suppression import (
    Cell,
    Reason,
    display,
    footnote,
    suppress,
    suppress_series,
)

P, C = Reason.PRIMARY, Reason.COMPLEMENTARY


def labels(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{k}" for k in range(n)]


def table_of(counts, threshold=10):
    return suppress(counts, labels("r", len(counts)), labels("c", len(counts[0])), threshold)


def extended(table) -> list[list[Cell]]:
    """The table with its row totals as a last column and its column totals as a last row."""
    grid = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    return [*grid, [*table.column_totals, table.grand_total]]


def shown(table) -> list[list[str]]:
    return [[display(cell) for cell in row] for row in extended(table)]


def reasons(table) -> list[list[str]]:
    return [[cell.reason for cell in row] for row in extended(table)]


def full_grid(counts) -> list[list[int]]:
    grid = [[*row, sum(row)] for row in counts]
    return [*grid, [sum(column) for column in zip(*grid, strict=True)]]


def relations(n_rows: int, n_columns: int):
    """Every additive relation of the extended grid as (members, total): rows, then columns."""
    for i in range(n_rows):
        yield [(i, j) for j in range(n_columns - 1)], (i, n_columns - 1)
    for j in range(n_columns):
        yield [(i, j) for i in range(n_rows - 1)], (n_rows - 1, j)


def peeled(grid: list[list[Cell]]) -> set[tuple[int, int]]:
    """Hidden positions a reader recovers by solving one-unknown relations over and over."""
    values = {(i, j): c.value for i, row in enumerate(grid) for j, c in enumerate(row)}
    unknown = {p for p, v in values.items() if v is None}
    recovered = set()
    progress = True
    while progress:
        progress = False
        for members, total in relations(len(grid), len(grid[0])):
            missing = [p for p in [*members, total] if p in unknown]
            if len(missing) != 1:
                continue
            (p,) = missing
            known = sum(values[m] for m in members if m not in unknown)
            values[p] = known if p == total else values[total] - known
            unknown.remove(p)
            recovered.add(p)
            progress = True
    return recovered


def solvable(grid: list[list[Cell]]) -> set[tuple[int, int]]:
    """Hidden positions pinned down by any linear combination of the relations.

    Row-reduce the relations over the unknowns (exact fractions); an unknown is determined
    when a reduced row is its unit vector.
    """
    unknowns = [(i, j) for i, row in enumerate(grid) for j, c in enumerate(row) if c.suppressed]
    index = {p: k for k, p in enumerate(unknowns)}
    matrix = []
    for members, total in relations(len(grid), len(grid[0])):
        row = [Fraction(0)] * len(unknowns)
        for p in members:
            if p in index:
                row[index[p]] += 1
        if total in index:
            row[index[total]] -= 1
        matrix.append(row)
    pivots, top = [], 0
    for column in range(len(unknowns)):
        pick = next((k for k in range(top, len(matrix)) if matrix[k][column]), None)
        if pick is None:
            continue
        matrix[top], matrix[pick] = matrix[pick], matrix[top]
        lead = matrix[top][column]
        matrix[top] = [x / lead for x in matrix[top]]
        for k, other in enumerate(matrix):
            if k != top and other[column]:
                factor = other[column]
                matrix[k] = [a - factor * b for a, b in zip(other, matrix[top], strict=True)]
        pivots.append((top, column))
        top += 1
    return {unknowns[c] for r, c in pivots if sum(1 for x in matrix[r] if x) == 1}


class SuppressionTestCase(SimpleTestCase):
    def assertProtected(self, counts, table, threshold=10):
        """The guarantees of the module docstring, checked on one table."""
        grid, truth = extended(table), full_grid(counts)
        for i, row in enumerate(grid):
            for j, cell in enumerate(row):
                expected = truth[i][j]
                if 0 < expected < threshold:
                    self.assertEqual(cell.reason, P, (i, j))
                elif cell.suppressed:
                    self.assertEqual(cell.reason, C, (i, j))
                if cell.suppressed:
                    self.assertIsNone(cell.value)
                else:
                    self.assertEqual(cell.value, expected, (i, j))
        for members, total in relations(len(grid), len(grid[0])):
            hidden = [p for p in [*members, total] if grid[p[0]][p[1]].suppressed]
            self.assertNotEqual(len(hidden), 1, f"lone suppression at {hidden}")
            if not grid[total[0]][total[1]].suppressed:
                hidden_sum = sum(truth[i][j] for i, j in hidden)
                self.assertFalse(0 < hidden_sum < threshold, f"small hidden sum in {members}")
        self.assertEqual(peeled(grid), set())
        self.assertEqual(solvable(grid), set())

    def test_it_hides_a_small_cell_and_closes_the_rectangle(self):
        counts = [[3, 20], [15, 40]]
        table = table_of(counts)
        # 3 is primary; 20 protects it in its row, 15 in its column, and 40 closes the
        # rectangle so that neither 20 nor 15 is alone in its line. Totals stay shown.
        self.assertEqual(shown(table), [["*", "*", "23"], ["*", "*", "55"], ["18", "60", "78"]])
        self.assertEqual(reasons(table), [[P, C, ""], [C, C, ""], ["", "", ""]])
        self.assertProtected(counts, table)

    def test_it_protects_a_small_row_total(self):
        counts = [[0, 4], [12, 30], [20, 25]]
        table = table_of(counts)
        # The 4 and its row total 4 are primary. Column c1 needs a complement: 25 is its
        # smallest. Row r2 then needs one: its total 45 is chosen over 20 because the
        # totals column already holds the lone primary 4, so one complement fixes both.
        self.assertEqual(
            shown(table),
            [["0", "*", "*"], ["12", "30", "42"], ["20", "*", "*"], ["32", "59", "91"]],
        )
        self.assertEqual(reasons(table)[0], ["", P, P])
        self.assertEqual(reasons(table)[2], ["", C, C])
        self.assertProtected(counts, table)

    def test_it_protects_a_one_column_table(self):
        counts = [3, 12, 40, 0, 25]
        table = suppress_series(counts, labels("county", 5), column_label="Deaths")
        self.assertEqual(table.column_labels, ("Deaths",))
        self.assertEqual([display(row[0]) for row in table.cells], ["*", "*", "40", "0", "25"])
        self.assertEqual([row[0].reason for row in table.cells], [P, C, "", "", ""])
        self.assertEqual(display(table.grand_total), "80")
        # The row totals repeat the cells, suppression included.
        self.assertEqual(
            [c.suppressed for c in table.row_totals], [True, True, False, False, False]
        )
        self.assertProtected([[n] for n in counts], table)

    def test_it_hides_nothing_when_nothing_is_small(self):
        counts = [[10, 25, 0], [40, 11, 12]]
        table = table_of(counts)
        self.assertEqual(
            shown(table),
            [["10", "25", "0", "35"], ["40", "11", "12", "63"], ["50", "36", "12", "98"]],
        )
        self.assertNotIn("*", [value for row in shown(table) for value in row])

    def test_it_shows_zeros_and_never_uses_one_as_a_complement_when_it_can_avoid_it(self):
        counts = [[0, 5], [12, 30]]
        table = table_of(counts)
        self.assertEqual(shown(table), [["0", "*", "*"], ["12", "*", "*"], ["12", "35", "47"]])
        self.assertProtected(counts, table)
        zeros = shown(table_of([[0, 0], [0, 15]]))
        self.assertNotIn("*", [value for row in zeros for value in row])

    def test_the_default_threshold_hides_1_to_9(self):
        table = suppress_series([9, 10, 1, 0, 50], labels("r", 5))
        self.assertEqual([row[0].reason for row in table.cells], [P, "", P, "", ""])
        self.assertEqual(table.threshold, 10)

    def test_the_threshold_can_be_changed(self):
        counts = [[4, 5, 30], [20, 20, 20]]
        # Threshold 5: only the 4 is small; 5 protects it in its row.
        self.assertEqual(reasons(table_of(counts, threshold=5))[0], [P, C, "", ""])
        # Threshold 6: 4 and 5 protect each other in the row (they add up to 9).
        self.assertEqual(reasons(table_of(counts, threshold=6))[0], [P, P, "", ""])
        # Threshold 11: 4 + 5 = 9 is itself small beside the shown total 39, so 30 goes too.
        self.assertEqual(reasons(table_of(counts, threshold=11))[0], [P, P, C, ""])
        self.assertEqual(reasons(table_of(counts, threshold=11))[1], [C, C, C, ""])
        for threshold in (5, 6, 11):
            self.assertProtected(counts, table_of(counts, threshold), threshold)

    def test_threshold_1_hides_nothing(self):
        table = table_of([[1, 2], [3, 0]], threshold=1)
        self.assertEqual(shown(table), [["1", "2", "3"], ["3", "0", "3"], ["4", "2", "6"]])
        self.assertEqual(table.footnote, "")

    def test_a_small_grand_total_hides_everything_but_zeros(self):
        counts = [[2, 0], [3, 1]]
        table = table_of(counts)
        self.assertEqual(shown(table), [["*", "0", "*"], ["*", "*", "*"], ["*", "*", "*"]])
        self.assertProtected(counts, table)

    def test_it_hides_more_when_hidden_cells_add_up_to_a_small_number(self):
        counts = [[3, 4, 50], [20, 30, 40]]
        table = table_of(counts)
        # 3 and 4 are already two hidden cells in row r0 (and 20 and 30 complete their
        # columns), but 57 - 50 would tell a reader they add up to 7, so 50 is hidden too,
        # and 40 completes its column.
        self.assertEqual(
            shown(table), [["*", "*", "*", "57"], ["*", "*", "*", "90"], ["23", "34", "90", "147"]]
        )
        self.assertProtected(counts, table)

    def test_it_closes_a_cycle_through_a_cell_that_combined_lines_would_give_away(self):
        counts = [[8, 0, 0], [7, 1, 0], [0, 5, 8]]
        table = table_of(counts)
        # Without the last step the pattern is two closed blocks - {8, 7} with the r0 and
        # r1 totals, and {5, 8} with the c1 and c2 totals - joined only by the 1. No line
        # has a lone suppression, yet rows r0 + r1 minus column c0 is 16 - 15 = 1. Hiding
        # the r2 total 13 puts the 1 on a cycle.
        self.assertEqual(
            shown(table),
            [
                ["*", "0", "0", "*"],
                ["*", "*", "0", "*"],
                ["0", "*", "*", "*"],
                ["15", "*", "*", "29"],
            ],
        )
        self.assertEqual(table.row_totals[2].reason, C)
        self.assertProtected(counts, table)

    def test_it_keeps_every_guarantee_on_random_tables(self):
        rng = random.Random(6)
        for _ in range(1500):
            n_rows, n_columns = rng.randint(1, 6), rng.randint(1, 6)
            threshold = rng.choice([2, 5, 10, 10, 11])
            counts = [
                [
                    rng.choice([0, 0, rng.randint(1, threshold), rng.randint(1, 60)])
                    for _ in range(n_columns)
                ]
                for _ in range(n_rows)
            ]
            with self.subTest(counts=counts, threshold=threshold):
                self.assertProtected(counts, table_of(counts, threshold), threshold)

    def test_it_is_quick_enough_for_a_county_by_year_table(self):
        rng = random.Random(254)
        counts = [[rng.choice([0, 1, 3, 8, 12, 40]) for _ in range(10)] for _ in range(254)]
        table = table_of(counts)
        self.assertEqual(len(table.rows), 254)
        self.assertTrue(
            all(row.cells[0].suppressed for row in table.rows if row.cells[0].value in range(1, 10))
        )

    def test_it_accepts_an_empty_table(self):
        table = suppress([], [], ["2024", "2025"])
        self.assertEqual([display(c) for c in table.column_totals], ["0", "0"])
        self.assertEqual(display(table.grand_total), "0")

    def test_it_rejects_bad_input(self):
        cases = [
            (([[1, -2]], ["a"], ["x", "y"]), "The count for 'a', 'y' is negative (-2)."),
            (([[1, 2], [3]], ["a", "b"], ["x", "y"]), "Row 'b' has 1 counts but there are 2"),
            (([[1, 2]], ["a", "b"], ["x", "y"]), "There are 1 rows of counts but 2 labels."),
            (([[1, 2.5]], ["a"], ["x", "y"]), "The count for 'a', 'y' is not a whole number."),
            (([[True, 2]], ["a"], ["x", "y"]), "The count for 'a', 'x' is not a whole number."),
        ]
        for args, message in cases:
            with self.subTest(message=message), self.assertRaisesMessage(ValueError, message):
                suppress(*args)
        for threshold in (0, -1, 2.5):
            with (
                self.subTest(threshold=threshold),
                self.assertRaisesMessage(ValueError, "at least 1"),
            ):
                suppress([[1]], ["a"], ["x"], threshold)

    def test_it_labels_rows_for_templates(self):
        table = suppress([[3, 20], [15, 40]], ["Adams", "Brown"], [2024, 2025])
        adams = table.rows[0]
        self.assertEqual(adams.label, "Adams")
        self.assertEqual([display(c) for c in adams.cells], ["*", "*"])
        self.assertEqual(display(adams.total), "23")
        self.assertEqual(table.column_labels, (2024, 2025))

    def test_display_marks_every_suppressed_cell_the_same_way(self):
        self.assertEqual(display(Cell(1234)), "1,234")
        self.assertEqual(display(Cell(0)), "0")
        self.assertEqual(display(Cell(None, P)), "*")
        self.assertEqual(display(Cell(None, C)), "*")  # never "<10": it may hold 25

    def test_the_footnote_names_the_threshold(self):
        self.assertEqual(
            footnote(),
            "* Counts from 1 to 9 are suppressed, and other cells as needed so that they "
            "cannot be worked out from the totals.",
        )
        self.assertTrue(footnote(11).startswith("* Counts from 1 to 10 are suppressed"))
        self.assertTrue(footnote(2).startswith("* Counts of 1 are suppressed"))
        self.assertEqual(footnote(1), "")
        self.assertEqual(table_of([[3, 20], [15, 40]]).footnote, footnote(10))

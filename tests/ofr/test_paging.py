"""Pages by key over rows the policy filters in Python."""

from datetime import date, timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from ofr.models import Holiday, Team
from ofr.paging import keyset_page


def keep_all_but_every_third(rows: list) -> list:
    return [row for row in rows if row.pk % 3]


class KeysetPageTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Two teams with the same days: every date is shared by two rows.
        start = date(2025, 1, 1)
        for short_code in ("A", "B"):
            team = Team.objects.create(name=f"Team {short_code}", short_code=short_code)
            for day in range(90):
                Holiday.objects.create(team=team, date=start + timedelta(days=day), name="Day")
        cls.kept = keep_all_but_every_third(list(Holiday.objects.order_by("date", "pk")))

    def pages(self, size=50):
        pages, after = [], ""
        while True:
            page = keyset_page(
                Holiday.objects.all(),
                field="date",
                keep=keep_all_but_every_third,
                after=after,
                size=size,
            )
            pages.append(page)
            if not page.next_after:
                return pages
            after = page.next_after

    def test_the_pages_hold_every_kept_row_once_in_order(self):
        pages = self.pages()
        self.assertEqual([row for page in pages for row in page.rows], self.kept)
        self.assertEqual([len(page.rows) for page in pages[:-1]], [50] * (len(pages) - 1))
        self.assertTrue(pages[0].is_first)
        self.assertFalse(any(page.is_first for page in pages[1:]))
        self.assertEqual(pages[-1].next_after, "")

    def test_a_page_costs_the_same_however_far_in(self):
        pages = self.pages()
        with CaptureQueriesContext(connection) as first:
            keyset_page(Holiday.objects.all(), field="date", keep=keep_all_but_every_third)
        with CaptureQueriesContext(connection) as later:
            keyset_page(
                Holiday.objects.all(),
                field="date",
                keep=keep_all_but_every_third,
                after=pages[0].next_after,
            )
        # A page and one more, then one larger chunk for what the filter hid.
        self.assertEqual(len(first), 2)
        self.assertEqual(len(later), 2)

    def test_a_page_nothing_is_hidden_from_is_one_query(self):
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(Holiday.objects.all(), field="date", keep=lambda rows: rows)
        self.assertEqual((len(page.rows), len(queries)), (50, 1))

    def test_a_filter_that_hides_most_rows_reads_on_in_chunks(self):
        page = keyset_page(Holiday.objects.all(), field="date", keep=lambda rows: rows[-1:], size=2)
        self.assertEqual(len(page.rows), 2)
        self.assertTrue(page.next_after)

    def test_an_unreadable_key_gives_the_first_page(self):
        first = keyset_page(Holiday.objects.all(), field="date", keep=keep_all_but_every_third)
        for after in ("", "x", "2025-13-01.5", "2025-01-01.x", ".5", "2025-01-01", "1.2.3"):
            with self.subTest(after=after):
                page = keyset_page(
                    Holiday.objects.all(), field="date", keep=keep_all_but_every_third, after=after
                )
                self.assertEqual(page.rows, first.rows)
                self.assertTrue(page.is_first)

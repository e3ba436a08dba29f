"""Stacked tables (`usa-table--stacked`) show each cell's column name on
narrow screens from its `data-label`. The long lists translate those names
once, above the rows; every row must still carry them."""

import re

from django.urls import reverse

from tests.base import OFRTestCase

PAGES = {
    "cases:list": ["Reference", "Team", "Status", "Date of death", "Manner", "Last changed"],
    "cases:overdue_requests": ["Case", "Agency", "Record types", "Requested", "Due", "Actions"],
    "recommendations:list": ["Recommendation", "Team", "Lead agency", "Status", "Due"],
    "recommendations:dashboard": ["Recommendation", "Lead agency", "Status", "Due", "Last update"],
}


class TableLabelsTestCase(OFRTestCase):
    def test_every_row_of_the_long_lists_carries_its_column_names(self):
        self.client.force_login(self.coordinator)
        urls = {name: reverse(name) for name in PAGES}
        urls["history"] = reverse("cases:history", args=[self.case.code])
        expected = {**PAGES, "history": ["When", "Who", "What", "Changes"]}
        for name, url in urls.items():
            with self.subTest(name):
                html = self.client.get(url).content.decode()
                self.assertNotIn('data-label=""', html)
                labelled = [f'data-label="{label}"' for label in expected[name]]
                bodies = re.findall(r"<tbody>.*?</tbody>", html, re.S)
                self.assertTrue(
                    any(all(label in body for label in labelled) for body in bodies),
                    f"no table of {name} has rows labelled {expected[name]}",
                )

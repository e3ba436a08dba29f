from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.base import PART2_TEXT, OFRTestCase
from tests.cases.test_case_detail import CaseDetailTestCase


class CaseFileHistoryTestCase(OFRTestCase):
    def history(self, user):
        self.client.force_login(user)
        response = self.client.get(reverse("cases:history", args=[self.case.code]))
        self.assertEqual(response.status_code, 200)
        return response

    def test_it_shows_every_section_and_item_with_readable_changes(self):
        self.client.force_login(self.coordinator)
        self.client.post(
            reverse("cases:edit_death", args=[self.case.code]),
            {
                "date_of_death": "2025-03-01",
                "manner": "undetermined",
                "autopsy": "yes",
                "opened_version": self.case.death.version,
            },
        )
        response = self.history(self.coordinator)
        self.assertContains(response, "Death edited")
        self.assertContains(response, "<del>Accident</del> → <ins>Undetermined</ins>")
        for label in (
            "Touchpoint 2025-01-10: Release from jail",
            "Toxicology: Fentanyl",
            "Note",
            "Finding: Missed opportunity",
            "Record request",
            "Document: ED record",
        ):
            self.assertContains(response, label)

    def test_it_hides_what_the_viewer_may_not_see(self):
        response = self.history(self.officer)  # law enforcement: no Part 2
        self.assertNotContains(response, PART2_TEXT)
        self.assertNotContains(response, "SUD treatment admission")
        self.assertNotContains(response, "Jordan Example")
        response = self.history(self.reviewer)
        self.assertContains(response, PART2_TEXT)
        self.assertNotContains(response, "Jordan Example")
        # Identifiers are encrypted at rest; their history reads in clear.
        response = self.history(self.coordinator)
        self.assertContains(response, "Jordan Example")
        self.assertContains(response, "1990-06-15")


class CaseFileHistoryQueriesTestCase(OFRTestCase):
    def test_its_query_count_does_not_grow_with_the_case_file(self):
        # One query per history table and one per model its rows name (cases,
        # users, agencies, touchpoints, findings), however many rows name them.
        url = reverse("cases:history", args=[self.case.code])
        self.client.force_login(self.coordinator)
        CaseDetailTestCase.grow_case_file(self)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        CaseDetailTestCase.grow_case_file(self)
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url)
        self.assertContains(response, "Second overdose")
        self.assertEqual(len(many), len(few), "\n".join(q["sql"][:120] for q in many))
        # PostgreSQL takes the access log's advisory lock: one statement more.
        self.assertLessEqual(len(many), 33 + (connection.vendor == "postgresql"))

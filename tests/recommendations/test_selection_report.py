"""The case-selection report: candidate deaths by outcome, reason and quarter
of the date of death; exact for the team's own roles, suppressed for
oversight; no identifier, reference or exact date anywhere."""

import csv
import io
from datetime import date

from django.urls import reverse

from cases.models import Case
from ofr.models import AccessEvent
from recommendations.selection import selection_report
from tests.base import OFRTestCase

CANARY_NAME = "Zebulon Quillfeather"
CANARY_REFERENCE = "RIV-2025-777"
CANARY_DEATH = date(2025, 8, 17)
CANARY_DATE_FORMS = ("2025-08-17", "08/17/2025", "8/17/2025", "August 17", "17 August", "Aug. 17")

# session, user, team, memberships, the counts, the undated count
PAGE_QUERIES = 6


def death(team, reference: str, on: date | None, **status) -> Case:
    case = Case.objects.create(team=team, reference=reference)
    case.death.date_of_death = on
    case.death.save()
    if status:
        case.move_to(status.pop("to"), by=None, **status)
    return case


class SelectionReportTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The cast's case died 2025-03-01 and is identified (awaiting a decision).
        canary = death(
            cls.team,
            CANARY_REFERENCE,
            CANARY_DEATH,
            to="excluded",
            exclusion_reason="outside_jurisdiction",
            note=f"{CANARY_NAME} lived elsewhere",
        )
        canary.identifiers.legal_name = CANARY_NAME
        canary.identifiers.save()
        death(
            cls.team,
            "RIV-2025-101",
            date(2025, 8, 2),
            to="deferred",
            deferral_reason="active_investigation",
        )
        death(cls.team, "RIV-2025-102", date(2025, 11, 30), to="selected")
        death(cls.team, "RIV-2025-103", date(2024, 11, 30), to="selected")  # another year
        death(cls.team, "RIV-2025-104", None)  # no date of death
        death(cls.other_team, "LKV-2025-101", date(2025, 8, 2), to="selected")

    def url(self, name="selection_report", year=2025, team=None) -> str:
        return reverse(
            f"recommendations:{name}", kwargs={"team": (team or self.team).code, "year": year}
        )

    def test_it_counts_by_outcome_reason_and_quarter(self):
        report = selection_report(self.team, 2025, suppressed=False)
        rows = {row.label: [c.value for c in row.cells] for row in report.table.rows}
        self.assertEqual(rows["Selected for review"], [0, 0, 0, 1])
        self.assertEqual(rows["Excluded: Outside the team's jurisdiction"], [0, 0, 1, 0])
        self.assertEqual(rows["Deferred: Active law-enforcement investigation"], [0, 0, 1, 0])
        self.assertEqual(rows["Awaiting a decision"], [1, 0, 0, 0])
        self.assertEqual(report.table.grand_total.value, 4)
        self.assertEqual(report.undated.value, 1)
        self.assertNotIn("Excluded: reason not recorded", rows)

    def test_the_team_reads_exact_counts(self):
        for user in (self.coordinator, self.data_manager, self.facilitator):
            self.client.force_login(user)
            response = self.client.get(self.url())
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "Outside the team&#x27;s jurisdiction</th>")
            self.assertNotContains(response, "are suppressed")
            self.assertNotContains(response, "<td>*</td>", html=False)

    def test_oversight_reads_it_suppressed(self):
        self.client.force_login(self.oversight)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<td>*</td>", html=False)
        self.assertContains(response, "are suppressed")
        self.assertNotContains(response, "<td>1</td>", html=False)

    def test_who_may_not_read_it(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        for user in (self.reviewer, self.officer, self.partner):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 403)
            self.assertEqual(self.client.get(self.url("selection_report_csv")).status_code, 403)
        self.client.logout()
        response = self.client.get(self.url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}")
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(self.url(year=2999)).status_code, 404)

    def test_the_page_shows_no_identifier_reference_or_exact_date(self):
        for user in (self.coordinator, self.oversight):
            self.client.force_login(user)
            for name in ("selection_report", "selection_report_csv"):
                body = self.client.get(self.url(name)).content.decode()
                for secret in (
                    CANARY_NAME,
                    "Quillfeather",
                    CANARY_REFERENCE,
                    "RIV-2025-10",
                    "lived elsewhere",
                    *CANARY_DATE_FORMS,
                ):
                    self.assertNotIn(secret, body, f"{name} as {user}")

    def test_the_csv_is_an_export_in_the_access_log(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("selection_report_csv"))
        self.assertEqual(response["Content-Type"], "text/csv")
        self.assertIn("no-store", response["Cache-Control"])
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertIn(["Excluded: Outside the team's jurisdiction", "0", "0", "1", "0", "1"], rows)
        self.assertIn(["All candidate deaths", "1", "0", "2", "1", "4"], rows)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(event.action, AccessEvent.Action.EXPORT)
        self.assertEqual(event.user, self.coordinator)
        self.assertIn("case selection report 2025", event.detail)

    def test_the_csv_suppresses_for_oversight(self):
        self.client.force_login(self.oversight)
        rows = list(
            csv.reader(
                io.StringIO(self.client.get(self.url("selection_report_csv")).content.decode())
            )
        )
        self.assertIn(["All candidate deaths", "*", "0", "*", "*", "*"], rows)

    def test_query_count_does_not_grow_with_cases(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.url())  # memberships and the like cached on the session
        for n in range(5):
            death(self.team, f"RIV-2025-2{n:02d}", date(2025, 5, n + 1), to="selected")
        with self.assertNumQueries(PAGE_QUERIES):  # counts only: no access event
            self.client.get(self.url())

    def test_the_annual_report_and_dashboard_link_to_it(self):
        self.client.force_login(self.oversight)
        self.assertContains(
            self.client.get(reverse("recommendations:annual_report", args=[self.team.code, 2025])),
            self.url(),
        )
        self.assertContains(self.client.get(reverse("recommendations:dashboard")), "case selection")

"""The data-quality and published-report acceptance, on the demo itself: what a
coordinator meets on the first day."""

import csv
import io
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from cases import valuesets as vs
from cases.completeness import completeness_items
from cases.models import Case, Finding, Note
from ofr.models import Team
from recommendations import reports
from recommendations.models import ProgressUpdate, Recommendation
from recommendations.suppression import display

NOT_COLLECTED = vs.TriState.NOT_COLLECTED


def shown(table: reports.ReportTable) -> dict[str, list[str]]:
    """Every row with a count other than 0, as printed."""
    return {
        label: [display(cell) for cell in cells]
        for label, cells, _ in table.table.rows
        if any(cell.value != 0 for cell in cells)
    }


class DemoAcceptanceTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", "--force", stdout=StringIO())
        cls.team = Team.objects.get(short_code="RIV")
        cls.coordinator = User.objects.get(username="coordinator")

    def test_closing_a_case_with_nothing_collected_is_refused_and_a_reason_offered(self):
        case = Case.objects.get(team=self.team, reference="RIV-2025-002")
        self.assertEqual(case.status, Case.Status.REVIEWED)
        circumstances = case.circumstances
        for item in completeness_items():
            section, name = item.source.split(".", 1)
            if section == "circumstances":
                field = circumstances._meta.get_field(name)
                if field.choices:
                    setattr(circumstances, name, NOT_COLLECTED)
                else:  # a list of codes, or a number
                    setattr(
                        circumstances,
                        name,
                        [] if field.get_internal_type() == "JSONField" else None,
                    )
        circumstances.save()
        self.client.force_login(self.coordinator)
        url = reverse("cases:status", args=[case.code])
        post = {"status": Case.Status.CLOSED, "opened_version": case.version, "note": ""}

        refused = self.client.post(url, post)

        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "not collected")
        self.assertContains(refused, 'name="completeness_reason"')
        case.refresh_from_db()
        self.assertEqual(case.status, Case.Status.REVIEWED)

        post["completeness_reason"] = "Records destroyed in the flood; reviewed on what remains."
        self.client.post(url, post)
        case.refresh_from_db()
        self.assertEqual(case.status, Case.Status.CLOSED)
        self.assertEqual(case.completeness_override_reason, post["completeness_reason"])

    def test_the_county_and_sudors_tables_match_hand_counts(self):
        # The demo's three reviewed Riverside deaths of 2025, by hand:
        # 001: cannabinoids, fentanyl, xylazine; smoking, snorting; released from jail;
        #      prior overdose yes.  002: fentanyl, stimulants, xylazine; injection;
        #      release unknown; prior overdose yes.  003: fentanyl; snorting, smoking;
        #      release unknown; prior overdose no. All three: Riverside County, no
        #      bystander, no naloxone.
        report = reports.annual_report(self.team, 2025)
        self.assertEqual(report.deaths, 3)
        # At the demo's threshold (10) every count other than 0 is hidden.
        for table in [report.county_substance, *report.sudors]:
            for label, cells in shown(table).items():
                self.assertEqual(set(cells), {"*"}, f"{table.title}: {label}")

        self.team.small_cell_threshold = 2  # counts below 2 hidden, with complements
        report = reports.annual_report(self.team, 2025)
        self.assertEqual(
            report.county_substance.table.column_labels,
            ("Fentanyl and analogues", "Stimulants", "Xylazine", "Cannabinoids"),
        )
        self.assertEqual(shown(report.county_substance), {"Riverside County": ["3", "*", "2", "*"]})
        tables = {table.title: shown(table) for table in report.sudors}
        self.assertEqual(
            tables,
            {
                "Reviewed deaths by potential bystander present": {"No": ["3"]},
                "Reviewed deaths by naloxone administered, and by whom": {"No": ["3"]},
                # Injection (1) hidden, and Smoking (2) with it: else 5 - 2 - 2 gives it.
                "Reviewed deaths by route of use": {
                    "Injection": ["*"],
                    "Smoking": ["*"],
                    "Snorting": ["2"],
                },
                "Reviewed deaths by recent release from jail, prison or treatment": {
                    "Yes: Jail": ["*"],
                    "Unknown": ["*"],
                },
                "Reviewed deaths by prior overdose in the past year": {
                    "Yes": ["*"],
                    "No": ["*"],
                },
            },
        )

    def test_the_report_csv_holds_no_free_text_of_the_demo(self):
        self.client.force_login(self.coordinator)
        url = reverse("recommendations:annual_report_csv", args=[self.team.code, 2025])
        body = self.client.get(url).content.decode()
        texts = [
            *Case.objects.filter(team=self.team).values_list("summary", flat=True),
            *Note.objects.filter(case__team=self.team).values_list("text", flat=True),
            *Finding.objects.filter(case__team=self.team).values_list("description", flat=True),
            *Recommendation.objects.filter(team=self.team).values_list("statement", flat=True),
            *ProgressUpdate.objects.filter(recommendation__team=self.team).values_list(
                "narrative", flat=True
            ),
        ]
        texts = [text for text in texts if len(text) > 20]
        self.assertGreater(len(texts), 20)
        cells = {cell for row in csv.reader(io.StringIO(body)) for cell in row}
        for text in texts:
            self.assertNotIn(text[:40], body)
            self.assertNotIn(text, cells)

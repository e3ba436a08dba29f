"""Hostile and broken REDCap records files: each refused, or its rows failed,
with a message naming the problem, and nothing written."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.exchange.fields import FULL
from cases.exchange.redcap import record_columns
from cases.models import Case, PendingImport, TimelineEvent
from tests.base import OFRTestCase

HEADER = ",".join(record_columns(FULL))
COLUMNS = record_columns(FULL)


def line(**cells: str) -> str:
    return ",".join(cells.get(column, "") for column in COLUMNS)


def main_row(record_id: str, **cells: str) -> str:
    return line(record_id=record_id, decedent_complete="2", **cells)


def touchpoint(record_id: str, instance: str, **cells: str) -> str:
    values = {"tp_date": "2024-01-03", "tp_system": "criminal_legal", "tp_type": "jail_release"}
    values.update(cells)
    return line(
        record_id=record_id,
        redcap_repeat_instrument="touchpoints",
        redcap_repeat_instance=instance,
        **values,
    )


class RedcapHostileFileTestCase(OFRTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.coordinator)
        self.cases = Case.objects.count()
        self.touchpoints = TimelineEvent.objects.count()

    def upload(self, *lines: str, header: str = HEADER):
        content = "\n".join([header, *lines]) + "\n"
        upload = SimpleUploadedFile("records.csv", content.encode(), "text/csv")
        return self.client.post(
            reverse("cases:import_start"), {"team": self.team.pk, "file": upload}
        )

    def assertRefused(self, response, message: str) -> None:
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertFalse(PendingImport.objects.exists())

    def row_errors(self) -> list[str]:
        return [row.reason for row in PendingImport.objects.latest("created_at").dry_run().errors]

    def test_it_refuses_a_column_the_export_does_not_write(self):
        response = self.upload(main_row("RIV-2024-900"), header=HEADER + ",password")
        self.assertRefused(response, "does not write: “password”")

    def test_it_refuses_repeating_rows_of_a_form_that_does_not_repeat(self):
        row = line(record_id="RIV-2024-900", redcap_repeat_instrument="decedent")
        response = self.upload(main_row("RIV-2024-900"), row)
        self.assertRefused(response, "“decedent” is not a repeating form")

    def test_it_refuses_a_second_main_row_and_a_row_without_record_id(self):
        response = self.upload(main_row("RIV-2024-900"), main_row("RIV-2024-900"))
        self.assertRefused(response, "record RIV-2024-900 has a second main row")
        response = self.upload(main_row("RIV-2024-900"), touchpoint("", "1"))
        self.assertRefused(response, "Row 3 has no record_id")

    def test_it_refuses_a_repeat_instance_that_is_not_a_number(self):
        response = self.upload(main_row("RIV-2024-900"), touchpoint("RIV-2024-900", "one"))
        self.assertRefused(response, "Row 3: the repeat instance “one” is not a number")

    def test_it_refuses_a_checkbox_that_is_neither_0_nor_1(self):
        response = self.upload(main_row("RIV-2024-900", route_of_use___injection="2"))
        self.assertRefused(response, "route_of_use___injection is “2”; a checkbox column holds")

    def test_it_fails_the_row_of_a_bad_choice_code(self):
        self.upload(
            main_row("RIV-2024-900", sex="robot"),
            touchpoint("RIV-2024-900", "1", tp_system="<script>"),
        )
        errors = self.row_errors()
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("Touchpoint 1, system", errors[0])
        self.assertIn("Sex: “robot” is not one of the choices", errors[0])
        self.assertNotIn("<script>", self.client.get(self.review()).content.decode())

    def test_it_fails_a_formula_as_record_id_and_a_future_touchpoint(self):
        self.upload(
            main_row("=HYPERLINK(1)"),
            main_row("RIV-2024-901"),
            touchpoint("RIV-2024-901", "1", tp_date="2999-01-01"),
        )
        errors = self.row_errors()
        self.assertEqual(len(errors), 2, errors)
        self.assertIn("Touchpoint 1", errors[1])
        self.assertIn("future", errors[1])

    def test_nothing_is_written_when_every_row_fails(self):
        self.upload(main_row("RIV-2024-901"), touchpoint("RIV-2024-901", "1", tp_date="2999-01-01"))
        self.client.post(self.review())
        self.assertEqual(Case.objects.count(), self.cases)
        self.assertEqual(TimelineEvent.objects.count(), self.touchpoints)

    def review(self) -> str:
        return reverse(
            "cases:import_review", args=[PendingImport.objects.latest("created_at").code]
        )

import csv
import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cases.imports.reading import MAX_ROWS
from cases.imports.targets import TARGETS
from cases.models import Case, DecedentIdentifiers, ImportMapping, PendingImport, ToxicologyResult
from ofr.models import AccessEvent
from tests.base import OFRTestCase

HEADER = [
    "me_case_number",
    "death_certificate_number",
    "legal_name",
    "date_of_birth",
    "date_of_death",
    "manner",
    "sex",
    "naloxone_administered",
    "substance_1",
    "substance_1_cause",
]


def csv_file(rows, header=HEADER, name="deaths-2026.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


GOOD = [
    [
        "ME-2026-0001",
        "",
        "Ada Example",
        "1980-01-02",
        "01/15/2026",
        "Accident",
        "f",
        "yes",
        "fentanyl",
        "yes",
    ],
    [
        "ME-2026-0002",
        "C-77",
        "Bo Sample",
        "03/04/1990",
        "2026-02-01",
        "accident",
        "Male",
        "no",
        "",
        "",
    ],
]


class CaseImportTestCase(OFRTestCase):
    start = reverse("cases:import_start")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        identifiers = cls.case.identifiers
        identifiers.me_case_number = "ME-2025-0099"
        identifiers.legal_name = "Existing Person"
        identifiers.date_of_birth = date(1970, 5, 6)
        identifiers.save()

    def upload(self, rows, user=None, **kwargs):
        self.client.force_login(user or self.coordinator)
        return self.client.post(
            self.start, {"team": self.team.pk, "file": csv_file(rows, **kwargs)}
        )

    def pending(self) -> PendingImport:
        return PendingImport.objects.latest("created_at")

    def review_url(self) -> str:
        return reverse("cases:import_review", args=[self.pending().code])

    def test_it_dry_runs_then_imports_with_history_and_one_event(self):
        response = self.upload(GOOD)
        self.assertRedirects(response, self.review_url())
        before = Case.objects.count()
        page = self.client.get(self.review_url())
        self.assertContains(page, "2 new cases")
        self.assertEqual(Case.objects.count(), before)  # the dry run writes nothing
        response = self.client.post(self.review_url())
        self.assertRedirects(response, self.review_url())
        self.assertEqual(Case.objects.count(), before + 2)
        ada = DecedentIdentifiers.objects.select_related("case__death").get(
            case__reference="RIV-2026-001"
        )
        self.assertEqual(ada.legal_name, "Ada Example")
        self.assertEqual(ada.case.death.date_of_death, date(2026, 1, 15))
        self.assertEqual(ada.case.death.manner, "accident")
        self.assertEqual(ada.case.decedent.sex, "female")
        self.assertEqual(ada.case.circumstances.naloxone_administered, "yes")
        result = ToxicologyResult.objects.get(case=ada.case)
        self.assertEqual((result.substance, result.caused_death), ("fentanyl", True))
        reasons = set(ada.case.death.history.values_list("history_change_reason", flat=True))
        self.assertEqual(reasons, {"import deaths-2026.csv row 2"})
        self.assertEqual(result.history.get().history_change_reason, "import deaths-2026.csv row 2")
        self.assertEqual(ada.case.history.get().history_user, self.coordinator)
        events = AccessEvent.objects.filter(action=AccessEvent.Action.IMPORT)
        self.assertEqual(events.count(), 1)
        self.assertIn("2 created", events.get().detail)
        # The same file again changes nothing.
        self.upload(GOOD)
        page = self.client.get(self.review_url())
        self.assertContains(page, "2 unchanged")
        self.client.post(self.review_url())
        self.assertEqual(Case.objects.count(), before + 2)
        self.assertEqual(self.pending().outcome["unchanged"], 2)

    def test_a_matched_row_updates_only_when_ticked(self):
        row = ["me 2025 0099", "", "", "", "2025-06-01", "Accident", "", "", "xylazine", "no"]
        self.upload([row])
        page = self.client.get(self.review_url())
        self.assertContains(page, "Possible duplicate")
        self.assertContains(page, "Matched on ME case number")
        self.client.post(self.review_url())  # not ticked: skipped
        self.assertEqual(self.pending().outcome["skipped"], 1)
        self.case.death.refresh_from_db()
        self.assertEqual(self.case.death.date_of_death, date(2025, 3, 1))  # the cast's
        self.upload([row])
        self.client.post(self.review_url(), {"update": ["2"]})
        self.case.death.refresh_from_db()
        self.assertEqual(self.case.death.date_of_death, date(2025, 6, 1))
        self.assertEqual(
            self.case.death.history.latest().history_change_reason, "import deaths-2026.csv row 2"
        )
        self.assertTrue(self.case.toxicology.filter(substance="xylazine").exists())

    def test_it_never_matches_another_teams_case(self):
        other = Case.objects.create(team=self.other_team, reference="OTH-2025-001")
        other.identifiers.me_case_number = "ME-2025-0777"
        other.identifiers.save()
        self.upload([["ME-2025-0777", "", "", "", "2025-06-01", "", "", "", "", ""]])
        plan = self.pending().dry_run()
        self.assertEqual(plan.counts["new"], 1)
        self.assertNotContains(self.client.get(self.review_url()), "OTH-2025-001")

    def test_it_matches_on_name_and_date_of_birth(self):
        row = ["", "", "EXISTING person", "05/06/1970", "", "", "", "", "", ""]
        self.upload([row])
        page = self.client.get(self.review_url())
        self.assertContains(page, "Matched on name and date of birth")
        self.assertContains(page, "1 unchanged")

    def test_it_names_every_bad_row(self):
        rows = [
            GOOD[0],
            ["ME-1", "", "", "", "2026-13-01", "", "", "", "", ""],
            ["ME-2", "", "", "", "", "Drowned", "", "", "", ""],
            ["ME-3", "", "", "", "", "", "", "maybe", "", ""],
            ["", "", "No Birth", "", "", "", "", "", "", ""],
            ["ME-2026-0001", "", "", "", "", "", "", "", "", ""],
            ["ME-5", "", "", "", "2099-01-01", "", "", "", "", ""],
            ["ME-6", "", "", "", "", "", "", "", "cheese", ""],
        ]
        self.upload(rows)
        page = self.client.get(self.review_url())
        self.assertContains(page, "7 errors")
        for text in (
            "is not a date",
            "is not one of the choices",
            "No ME case number",
            "Same ME case number as row 2",
            "cannot be in the future",
        ):
            self.assertContains(page, text)
        errors = self.client.get(reverse("cases:import_errors", args=[self.pending().code]))
        table = list(csv.reader(io.StringIO(errors.content.decode())))
        self.assertEqual(table[0], ["row", *HEADER, "reason"])
        self.assertEqual([r[0] for r in table[1:]], ["3", "4", "5", "6", "7", "8", "9"])
        self.assertTrue(AccessEvent.objects.filter(action="download").exists())
        self.client.post(self.review_url())
        self.assertEqual(self.pending().outcome["created"], 1)

    def test_it_refuses_bad_files_with_a_message(self):
        self.client.force_login(self.coordinator)
        cases = {
            "latin.csv": ("me_case_number\n\x81\x8d\n".encode("latin-1"), "text encoding"),
            "empty.csv": (b"\n\n", "empty"),
            "unknown.csv": (b"me_case_number,shoe_size\nME-1,9\n", "Unknown columns"),
            "noheader.csv": (b",,\nME-1,,\n", "no header row"),
            "nohrows.csv": (b"me_case_number\n", "no rows"),
            "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "older Excel"),
            "fake.xlsx": (b"PK\x03\x04 not really", "not an Excel workbook"),
        }
        for name, (content, message) in cases.items():
            with self.subTest(name):
                response = self.client.post(
                    self.start, {"team": self.team.pk, "file": SimpleUploadedFile(name, content)}
                )
                self.assertContains(response, message)
        self.assertFalse(PendingImport.objects.exists())

    def test_it_refuses_too_many_rows(self):
        rows = [[f"ME-{n}"] for n in range(MAX_ROWS + 1)]
        response = self.upload(rows, header=["me_case_number"])
        self.assertContains(response, f"more than {MAX_ROWS:,} rows")

    def test_it_reads_xlsx_and_serves_templates(self):
        self.client.force_login(self.data_manager)
        response = self.client.get(reverse("cases:import_template") + "?format=xlsx")
        self.assertEqual(response.status_code, 200)
        upload = SimpleUploadedFile("template.xlsx", response.content)
        response = self.client.post(self.start, {"team": self.team.pk, "file": upload})
        self.assertRedirects(response, self.review_url())
        self.assertContains(self.client.get(self.review_url()), "1 new case")
        template = self.client.get(reverse("cases:import_template"))
        header = next(csv.reader(io.StringIO(template.content.decode())))
        self.assertEqual(header, [t.column for t in TARGETS])

    def test_a_saved_mapping_reads_other_headers(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            reverse("cases:import_mappings"),
            {"team": self.team.pk, "name": "County ME", "column_1": "ME #", "column_3": "Name"},
        )
        self.assertRedirects(response, self.start)
        mapping = ImportMapping.objects.get()
        self.assertEqual(mapping.history.count(), 1)
        upload = csv_file([["ME-9", "Cy Person"]], header=["ME #", "Name"])
        response = self.client.post(
            self.start, {"team": self.team.pk, "mapping": str(mapping.code), "file": upload}
        )
        self.assertRedirects(response, self.review_url())

    def test_only_its_uploader_sees_a_pending_import(self):
        self.upload(GOOD)
        url = self.review_url()
        for user, status in (
            (self.data_manager, 404),
            (self.outsider, 404),
            (self.facilitator, 403),
            (self.reviewer, 403),
        ):
            self.client.force_login(user)
            self.assertEqual(self.client.get(url).status_code, status)
            self.assertEqual(self.client.post(url).status_code, status)
        self.client.logout()
        self.assertRedirects(self.client.get(url), f"{reverse('login')}?next={url}")
        self.assertEqual(self.client.get(self.start).status_code, 302)

    def test_read_only_roles_get_403(self):
        for user in (self.facilitator, self.reviewer, self.partner):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.start).status_code, 403)

    def test_wrong_method_gets_405(self):
        self.upload(GOOD)
        errors = reverse("cases:import_errors", args=[self.pending().code])
        self.assertEqual(self.client.post(errors).status_code, 405)
        self.assertEqual(self.client.delete(self.start).status_code, 405)

    def test_the_dry_run_query_count_is_pinned(self):
        matched = ["ME-2025-0099", "", "", "", "", "", "", "", "", ""]
        many = [
            [f"ME-{n}", "", f"Person {n}", "1990-01-01", "", "", "", "", "", ""] for n in range(40)
        ]
        for rows in ([GOOD[0], matched], [*GOOD, matched, *many]):
            self.upload(rows)
            url = self.review_url()
            # PostgreSQL takes the access log's advisory lock in one more query.
            with self.assertNumQueries(11 + (connection.vendor == "postgresql")):
                self.client.get(url)

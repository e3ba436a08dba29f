import re
from io import StringIO

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from cases.models import Case, PendingImport
from demo.import_sample import ROWS, SAMPLE_DUPLICATES, SAMPLE_PROBLEMS, sample_csv
from demo.management.commands.import_sample import DEFAULT
from ofr.models import AccessEvent, Team


class ImportSampleTestCase(TestCase):
    """A coordinator imports the demo's sample through the pages."""

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", "--force", stdout=StringIO())
        cls.coordinator = User.objects.get(username="coordinator")
        cls.riverside = Team.objects.get(short_code="RIV")

    def import_sample(self) -> tuple[str, str]:
        upload = SimpleUploadedFile("me-cases.csv", DEFAULT.read_bytes())
        response = self.client.post(
            reverse("cases:import_start"), {"team": self.riverside.pk, "file": upload}
        )
        url = reverse("cases:import_review", args=[PendingImport.objects.latest("id").code])
        self.assertRedirects(response, url)
        return url, self.client.get(url).content.decode()

    def test_the_committed_sample_is_what_the_demo_gives(self):
        self.assertEqual(DEFAULT.read_text(encoding="utf-8"), sample_csv())

    def test_the_dry_run_names_every_bad_row_and_duplicate_and_confirm_creates_the_rest(self):
        self.client.force_login(self.coordinator)
        before = Case.objects.filter(team=self.riverside).count()
        url, page = self.import_sample()
        rows = dict(re.findall(r'<tr id="row-(\d+)">\s*<th[^>]*>\d+</th>\s*<td>(.*?)</td>', page))
        self.assertEqual(len(rows), ROWS)
        errors = {int(n) for n, result in rows.items() if "Error" in result}
        duplicates = {int(n) for n, result in rows.items() if result == "Possible duplicate"}
        self.assertEqual(errors, set(SAMPLE_PROBLEMS))
        self.assertEqual(duplicates, set(SAMPLE_DUPLICATES))
        self.assertEqual(Case.objects.filter(team=self.riverside).count(), before)
        self.client.post(url)
        good = ROWS - len(SAMPLE_PROBLEMS) - len(SAMPLE_DUPLICATES)
        self.assertEqual(Case.objects.filter(team=self.riverside).count(), before + good)
        self.assertEqual(PendingImport.objects.latest("id").outcome["created"], good)
        self.assertEqual(AccessEvent.objects.filter(action="import").count(), 1)
        # The same file again: nothing new.
        url, page = self.import_sample()
        self.assertIn(f"{good} unchanged", page)
        self.assertIn("0 new cases", page)
        self.client.post(url)
        self.assertEqual(Case.objects.filter(team=self.riverside).count(), before + good)

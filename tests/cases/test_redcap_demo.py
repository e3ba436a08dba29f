"""The demo's case files through the REDCap export, checked by REDCap's import rules."""

import csv
import io
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from cases.exchange.fields import DEIDENTIFIED, FIELDS, FULL
from cases.models import DecedentIdentifiers
from ofr.models import Team
from tests.cases.redcap_validator import check


class RedcapDemoExportTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", "--force", stdout=StringIO())
        cls.team = Team.objects.get(short_code="RIV")
        cls.coordinator = User.objects.get(username="coordinator")

    def setUp(self) -> None:
        self.client.force_login(self.coordinator)

    def download(self, name: str, level: str) -> str:
        url = reverse(f"cases:{name}", kwargs={"team": self.team.code})
        response = self.client.get(url, {"level": level})
        self.assertEqual(response.status_code, 200)
        return response.getvalue().decode()

    def test_both_levels_pass_redcaps_import_rules(self):
        for level in (DEIDENTIFIED, FULL):
            with self.subTest(level):
                dictionary = self.download("redcap_dictionary", level)
                records = self.download("redcap_records", level)
                repeating = self.download("redcap_repeating", level)
                self.assertEqual(check(dictionary, records, repeating), [])
                # Next-of-kin interviews: the full level only (the demo has one).
                nok = ["nok_interview,[nok_status]"] if level == FULL else []
                self.assertEqual(
                    repeating.splitlines()[1:],
                    ["toxicology,[tox_substance]", "touchpoints,[tp_date] [tp_system]", *nok],
                )
                rows = list(csv.DictReader(io.StringIO(records)))
                instruments = {row["redcap_repeat_instrument"] for row in rows}
                nok_rows = {"nok_interview"} if level == FULL else set()
                self.assertEqual(instruments, {"", "toxicology", "touchpoints", *nok_rows})
                cases = {row["record_id"] for row in rows}
                self.assertEqual(len(cases), self.team.cases.count())

    def test_the_deidentified_level_holds_no_identifier_and_no_free_text(self):
        records = self.download("redcap_records", DEIDENTIFIED)
        for identifiers in DecedentIdentifiers.objects.filter(case__team=self.team):
            for value in (
                identifiers.legal_name,
                identifiers.residence_address,
                identifiers.me_case_number,
                identifiers.death_certificate_number,
            ):
                if value:
                    self.assertNotIn(value, records)
            if identifiers.date_of_birth:
                self.assertNotIn(identifiers.date_of_birth.isoformat(), records)
        columns = next(csv.reader(io.StringIO(records)))
        withheld = {field.name for field in FIELDS if field.identifier or field.free_text}
        self.assertFalse(withheld & set(columns))
        for row in csv.DictReader(io.StringIO(records)):
            for name in ("date_of_death", "date_last_seen_alive", "tp_date"):
                self.assertIn(row.get(name, "")[8:], ("", "01"), name)

    def test_the_full_level_holds_the_identifiers(self):
        records = self.download("redcap_records", FULL)
        names = DecedentIdentifiers.objects.filter(case__team=self.team)
        self.assertTrue(all(i.legal_name in records for i in names if i.legal_name))

"""The value sets' labels are marked for translation, but the files that leave
or enter the system (REDCap, SUDORS, the import's matching of labels, the API's
intake) stay in English whatever the reader's language. A planted Spanish
translation stands in for the catalogue, whose case-file labels are not
translated yet."""

import json
from contextlib import contextmanager
from unittest import mock

from django.conf import settings
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from api.models import ApiKey
from cases import valuesets as vs
from cases.exchange import fields
from cases.imports import targets
from tests.api.keys import issue_key
from tests.base import OFRTestCase
from tests.cases.test_case_import import HEADER, csv_file

SPANISH = {
    "Accident": "Accidente",
    "Rehabilitation": "Rehabilitación",
    "Form status": "Estado del formulario",
    "“%(value)s” is not one of the choices": "«%(value)s» no es una de las opciones",
}


@contextmanager
def planted_spanish(messages=SPANISH):
    """Spanish active, with `messages` added to its catalogue for the block."""
    with translation.override("es"):
        catalog = trans_real.translation("es")._catalog
        with mock.patch.dict(catalog._catalogs[0], messages):
            yield


class EnglishLabelsTestCase(SimpleTestCase):
    def test_the_labels_are_marked_so_the_planted_translation_shows(self):
        with planted_spanish():
            self.assertEqual(str(vs.MannerOfDeath.ACCIDENT.label), "Accidente")
        self.assertEqual(str(vs.MannerOfDeath.ACCIDENT.label), "Accident")

    def test_redcap_choices_are_english_when_built_under_spanish(self):
        # The field table is built when its module is imported, in whatever
        # language is active then.
        with planted_spanish():
            field = fields.choice("m", "death", "Manner", "death.manner", vs.MannerOfDeath)
            self.assertIn("accident, Accident", field.choices_text())
            self.assertNotIn("Accidente", field.choices_text())
            self.assertEqual(vs.english(vs.SudTreatmentType.REHABILITATION.label), "Rehabilitation")

    def test_the_import_matches_english_labels_when_built_under_spanish(self):
        with planted_spanish():
            parse = targets.choice(vs.MannerOfDeath)
            self.assertEqual(parse("Accident"), "accident")
            self.assertEqual(parse("accident"), "accident")
            with self.assertRaisesMessage(targets.BadValue, "no es una de las opciones"):
                parse("Accidente")
            self.assertEqual(
                targets.code_list(vs.SudTreatmentType)("Rehabilitation; other"),
                ["rehabilitation", "other"],
            )


class SpanishReaderTestCase(OFRTestCase):
    def setUp(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    def test_the_data_dictionary_stays_english(self):
        self.client.force_login(self.coordinator)
        url = reverse("cases:redcap_dictionary", kwargs={"team": self.team.code})
        with planted_spanish():
            body = self.client.get(url).content.decode()
        self.assertIn("accident, Accident", body)
        self.assertNotIn("Accidente", body)

    def test_the_codebook_translates_its_prose_not_the_exported_labels(self):
        self.client.force_login(self.coordinator)
        url = reverse("cases:redcap_codebook", kwargs={"team": self.team.code})
        with planted_spanish():
            response = self.client.get(url)
        self.assertContains(response, "Estado del formulario")
        self.assertContains(response, "<code>accident</code> Accident")
        self.assertNotContains(response, "Accidente")

    def test_an_english_file_imports_under_spanish_with_reasons_in_spanish(self):
        self.client.force_login(self.coordinator)
        good = ["ME-2026-0301", "", "Ada Example", "1980-01-02", "01/15/2026", "Accident"]
        bad = ["ME-2026-0302", "", "Bo Sample", "1981-01-02", "01/16/2026", "Accidente"]
        with planted_spanish():
            response = self.client.post(
                reverse("cases:import_start"),
                {"team": self.team.pk, "file": csv_file([good, bad], header=HEADER[:6])},
                follow=True,
            )
            plan = response.context["plan"]
        self.assertEqual([row.status for row in plan.rows], ["new", "error"])
        self.assertIn("«Accidente» no es una de las opciones", plan.rows[1].reason)

    def test_the_api_intake_answers_in_english(self):
        _, token = issue_key(self, "ME feed", None, [ApiKey.Scope.INTAKE_CASES])
        with planted_spanish():
            response = self.client.post(
                "/api/v1/cases",
                json.dumps({"me_case_number": "ME-2026-0401", "manner": "Accidente"}),
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "es"},
            )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("“Accidente” is not one of the choices", response.json()["reasons"][0])

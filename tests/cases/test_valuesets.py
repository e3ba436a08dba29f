import inspect
import re

from django.db import models
from django.test import SimpleTestCase

from cases import valuesets
from cases.valuesets import (
    HEALTH_CARE_RECORD_TYPES,
    OPIOID_CLASSES,
    RECORD_TYPE_CATEGORY,
    SUBSTANCE_CLASS,
    PlaceOfDeath,
    RecordType,
    Substance,
    SubstanceClass,
    TriState,
)
from ofr.roles import SensitiveCategory

CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
MAX_LENGTH = 40

EXPECTED_VALUE_SETS = {
    "TriState",
    "Sex",
    "Race",
    "Ethnicity",
    "EducationLevel",
    "MannerOfDeath",
    "PlaceOfDeath",
    "RouteOfUse",
    "DrugsOnScene",
    "BystanderRelationship",
    "BystanderNoResponseReason",
    "NaloxoneAdministeredBy",
    "SudTreatmentType",
    "InstitutionType",
    "MentalHealthDiagnosis",
    "SubstanceClass",
    "Substance",
    "Specimen",
    "ConcentrationUnit",
    "TouchpointSystem",
    "TouchpointType",
    "DatePrecision",
    "RecordType",
    "LegalBasis",
    "WithheldReason",
    "FindingKind",
    "FindingStatus",
    "ExclusionReason",
    "DeferralReason",
}


def value_sets() -> list[type[models.TextChoices]]:
    """Every TextChoices class defined in cases.valuesets (not imported into it)."""
    return [
        cls
        for _, cls in inspect.getmembers(valuesets, inspect.isclass)
        if issubclass(cls, models.TextChoices) and cls.__module__ == valuesets.__name__
    ]


class ValueSetsTestCase(SimpleTestCase):
    def test_it_defines_the_value_sets_the_models_use(self):
        # Also guards the checks below against passing over an empty list.
        self.assertEqual({cls.__name__ for cls in value_sets()}, EXPECTED_VALUE_SETS)

    def test_it_uses_short_lower_snake_case_ascii_codes(self):
        for cls in value_sets():
            for value in cls.values:
                with self.subTest(value_set=cls.__name__, value=value):
                    self.assertTrue(value.isascii())
                    self.assertIsNotNone(CODE.fullmatch(value))
                    self.assertLessEqual(len(value), MAX_LENGTH)

    def test_it_has_unique_values_and_labels_in_each_set(self):
        for cls in value_sets():
            with self.subTest(value_set=cls.__name__):
                self.assertEqual(len(cls.values), len(set(cls.values)))
                self.assertEqual(len(cls.labels), len(set(cls.labels)))

    def test_it_does_not_redefine_the_roles_value_sets(self):
        names = {cls.__name__ for cls in value_sets()}
        self.assertNotIn("Sector", names)
        self.assertNotIn("SensitiveCategory", names)

    def test_not_collected_is_not_no(self):
        self.assertNotEqual(TriState.NOT_COLLECTED, TriState.NO)
        self.assertNotEqual(TriState.NOT_COLLECTED, TriState.UNKNOWN)

    def test_every_substance_has_a_known_class(self):
        self.assertEqual(set(SUBSTANCE_CLASS), set(Substance.values))
        for substance, substance_class in SUBSTANCE_CLASS.items():
            with self.subTest(substance=substance):
                self.assertIn(substance_class, SubstanceClass.values)

    def test_every_opioid_counts_as_an_opioid(self):
        opioids = {
            Substance.FENTANYL,
            Substance.CARFENTANIL,
            Substance.HEROIN,
            Substance.METHADONE,
            Substance.TRAMADOL,
            Substance.NITAZENE,
        }
        for substance in opioids:
            with self.subTest(substance=substance):
                self.assertIn(SUBSTANCE_CLASS[substance], OPIOID_CLASSES)
        for substance in (Substance.XYLAZINE, Substance.COCAINE, Substance.ALCOHOL):
            with self.subTest(substance=substance):
                self.assertNotIn(SUBSTANCE_CLASS[substance], OPIOID_CLASSES)

    def test_record_type_defaults_are_record_types_and_sensitive_categories(self):
        self.assertLessEqual(set(RECORD_TYPE_CATEGORY), set(RecordType.values))
        for record_type, category in RECORD_TYPE_CATEGORY.items():
            with self.subTest(record_type=record_type):
                self.assertIn(category, SensitiveCategory.values)
        self.assertEqual(RECORD_TYPE_CATEGORY[RecordType.SUD_TREATMENT], "part2_sud")
        self.assertNotIn(RecordType.AUTOPSY, RECORD_TYPE_CATEGORY)

    def test_health_care_record_types_are_record_types(self):
        self.assertTrue(HEALTH_CARE_RECORD_TYPES)
        self.assertLess(HEALTH_CARE_RECORD_TYPES, set(RecordType.values))
        self.assertIn(RecordType.SUD_TREATMENT, HEALTH_CARE_RECORD_TYPES)
        self.assertNotIn(RecordType.LAW_ENFORCEMENT_REPORT, HEALTH_CARE_RECORD_TYPES)

    def test_place_of_death_keeps_the_domain_list(self):
        self.assertEqual(
            PlaceOfDeath.values,
            [
                "ed",
                "other_health_care_facility",
                "decedent_home",
                "public_place",
                "other",
                "not_documented",
            ],
        )

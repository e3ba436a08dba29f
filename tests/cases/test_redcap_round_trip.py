"""A full-level REDCap records export imported back: the same facts, field by
field, and a second import of the same file creates and changes nothing.

The exported cases are deleted before the import, so the team holds none of
them: the honest equivalent, in the shared test database, of importing into
an empty one."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import valuesets as vs
from cases.exchange import redcap
from cases.exchange.fields import FIELDS, FORMS_BY_NAME, FULL
from cases.imports import redcap as redcap_import
from cases.models import Case, PendingImport, TimelineEvent, ToxicologyResult
from ofr.models import AccessEvent, Agency
from ofr.roles import Sector, SensitiveCategory
from tests.base import OFRTestCase

REFERENCES = ("RIV-2024-101", "RIV-2024-102")
NOT_COLLECTED = vs.TriState.NOT_COLLECTED


def fill_case(case: Case, number: int, *, agency, by) -> None:
    """Every exported field of the case given a value (other than the default)."""
    case.status = Case.Status.DEFERRED
    case.exclusion_reason = vs.ExclusionReason.DUPLICATE
    case.deferral_reason = vs.DeferralReason.RECORDS_OUTSTANDING
    case.summary = f"Man in his forties, found at home (case {number})."
    case.save()
    values = {
        "decedent": {
            "age_at_death": 40 + number,
            "sex": "male",
            "race": "asian",
            "ethnicity": "not_hispanic_latino",
            "residence_county": "Riverside",
            "residence_zip": "04101",
            "homeless": "no",
            "veteran": NOT_COLLECTED,
            # Starts like a formula: exported behind an apostrophe, read back without.
            "occupation": "-Roofer (seasonal)",
            "education": "some_college",
        },
        "identifiers": {
            "legal_name": f"Pat Roundtrip {number}",
            "aliases": "Patty R, P. R.",
            "date_of_birth": date(1980, 2, number),
            "residence_address": f"{number} Elm Street",
            "me_case_number": f"ME-2024-{number:04d}",
            "death_certificate_number": f"DC-{number}",
        },
        "death": {
            "date_of_death": date(2024, 5, 10 + number),
            "date_last_seen_alive": date(2024, 5, 9 + number),
            "manner": "accident",
            "cause_immediate": "Fentanyl toxicity",
            "cause_due_to": "Opioid use disorder",
            "cause_underlying": "Mixed drug toxicity",
            "other_conditions": "Hypertension",
            "icd10_underlying": "X42",
            "place_of_death": "decedent_home",
            "autopsy": "yes",
            "county_of_injury": "Riverside",
            "county_of_death": "Lakeview",
        },
        "circumstances": {
            "route_of_use": ["injection", "smoking"],
            "bystander_present": "yes",
            "bystander_relationship": "friend",
            "naloxone_administered": "yes",
            "naloxone_administered_by": ["ems", "bystander"],
            "naloxone_doses": 3,
            "no_pulse_at_arrival": "unknown",
            "prior_overdose_past_year": NOT_COLLECTED,
            "recent_ed_visit": "no",
            "recent_release": "yes",
            "recent_release_from": ["jail"],
            "current_sud_treatment": "yes",
            "sud_treatment_types": ["moud"],
            "mental_health_diagnosis": "yes",
            "mental_health_diagnoses": ["depression", "anxiety"],
            "drugs_on_scene": ["illicit"],
        },
    }
    for section, fields in values.items():
        stored = getattr(case, section)
        for name, value in fields.items():
            setattr(stored, name, value)
        stored.save()
    for substance, cause, detail in (
        ("fentanyl", True, ""),
        ("xylazine", False, ""),
        ("other", False, "Bromazolam"),
    ):
        ToxicologyResult.objects.create(
            case=case,
            substance=substance,
            caused_death=cause,
            substance_detail=detail,
            concentration=Decimal("12.500"),
            unit="ng_ml",
            specimen="femoral_blood",
            lab="State lab",
        )
    touchpoints = (
        (date(2024, 1, 3), "day", "criminal_legal", "jail_release", agency, "", True),
        (
            date(2024, 2, 1),
            "month",
            "sud_treatment",
            "treatment_admission",
            None,
            "part2_sud",
            False,
        ),
        (
            date(2024, 3, 7),
            "day",
            "behavioral_health",
            "outpatient_visit",
            None,
            "mental_health",
            False,
        ),
    )
    for day, precision, system, kind, by_agency, category, missed in touchpoints:
        TimelineEvent.objects.create(
            case=case,
            date=day,
            date_precision=precision,
            system=system,
            touchpoint_type=kind,
            agency=by_agency,
            sensitivity=category,
            missed_opportunity=bool(missed),
            description=f"{kind} for case {number}",
            created_by=by,
        )
    # From a Part 2 program, with a coordinator's reason for not being Part 2.
    program, _ = Agency.objects.get_or_create(
        name="Harbor Recovery", defaults={"sector": Sector.SUD_TREATMENT, "part2_program": True}
    )
    TimelineEvent.objects.create(
        case=case,
        date=date(2024, 4, 2),
        system="sud_treatment",
        touchpoint_type="outpatient_visit",
        agency=program,
        not_part2_reason=f"Housing referral desk, not treatment (case {number})",
        description=f"housing referral for case {number}",
        created_by=by,
    )


def facts(case: Case) -> dict:
    """Every field of the full export, read from the models as the export reads them."""
    roots = {
        "case": case,
        "decedent": case.decedent,
        "identifiers": case.identifiers,
        "death": case.death,
        "circumstances": case.circumstances,
    }
    plain = {
        f.name: redcap._read(f, roots)
        for f in FIELDS
        if f.has_data and not FORMS_BY_NAME[f.form].repeating
    }
    tox = [f for f in FIELDS if f.form == "toxicology"]
    touch = [f for f in FIELDS if f.form == "touchpoints" and f.source.startswith("touchpoint.")]
    return {
        **plain,
        "toxicology": sorted(
            tuple(redcap._read(f, {"toxicology": result}) for f in tox)
            for result in case.toxicology.all()
        ),
        "touchpoints": sorted(
            tuple(redcap._read(f, {"touchpoint": event}) for f in touch)
            for event in case.timeline_events.all()
        ),
    }


class RedcapRoundTripTestCase(OFRTestCase):
    def setUp(self) -> None:
        for number, reference in enumerate(REFERENCES, start=1):
            case = Case.objects.create(team=self.team, reference=reference)
            fill_case(case, number, agency=self.sheriff, by=self.coordinator)

    def export(self) -> str:
        url = reverse("cases:redcap_records", kwargs={"team": self.team.code})
        response = self.client.get(f"{url}?level={FULL}")
        self.assertEqual(response.status_code, 200)
        return response.getvalue().decode()

    def ours(self) -> list[Case]:
        return list(Case.objects.filter(team=self.team, reference__in=REFERENCES))

    def import_file(self, content: str | bytes, name: str = "redcap-records.csv") -> dict:
        body = content.encode() if isinstance(content, str) else content
        upload = SimpleUploadedFile(name, body, "application/octet-stream")
        response = self.client.post(
            reverse("cases:import_start"), {"team": self.team.pk, "file": upload}
        )
        pending = PendingImport.objects.latest("created_at")
        self.assertRedirects(response, reverse("cases:import_review", args=[pending.code]))
        review = reverse("cases:import_review", args=[pending.code])
        plan = pending.dry_run()
        self.assertEqual(plan.errors, [], [row.reason for row in plan.errors])
        self.assertEqual(self.client.get(review).status_code, 200)
        self.client.post(review)
        pending.refresh_from_db()
        return pending.outcome

    def test_it_imports_a_full_export_back_with_the_same_facts(self):
        self.client.force_login(self.coordinator)
        content = self.export()
        before = {case.reference: facts(case) for case in self.ours()}
        self.assertEqual(len(before), 2)
        # The export carries the restricted categories a coordinator may see.
        self.assertIn("part2_sud", content)
        for case in self.ours():
            case.delete()

        outcome = self.import_file(content)

        self.assertEqual((outcome["created"], outcome["errors"]), (2, 0), outcome)
        after = {case.reference: facts(case) for case in self.ours()}
        for reference, expected in before.items():
            for name, value in expected.items():
                self.assertEqual(after[reference][name], value, f"{reference} {name}")
        case = Case.objects.get(team=self.team, reference=REFERENCES[0])
        self.assertEqual(case.decedent.veteran, NOT_COLLECTED)
        self.assertEqual(case.circumstances.prior_overdose_past_year, NOT_COLLECTED)
        reason = case.death.history.get().history_change_reason
        self.assertRegex(reason, r"^import redcap-records\.csv row \d+$")
        event = case.timeline_events.get(sensitivity=SensitiveCategory.PART2_SUD)
        self.assertEqual(event.history.get().history_user, self.coordinator)
        self.assertEqual(AccessEvent.objects.filter(action=AccessEvent.Action.IMPORT).count(), 1)
        # Exported again, the file is the same one.
        self.assertEqual(self.export(), content)

    def test_it_creates_and_changes_nothing_on_a_second_import(self):
        self.client.force_login(self.coordinator)
        content = self.export()
        for case in self.ours():
            case.delete()
        self.import_file(content)
        before = {case.reference: facts(case) for case in self.ours()}
        counts = (Case.objects.count(), ToxicologyResult.objects.count())
        touchpoints = TimelineEvent.objects.count()
        histories = (Case.history.count(), TimelineEvent.history.count())

        outcome = self.import_file(content)

        # The file also holds the cast's own case, which was never deleted.
        in_file = Case.objects.filter(team=self.team).count()
        self.assertEqual((outcome["created"], outcome["updated"]), (0, 0))
        self.assertEqual((outcome["unchanged"], outcome["errors"]), (in_file, 0))
        self.assertEqual((Case.objects.count(), ToxicologyResult.objects.count()), counts)
        self.assertEqual(TimelineEvent.objects.count(), touchpoints)
        self.assertEqual((Case.history.count(), TimelineEvent.history.count()), histories)
        self.assertEqual({case.reference: facts(case) for case in self.ours()}, before)

    def test_it_maps_every_exported_field_to_an_import_target(self):
        derived = {f.name for f in FIELDS if f.source in redcap_import.DERIVED}
        imported = {f.name for f in redcap_import.imported_fields()}
        with_data = {f.name for f in FIELDS if f.has_data}
        # Next-of-kin interviews are exported (full level) but not read back.
        not_read = {f.name for f in FIELDS if f.form in redcap_import.NOT_READ_BACK_FORMS}
        self.assertTrue(not_read)
        self.assertEqual(with_data - imported, (derived - {"tp_part2_notice"}) | not_read)

    def test_it_names_a_bad_value_and_its_record(self):
        self.client.force_login(self.coordinator)
        content = self.export().replace("ng_ml", "furlongs", 1)
        for case in self.ours():
            case.delete()
        upload = SimpleUploadedFile("redcap-records.csv", content.encode(), "text/csv")
        self.client.post(reverse("cases:import_start"), {"team": self.team.pk, "file": upload})
        plan = PendingImport.objects.latest("created_at").dry_run()
        self.assertEqual(len(plan.errors), 1)
        self.assertIn("Toxicology result 1, unit", plan.errors[0].reason)

    def test_it_keeps_a_coordinators_not_part2_reason(self):
        self.client.force_login(self.coordinator)
        content = self.export()
        self.assertIn("Housing referral desk, not treatment (case 1)", content)
        for case in self.ours():
            case.delete()

        self.import_file(content)

        event = TimelineEvent.objects.get(description="housing referral for case 1")
        self.assertEqual(event.not_part2_reason, "Housing referral desk, not treatment (case 1)")

    def test_it_refuses_a_not_part2_reason_from_a_data_manager(self):
        # Only a coordinator records why an item is not Part 2: an import by
        # anyone else must not take Part 2 content out of Part 2.
        self.client.force_login(self.coordinator)
        content = self.export()
        for case in self.ours():
            case.delete()
        self.client.force_login(self.data_manager)
        upload = SimpleUploadedFile("redcap-records.csv", content.encode(), "text/csv")
        self.client.post(reverse("cases:import_start"), {"team": self.team.pk, "file": upload})
        plan = PendingImport.objects.latest("created_at").dry_run()

        refused = [row for row in plan.errors if "Part 2" in row.reason]
        self.assertEqual(len(refused), 2, [row.reason for row in plan.errors])
        self.assertIn("only a coordinator may record why an item is not Part 2", refused[0].reason)

    def test_it_reads_a_full_export_saved_as_xlsx(self):
        from openpyxl import Workbook

        self.client.force_login(self.coordinator)
        content = self.export()
        before = {case.reference: facts(case) for case in self.ours()}
        for case in self.ours():
            case.delete()
        book = Workbook()
        sheet = book.active
        for line in csv.reader(io.StringIO(content)):
            sheet.append(line)
        saved = io.BytesIO()
        book.save(saved)

        outcome = self.import_file(saved.getvalue(), "redcap-records.xlsx")

        self.assertEqual((outcome["created"], outcome["errors"]), (2, 0), outcome)
        self.assertEqual({case.reference: facts(case) for case in self.ours()}, before)

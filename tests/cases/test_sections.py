from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from cases.models import ToxicologyResult
from ofr.models import AccessEvent
from tests.base import OFRTestCase


class SectionsTestCase(OFRTestCase):
    def url(self, name, *args):
        return reverse(f"cases:{name}", args=[self.case.code, *args])

    def post(self, user, name, data, *args):
        self.client.force_login(user)
        return self.client.post(self.url(name, *args), data)

    def death_data(self, **changes):
        return {
            "date_of_death": "2025-03-01",
            "manner": "accident",
            "autopsy": "yes",
            "icd10_underlying": "x42",
            "opened_version": self.case.death.version,
            **changes,
        }

    def test_editing_death_details_saves_and_writes_history(self):
        death = self.case.death
        before = death.history.count()
        response = self.post(self.coordinator, "edit_death", self.death_data())
        self.assertRedirects(response, reverse("cases:detail", args=[self.case.code]) + "#death")
        death.refresh_from_db()
        self.assertEqual((death.autopsy, death.icd10_underlying, death.version), ("yes", "X42", 2))
        self.assertEqual(death.history.count(), before + 1)
        self.assertEqual(death.history.first().history_change_reason, "Death edited")

    def test_bad_dates_and_codes_are_refused_and_nothing_is_saved(self):
        death = self.case.death
        before = death.history.count()
        future = (timezone.localdate() + timedelta(days=3)).isoformat()
        cases = [
            ({"date_of_death": future}, "cannot be in the future"),
            ({"date_of_death": "1980-01-01"}, "cannot be before the date of birth"),
            # The cast's touchpoints are in late 2024 and January 2025.
            ({"date_of_death": "2024-12-01"}, "dated after this date"),
            ({"date_last_seen_alive": "2025-03-05"}, "seen alive after the death"),
            ({"manner": "misadventure"}, "Select a valid choice"),
            ({"icd10_underlying": "fentanyl"}, "Enter an ICD-10 code"),
        ]
        for changes, message in cases:
            response = self.post(self.coordinator, "edit_death", self.death_data(**changes))
            self.assertContains(response, message, msg_prefix=str(changes))
        self.assertEqual(death.history.count(), before)

    def test_two_stale_forms_do_not_overwrite_each_other(self):
        first = self.death_data(manner="undetermined")
        second = self.death_data(manner="suicide")
        self.assertEqual(self.post(self.coordinator, "edit_death", first).status_code, 302)
        before = self.case.death.history.count()
        response = self.post(self.data_manager, "edit_death", second)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Manner of death", status_code=409)
        self.assertContains(response, "Accident → Undetermined", status_code=409)
        self.assertContains(response, 'value="suicide" selected', status_code=409)
        self.case.death.refresh_from_db()
        self.assertEqual(self.case.death.manner, "undetermined")
        self.assertEqual(self.case.death.history.count(), before)

    def test_identifiers_need_view_identifiers_and_the_form_read_is_logged(self):
        for user in (self.reviewer, self.facilitator, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url("edit_identifiers")).status_code, 403)
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("edit_identifiers"))
        self.assertContains(response, "Jordan Example")
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(
            (event.user, event.detail), (self.coordinator, "edit form: cases.decedentidentifiers")
        )

    def test_a_date_of_birth_after_death_is_refused(self):
        response = self.post(
            self.coordinator,
            "edit_identifiers",
            {"legal_name": "Jordan Example", "date_of_birth": "2025-04-01", "opened_version": 1},
        )
        self.assertContains(response, "cannot be after the date of death")
        self.case.identifiers.refresh_from_db()
        self.assertEqual(self.case.identifiers.date_of_birth, date(1990, 6, 15))

    def test_identifiers_appear_only_to_those_who_may_see_them(self):
        detail = reverse("cases:detail", args=[self.case.code])
        for user in (self.reviewer, self.officer, self.facilitator):
            self.client.force_login(user)
            response = self.client.get(detail)
            self.assertNotContains(response, "Jordan Example")
            self.assertNotContains(response, "1990-06-15")
            self.assertNotContains(response, "Identifiers (confidential)")
        self.client.force_login(self.coordinator)
        response = self.client.get(detail)
        self.assertContains(response, "Jordan Example")
        self.assertContains(response, "1990-06-15")

    def test_decedent_and_circumstances_save_tri_state_and_lists(self):
        response = self.post(
            self.coordinator,
            "edit_decedent",
            {
                "age_at_death": 34,
                "sex": "male",
                "homeless": "unknown",
                "veteran": "no",
                "residence_zip": "12345",
                "opened_version": 1,
            },
        )
        self.assertEqual(response.status_code, 302)
        response = self.post(
            self.coordinator,
            "edit_circumstances",
            {
                "route_of_use": ["smoking", "injection"],
                "naloxone_administered": "yes",
                "naloxone_administered_by": ["ems"],
                "naloxone_doses": 2,
                "bystander_present": "not_collected",
                "no_pulse_at_arrival": "yes",
                "prior_overdose_past_year": "unknown",
                "recent_ed_visit": "no",
                "recent_release": "yes",
                "recent_release_from": ["jail"],
                "current_sud_treatment": "no",
                "mental_health_diagnosis": "not_collected",
                "opened_version": 1,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.case.decedent.refresh_from_db()
        self.case.circumstances.refresh_from_db()
        self.assertEqual(self.case.decedent.homeless, "unknown")
        self.assertEqual(self.case.circumstances.route_of_use, ["smoking", "injection"])
        self.client.force_login(self.reviewer)
        page = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(page, "Smoking, Injection")
        self.assertContains(page, "Not collected")

    def test_unknown_codes_and_bad_zip_are_refused(self):
        response = self.post(
            self.coordinator,
            "edit_circumstances",
            {"route_of_use": ["teleportation"], "opened_version": 1},
        )
        self.assertContains(response, "Select a valid choice")
        response = self.post(
            self.coordinator,
            "edit_decedent",
            {"residence_zip": "1234X", "age_at_death": 200, "opened_version": 1},
        )
        self.assertContains(response, "five-digit ZIP")
        self.assertContains(response, "less than or equal to 120")
        self.assertEqual(self.case.circumstances.history.count(), 1)
        self.assertEqual(self.case.decedent.history.count(), 1)

    def test_toxicology_add_edit_remove_with_history(self):
        response = self.post(
            self.coordinator,
            "add_toxicology",
            {
                "substance": "xylazine",
                "concentration": "12.5",
                "unit": "ng_ml",
                "specimen": "femoral_blood",
            },
        )
        self.assertEqual(response.status_code, 302)
        result = ToxicologyResult.objects.get(case=self.case, substance="xylazine")
        self.assertEqual(result.substance_class, "xylazine")
        response = self.post(
            self.coordinator,
            "edit_toxicology",
            {"substance": "xylazine", "caused_death": "on", "opened_version": 1},
            result.code,
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(result.history.count(), 2)
        response = self.post(self.coordinator, "delete_toxicology", {}, result.code)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(ToxicologyResult.objects.filter(pk=result.pk).exists())
        self.assertEqual(ToxicologyResult.history.filter(id=result.pk).first().history_type, "-")

    def test_toxicology_needs_a_unit_and_a_name_for_other(self):
        response = self.post(
            self.coordinator, "add_toxicology", {"substance": "other", "concentration": "3"}
        )
        self.assertContains(response, "Give the unit")
        self.assertContains(response, "Name the substance")
        self.assertEqual(self.case.toxicology.count(), 1)

    def test_read_only_403_outsider_404_anonymous_login_and_methods(self):
        for name in ("edit_decedent", "edit_death", "edit_circumstances", "add_toxicology"):
            for user, status in ((self.reviewer, 403), (self.officer, 403), (self.outsider, 404)):
                self.client.force_login(user)
                self.assertEqual(self.client.post(self.url(name), {}).status_code, status, name)
            self.client.logout()
            self.assertEqual(self.client.get(self.url(name)).status_code, 302)
            self.client.force_login(self.coordinator)
            self.assertEqual(self.client.put(self.url(name)).status_code, 405)
        self.client.force_login(self.coordinator)
        delete = self.url("delete_toxicology", self.toxicology.code)
        self.assertEqual(self.client.get(delete).status_code, 405)
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.post(delete).status_code, 403)

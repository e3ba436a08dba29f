from django.urls import reverse

from cases.models import Note
from cases.policy import ItemIndex, categories_of
from ofr.roles import SensitiveCategory
from tests.base import OFRTestCase


class NoteCategoriesTestCase(OFRTestCase):
    """A note needs every category it touches: its own and its event's."""

    def test_a_mental_health_note_on_a_part2_event_stays_hidden_from_law_enforcement(self):
        note = Note.objects.create(
            case=self.case,
            timeline_event=self.part2_event,
            author=self.reviewer,
            text="Counsellor's observation.",
            sensitivity=SensitiveCategory.MENTAL_HEALTH,
        )
        self.assertEqual(
            categories_of(note, ItemIndex([self.case.pk])), ("mental_health", "part2_sud")
        )
        self.client.force_login(self.officer)
        page = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertNotContains(page, "Counsellor&#x27;s observation.")
        self.assertNotContains(page, "Counsellor's observation.")
        edit = reverse("cases:edit_note", args=[self.case.code, note.code])
        self.assertEqual(self.client.get(edit).status_code, 404)
        self.client.force_login(self.reviewer)
        page = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(page, "Counsellor&#x27;s observation.")
        self.assertContains(page, "42 CFR part 2 prohibits")

    def test_the_strip_does_not_reveal_a_judgement_on_a_hidden_event(self):
        self.part2_event.missed_opportunity = True
        self.part2_event.save()
        self.client.force_login(self.officer)
        page = self.client.get(reverse("cases:detail", args=[self.case.code])).content.decode()
        self.assertIn("1 marked as missed opportunit", page)  # the jail release only
        self.assertNotIn("2 marked as missed opportunit", page)


class FindingCategoriesTestCase(OFRTestCase):
    def test_a_finding_linked_to_a_part2_touchpoint_takes_its_category(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(
            reverse("cases:add_finding", args=[self.case.code]),
            {
                "kind": "missed_opportunity",
                "system": "sud_treatment",
                "description": "Methadone dose not continued after discharge.",
                "linked_events": [self.part2_event.pk],
            },
        )
        self.assertEqual(response.status_code, 302)
        finding = self.case.findings.get(description__startswith="Methadone dose")
        self.assertEqual(finding.sensitivity, SensitiveCategory.PART2_SUD)
        self.client.force_login(self.officer)
        page = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertNotContains(page, "Methadone dose")
        self.assertContains(page, "Finding (restricted)")
        history = self.client.get(reverse("cases:history", args=[self.case.code]))
        self.assertNotContains(history, "Methadone dose")
        edit = reverse("cases:edit_finding", args=[self.case.code, finding.code])
        self.assertEqual(self.client.get(edit).status_code, 404)
        self.client.force_login(self.reviewer)
        page = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(page, "Methadone dose")

    def test_one_finding_cannot_mix_protected_categories(self):
        mental_health = self.part2_event.__class__.objects.create(
            case=self.case,
            date=self.part2_event.date,
            system="behavioral_health",
            touchpoint_type="mental_health_contact",
            sensitivity=SensitiveCategory.MENTAL_HEALTH,
        )
        self.client.force_login(self.reviewer)
        response = self.client.post(
            reverse("cases:add_finding", args=[self.case.code]),
            {
                "kind": "system_gap",
                "system": "behavioral_health",
                "description": "No warm hand-off.",
                "linked_events": [self.part2_event.pk, mental_health.pk],
            },
        )
        self.assertContains(response, "write one finding for each")
        self.assertFalse(self.case.findings.filter(description="No warm hand-off.").exists())


class RequestCategoriesTestCase(OFRTestCase):
    def test_a_request_for_sud_treatment_records_is_hidden_from_law_enforcement(self):
        treatment = self.record_request.__class__.objects.create(
            case=self.case,
            agency=self.health,
            record_types=["sud_treatment"],
            legal_basis="ofr_statute",
            window_start=self.record_request.window_start,
            window_end=self.record_request.window_end,
            requested_on=self.record_request.requested_on,
        )
        self.assertEqual(
            categories_of(treatment, ItemIndex([self.case.pk])), (SensitiveCategory.PART2_SUD,)
        )
        detail = reverse("cases:detail", args=[self.case.code])
        self.client.force_login(self.officer)
        page = self.client.get(detail)
        self.assertContains(page, "Record request (restricted)")
        self.assertNotContains(page, "SUD treatment record")
        self.client.force_login(self.coordinator)
        page = self.client.get(detail)
        self.assertNotContains(page, "Record request (restricted)")
        self.assertContains(page, treatment.get_outcome_display())
        edit = reverse("cases:edit_request", args=[self.case.code, treatment.code])
        self.assertEqual(self.client.get(edit).status_code, 200)

"""The confidentiality policy's rules (cases/policy.py), through the channels
that used to get them wrong: history, recommendations, edit forms."""

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.urls import reverse

from cases.models import Finding, Note, RecordRequest, SourceDocument, TimelineEvent
from cases.policy import PART2_NOTICE
from ofr.models import AccessEvent, Agency
from recommendations.models import RecommendationFinding
from tests.base import PDF_BYTES, OFRTestCase

PROGRAM_TEXT = "Counselling session at the program; methadone dose raised."


class PolicyTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.program = Agency.objects.create(name="New Path Recovery", sector="sud_treatment")
        # From a Part 2 program, filed with no category: Part 2 all the same.
        cls.program_event = TimelineEvent.objects.create(
            case=cls.case,
            date=date(2024, 12, 5),
            system="sud_treatment",
            touchpoint_type="treatment_admission",
            description=PROGRAM_TEXT,
            agency=cls.program,
            created_by=cls.coordinator,
        )
        cls.program_request = RecordRequest.objects.create(
            case=cls.case,
            agency=cls.program,
            record_types=["outpatient_medical"],
            legal_basis="ofr_statute",
            window_start=date(2023, 3, 1),
            window_end=date(2025, 3, 1),
            requested_on=date(2025, 4, 1),
            created_by=cls.coordinator,
        )

    def detail(self, user):
        self.client.force_login(user)
        return self.client.get(reverse("cases:detail", args=[self.case.code]))

    def history(self, user):
        self.client.force_login(user)
        return self.client.get(reverse("cases:history", args=[self.case.code]))

    def new_document(self, **fields) -> SourceDocument:
        document = SourceDocument(
            case=self.case,
            document_type="other",
            original_name="doc.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            **fields,
        )
        document.file.save("doc.pdf", ContentFile(PDF_BYTES), save=False)
        document.save()
        return document

    # --- Part 2 programs ---

    def test_an_item_from_a_part2_program_is_part2_whatever_its_category(self):
        self.assertTrue(self.program.part2_program)
        officer_page = self.detail(self.officer)
        self.assertNotContains(officer_page, PROGRAM_TEXT)
        self.assertNotContains(officer_page, "New Path Recovery")
        reviewer_page = self.detail(self.reviewer)
        self.assertContains(reviewer_page, PROGRAM_TEXT)
        self.assertContains(reviewer_page, PART2_NOTICE)
        self.assertNotContains(self.history(self.officer), "New Path Recovery")
        self.assertContains(self.history(self.reviewer), "New Path Recovery")

    def test_a_coordinators_reason_makes_it_ordinary(self):
        self.program_event.not_part2_reason = "Housing referral desk, not treatment."
        self.program_event.save()
        self.assertContains(self.detail(self.officer), PROGRAM_TEXT)

    def test_the_form_warns_before_saving_a_program_item_unrestricted(self):
        url = reverse("cases:add_event", args=[self.case.code])
        data = {
            "date": "2025-01-05",
            "date_precision": "day",
            "system": "sud_treatment",
            "agency": self.program.pk,
            "touchpoint_type": "treatment_admission",
            "description": "Intake.",
            "sensitivity": "",
        }
        self.client.force_login(self.data_manager)
        response = self.client.post(url, data)
        self.assertContains(response, "is a 42 CFR Part 2 program")
        self.assertContains(response, "only a coordinator can record")
        self.assertNotContains(response, 'name="not_part2_reason"')
        self.client.force_login(self.coordinator)
        response = self.client.post(url, data)
        self.assertContains(response, "say below why this item is not Part 2")
        before = TimelineEvent.objects.count()
        response = self.client.post(url, {**data, "not_part2_reason": "Front desk only."})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(TimelineEvent.objects.count(), before + 1)
        response = self.client.post(url, {**data, "sensitivity": "part2_sud"})
        self.assertEqual(response.status_code, 302)

    # --- History at its strictest ---

    def test_history_hides_part2_record_requests(self):
        self.record_request.record_types = ["sud_treatment"]
        self.record_request._change_reason = "Now asks for treatment records"
        self.record_request.save()
        response = self.history(self.officer)
        self.assertNotContains(response, "SUD treatment record")
        self.assertNotContains(response, "Health Dept")
        self.assertContains(self.history(self.reviewer), "SUD treatment record")

    def test_a_refiled_note_hides_its_earlier_text(self):
        note = Note.objects.create(case=self.case, author=self.coordinator, text="Said at intake.")
        note.sensitivity = "part2_sud"
        note.save()
        self.assertNotContains(self.history(self.officer), "Said at intake.")
        self.assertContains(self.history(self.reviewer), "Said at intake.")

    def test_a_document_filed_part2_then_cleared_shows_only_its_later_rows(self):
        document = self.new_document(title="Clinic letter", sensitivity="part2_sud")
        document.sensitivity = ""
        document.title = "Housing letter"
        document.save()
        response = self.history(self.officer)
        self.assertContains(response, "Housing letter")
        self.assertNotContains(response, "Clinic letter")

    # --- Next-of-kin material and investigations ---

    def test_next_of_kin_material_is_for_its_author_coordinators_and_facilitators(self):
        Note.objects.create(
            case=self.case,
            author=self.reviewer,
            text="Mother said he stopped.",
            sensitivity="nok_interview",
        )
        for user, shown in (
            (self.reviewer, True),
            (self.coordinator, True),
            (self.facilitator, True),
            (self.data_manager, False),
            (self.officer, False),
        ):
            with self.subTest(user=user.username):
                page = self.detail(user)
                if shown:
                    self.assertContains(page, "Mother said he stopped.")
                else:
                    self.assertNotContains(page, "Mother said he stopped.")

    def test_investigative_material_of_a_deferred_case_is_for_its_uploader_and_coordinators(self):
        document = self.new_document(
            title="Detective's notes", sensitivity="le_investigative", uploaded_by=self.data_manager
        )
        url = reverse("cases:download_document", args=[self.case.code, document.code])
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.case.move_to("deferred", by=self.coordinator, deferral_reason="active_investigation")
        for user, status in (
            (self.data_manager, 200),
            (self.coordinator, 200),
            (self.facilitator, 404),
            (self.officer, 404),
        ):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(url).status_code, status)

    # --- Recommendations ---

    def test_recommendation_pages_name_only_the_findings_the_reader_may_see(self):
        part2_finding = Finding.objects.create(
            case=self.case,
            kind="system_gap",
            system="sud_treatment",
            description="Discharged without a naloxone kit.",
            sensitivity="part2_sud",
            proposed_by=self.coordinator,
        )
        link = RecommendationFinding(recommendation=self.recommendation, finding=part2_finding)
        link._history_user = self.coordinator
        link.save()
        detail = reverse("recommendations:detail", args=[self.recommendation.code])
        history = reverse("recommendations:history", args=[self.recommendation.code])
        self.client.force_login(self.officer)
        self.assertNotContains(self.client.get(detail), "System gap, SUD treatment")
        response = self.client.get(history)
        self.assertNotContains(response, "Discharged without")
        self.assertNotContains(response, "Finding behind it")
        self.client.force_login(self.reviewer)
        self.assertContains(self.client.get(detail), "System gap, SUD treatment")
        response = self.client.get(history)
        self.assertContains(response, "Finding behind it")
        self.assertContains(response, f"Finding {str(part2_finding.code)[:8]}")
        self.assertNotContains(response, "Discharged without")
        # A member who has not signed for the case sees none of it either.
        self.reviewer.attendances.get(meeting=self.meeting).signature.delete()
        self.assertNotContains(self.client.get(detail), "System gap, SUD treatment")

    # --- Edit forms ---

    def test_edit_forms_of_part2_items_carry_the_notice_and_are_logged(self):
        finding = Finding.objects.create(
            case=self.case,
            kind="system_gap",
            system="sud_treatment",
            description="Gap.",
            sensitivity="part2_sud",
            proposed_by=self.coordinator,
        )
        document = self.new_document(title="Clinic record", sensitivity="part2_sud")
        self.client.force_login(self.coordinator)
        for url in (
            reverse("cases:edit_finding", args=[self.case.code, finding.code]),
            reverse("cases:edit_request", args=[self.case.code, self.program_request.code]),
            reverse("cases:edit_document", args=[self.case.code, document.code]),
        ):
            with self.subTest(url=url):
                before = AccessEvent.objects.count()
                response = self.client.get(url)
                self.assertContains(response, PART2_NOTICE)
                self.assertEqual(AccessEvent.objects.count(), before + 1)
                event = AccessEvent.objects.order_by("-seq").first()
                self.assertEqual(event.action, "view")
                self.assertTrue(event.detail.startswith("edit form: cases."))

    def test_a_404_for_another_objects_item_is_a_logged_denial(self):
        url = reverse(
            "recommendations:download_evidence",
            args=[self.sheriff_recommendation.code, self.update.code],
        )
        self.client.force_login(self.coordinator)
        before = AccessEvent.objects.count()
        self.assertEqual(self.client.get(url).status_code, 404)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(AccessEvent.objects.count(), before + 1)
        self.assertEqual(event.action, "denied")
        self.assertIn("404", event.detail)

    # --- Found by an outside review ---

    def test_the_conflict_page_shows_no_version_the_viewer_may_not_see(self):
        finding = Finding.objects.create(
            case=self.case,
            kind="risk_factor",
            system="other",
            description="Plain words.",
            proposed_by=self.officer,
        )
        finding.description = "Stopped methadone at New Path."
        finding.sensitivity = "part2_sud"
        finding.version = 2
        finding.save()
        finding.description = "Rewritten."
        finding.sensitivity = ""
        finding.version = 3
        finding.save()
        url = reverse("cases:edit_finding", args=[self.case.code, finding.code])
        self.client.force_login(self.officer)
        data = {
            "kind": "risk_factor",
            "system": "other",
            "description": "Mine.",
            "sensitivity": "",
            "opened_version": 2,
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 409)
        self.assertNotContains(response, "methadone", status_code=409)
        self.assertNotContains(response, "SUD treatment (42 CFR Part 2)", status_code=409)

    def test_a_document_answering_a_part2_request_is_part2(self):
        self.record_request.record_types = ["sud_treatment"]
        self.record_request.save()
        self.new_document(title="Answer from the clinic", record_request=self.record_request)
        self.assertNotContains(self.detail(self.officer), "Answer from the clinic")
        self.assertContains(self.detail(self.reviewer), "Answer from the clinic")

    def test_a_partner_learns_nothing_from_the_identifier_check(self):
        url = reverse("recommendations:add_update", args=[self.recommendation.code])
        self.client.force_login(self.partner)
        data = {"reported_on": "2999-01-01", "new_status": "adopted", "narrative": "Jordan"}
        response = self.client.post(url, data)
        self.assertContains(response, "may identify a decedent", status_code=400)
        self.assertNotContains(response, "decedent&#x27;s name", status_code=400)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.user, event.action), (self.partner, "denied"))

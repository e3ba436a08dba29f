"""Data-sharing agreements: the one check every record request and document
goes through, the team's refuse-or-warn setting, the agreement pages and the
signed file."""

import hashlib
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    DataSharingAgreement,
    RecordRequest,
    SourceDocument,
    agreement_problem,
    current_agreement,
)
from cases.models.agreements import day_month_year
from ofr.audit import Action
from ofr.models import Team
from tests.base import PDF_BYTES, OFRTestCase

LE_REPORT = "law_enforcement_report"


def make_agreement(team, agency, *, record_types=(LE_REPORT,), signed_on, expires_on, **fields):
    agreement = DataSharingAgreement(
        team=team,
        agency=agency,
        record_types=list(record_types),
        signed_on=signed_on,
        expires_on=expires_on,
        **fields,
    )
    agreement._change_reason = "Test agreement"
    agreement.save()
    return agreement


class AgreementCheckTestCase(OFRTestCase):
    """The sheriff's agreement with the Riverside team expired last month."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.today = timezone.localdate()
        cls.expired_on = cls.today - timedelta(days=30)
        cls.expired = make_agreement(
            cls.team,
            cls.sheriff,
            signed_on=cls.today - timedelta(days=400),
            expires_on=cls.expired_on,
            reference="MOU-2025-04",
        )
        cls.refusal = (
            "The data-sharing agreement between Riverside OFR and Sheriff (MOU-2025-04) "
            f"expired on {day_month_year(cls.expired_on)}; renew it before adding "
            "law-enforcement report records from Sheriff."
        )

    def set_enforcement(self, value: str) -> None:
        self.team.agreement_enforcement = value
        self.team._change_reason = "Test"
        self.team.save()

    def add_request_data(self, **changes):
        return {
            "agency": self.sheriff.pk,
            "record_types": [LE_REPORT],
            "legal_basis": "ofr_statute",
            "window_start": "2023-03-01",
            "window_end": "2025-03-01",
            "requested_on": self.today.isoformat(),
            **changes,
        }

    def upload_data(self, **changes):
        return {
            "file": SimpleUploadedFile("report.pdf", PDF_BYTES),
            "title": "Sheriff's incident report",
            "document_type": LE_REPORT,
            "agency": self.sheriff.pk,
            "received_on": self.today.isoformat(),
            "sensitivity": "",
            **changes,
        }

    def add_request_url(self):
        return reverse("cases:add_request", args=[self.case.code])

    def add_document_url(self):
        return reverse("cases:add_document", args=[self.case.code])

    # --- The model-level check ------------------------------------------------

    def test_the_check_names_the_expired_agreement_and_its_date(self):
        problem = agreement_problem(self.team, self.sheriff, [LE_REPORT], self.today)
        self.assertEqual(problem.message, self.refusal)
        self.assertEqual(problem.agreement, self.expired)
        self.assertIsNone(current_agreement(self.team, self.sheriff, LE_REPORT, self.today))
        # On a day it was in force, it is the current agreement.
        then = self.expired_on - timedelta(days=1)
        self.assertEqual(current_agreement(self.team, self.sheriff, LE_REPORT, then), self.expired)
        self.assertIsNone(agreement_problem(self.team, self.sheriff, [LE_REPORT], then))

    def test_the_check_says_when_there_is_none_or_it_does_not_cover_the_type(self):
        problem = agreement_problem(self.team, self.health, ["autopsy"], self.today)
        self.assertEqual(
            problem.message,
            "Riverside OFR has no data-sharing agreement with Health Dept on record; record "
            "the signed agreement before adding autopsy report records from Health Dept.",
        )
        self.assertIsNone(problem.agreement)
        make_agreement(
            self.team,
            self.health,
            record_types=["autopsy"],
            signed_on=self.today - timedelta(days=10),
            expires_on=self.today + timedelta(days=300),
        )
        self.assertIsNone(agreement_problem(self.team, self.health, ["autopsy"], self.today))
        problem = agreement_problem(self.team, self.health, ["autopsy", "toxicology"], self.today)
        self.assertIn("does not cover toxicology report records; amend it", problem.message)
        # Another team's agreement counts for nothing here.
        self.assertIsNotNone(agreement_problem(self.other_team, self.health, ["autopsy"]))

    def test_no_agency_needs_no_agreement(self):
        self.assertIsNone(agreement_problem(self.team, None, [LE_REPORT]))

    # --- Refused ----------------------------------------------------------------

    def test_a_refusing_team_refuses_the_upload_naming_the_agreement(self):
        self.set_enforcement(Team.AgreementEnforcement.REFUSE)
        self.client.force_login(self.data_manager)
        before = SourceDocument.objects.count()
        response = self.client.post(self.add_document_url(), self.upload_data())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "MOU-2025-04")
        self.assertContains(response, f"expired on {day_month_year(self.expired_on)}")
        self.assertEqual(SourceDocument.objects.count(), before)

    def test_a_refusing_team_refuses_the_record_request(self):
        self.set_enforcement(Team.AgreementEnforcement.REFUSE)
        self.client.force_login(self.coordinator)
        before = RecordRequest.objects.count()
        response = self.client.post(self.add_request_url(), self.add_request_data())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The data-sharing agreement between Riverside OFR")
        self.assertEqual(RecordRequest.objects.count(), before)

    def test_the_model_refuses_whichever_way_it_is_written(self):
        self.set_enforcement(Team.AgreementEnforcement.REFUSE)
        request = RecordRequest(
            case=self.case,
            agency=self.sheriff,
            record_types=[LE_REPORT],
            legal_basis="ofr_statute",
            window_start=self.today - timedelta(days=700),
            window_end=self.today,
            requested_on=self.today,
        )
        with self.assertRaises(ValidationError) as refused:
            request.full_clean()
        self.assertEqual(refused.exception.message_dict["agency"], [self.refusal])

    def test_a_renewed_agreement_lets_the_upload_through_unflagged(self):
        self.set_enforcement(Team.AgreementEnforcement.REFUSE)
        make_agreement(
            self.team,
            self.sheriff,
            signed_on=self.expired_on,
            expires_on=self.today + timedelta(days=365),
        )
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.add_document_url(), self.upload_data())
        self.assertEqual(response.status_code, 302)
        document = SourceDocument.objects.get(title="Sheriff's incident report")
        self.assertEqual(document.agreement_flag, "")

    # --- Warned -------------------------------------------------------------------

    def test_a_warning_team_saves_and_flags_the_upload(self):
        self.set_enforcement(Team.AgreementEnforcement.WARN)
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.add_document_url(), self.upload_data(), follow=True)
        document = SourceDocument.objects.get(title="Sheriff's incident report")
        self.assertEqual(document.agreement_flag, self.refusal)
        self.assertContains(response, f"Flagged: {self.refusal}")
        # The flag shows on the case page, beside the document.
        page = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(page, "No current agreement")
        self.assertContains(page, "MOU-2025-04")
        history = document.history.first()
        self.assertEqual(history.agreement_flag, self.refusal)
        self.assertEqual(history.history_user, self.coordinator)

    def test_a_warning_team_saves_and_flags_the_record_request(self):
        self.set_enforcement(Team.AgreementEnforcement.WARN)
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_request_url(), self.add_request_data(), follow=True)
        request = RecordRequest.objects.exclude(pk=self.record_request.pk).get()
        self.assertEqual(request.agreement_flag, self.refusal)
        self.assertContains(response, "No current agreement")
        self.assertContains(response, f"Flagged: {self.refusal}")

    def test_an_edit_that_keeps_agency_and_types_is_not_checked_again(self):
        self.set_enforcement(Team.AgreementEnforcement.REFUSE)
        request = RecordRequest.objects.get(pk=self.record_request.pk)
        request.outcome = RecordRequest.Outcome.RECEIVED
        request.answered_on = self.today
        request.full_clean()  # the agency and types are as loaded: not checked again
        request.agency = self.sheriff
        request.record_types = [LE_REPORT]
        with self.assertRaises(ValidationError):
            request.full_clean()


class AgreementPagesTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.today = timezone.localdate()
        cls.agreement = make_agreement(
            cls.team,
            cls.sheriff,
            signed_on=cls.today - timedelta(days=400),
            expires_on=cls.today - timedelta(days=30),
            original_name="signed.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        )
        cls.agreement.file.save("signed.pdf", ContentFile(PDF_BYTES), save=True)
        cls.other_agreement = make_agreement(
            cls.other_team,
            cls.health,
            signed_on=cls.today - timedelta(days=10),
            expires_on=cls.today + timedelta(days=20),
            reference="LAKEVIEW-ONLY",
        )

    def list_url(self):
        return reverse("cases:agreements")

    def edit_url(self, agreement=None):
        return reverse("cases:agreement_edit", args=[(agreement or self.agreement).code])

    def download_url(self, agreement=None):
        return reverse("cases:download_agreement", args=[(agreement or self.agreement).code])

    def new_data(self, **changes):
        return {
            "agency": self.health.pk,
            "reference": "MOU-2026-01",
            "other_parties": "County counsel",
            "record_types": ["autopsy", "toxicology"],
            "signed_on": self.today.isoformat(),
            "expires_on": (self.today + timedelta(days=730)).isoformat(),
            "file": SimpleUploadedFile("Signed MOU.pdf", PDF_BYTES),
            **changes,
        }

    def test_anonymous_people_are_sent_to_sign_in(self):
        for url in (
            self.list_url(),
            reverse("cases:agreement_new"),
            self.edit_url(),
            self.download_url(),
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_the_list_shows_the_teams_agreements_to_coordinators_and_data_managers(self):
        for user in (self.coordinator, self.data_manager):
            self.client.force_login(user)
            response = self.client.get(self.list_url())
            self.assertContains(response, "Sheriff")
            self.assertContains(response, "Expired")
            self.assertContains(response, self.download_url())
            self.assertNotContains(response, "LAKEVIEW-ONLY")
        # The data manager reads them; only the coordinator edits them.
        self.assertNotContains(response, f'href="{self.edit_url()}"')
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(self.list_url()), f'href="{self.edit_url()}"')

    def test_other_roles_get_403_on_the_list_and_the_forms(self):
        for user in (self.facilitator, self.reviewer, self.officer, self.partner):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.list_url()).status_code, 403)
            self.assertEqual(self.client.get(reverse("cases:agreement_new")).status_code, 403)
            self.assertEqual(self.client.get(self.edit_url()).status_code, 403)
            self.assertEqual(self.client.get(self.download_url()).status_code, 403)
        self.client.force_login(self.data_manager)
        self.assertEqual(self.client.get(reverse("cases:agreement_new")).status_code, 403)
        self.assertEqual(self.client.get(self.edit_url()).status_code, 403)
        self.assertTrue(self.events(action=Action.DENIED, user=self.data_manager).exists())

    def test_outsiders_get_404_for_another_teams_agreement(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.edit_url()).status_code, 404)
        self.assertEqual(self.client.get(self.download_url()).status_code, 404)
        # Their own team's list holds only their own team's agreement.
        response = self.client.get(self.list_url())
        self.assertContains(response, "LAKEVIEW-ONLY")
        self.assertNotContains(response, "Sheriff")

    def test_renew_lists_only_agreements_ending_soon_and_not_renewed(self):
        far = make_agreement(
            self.team,
            self.health,
            record_types=["autopsy"],
            signed_on=self.today,
            expires_on=self.today + timedelta(days=400),
            reference="FAR-AWAY",
        )
        self.client.force_login(self.coordinator)
        response = self.client.get(self.list_url() + "?renew=1")
        self.assertContains(response, "Sheriff")
        self.assertNotContains(response, far.reference)
        make_agreement(
            self.team,
            self.sheriff,
            signed_on=self.today,
            expires_on=self.today + timedelta(days=365),
            reference="RENEWED",
        )
        response = self.client.get(self.list_url() + "?renew=1")
        self.assertContains(response, "No agreement needs renewing.")

    def test_the_list_query_count_does_not_grow_with_the_rows(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.list_url())
        expected = 4  # no access event: a list of agreements, not of their files
        with self.assertNumQueries(expected):
            self.client.get(self.list_url())
        for days in range(5):
            make_agreement(
                self.team,
                self.health,
                record_types=["autopsy"],
                signed_on=self.today,
                expires_on=self.today + timedelta(days=100 + days),
            )
        with self.assertNumQueries(expected):
            response = self.client.get(self.list_url())
        self.assertContains(response, "6 agreements")

    def test_a_coordinator_records_an_agreement_with_its_signed_file(self):
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("cases:agreement_new"), self.new_data())
        self.assertRedirects(response, self.list_url(), fetch_redirect_response=False)
        agreement = DataSharingAgreement.objects.get(reference="MOU-2026-01")
        self.assertEqual(agreement.team, self.team)
        self.assertEqual(agreement.record_types, ["autopsy", "toxicology"])
        self.assertEqual(agreement.original_name, "Signed MOU.pdf")
        self.assertEqual(agreement.sha256, hashlib.sha256(PDF_BYTES).hexdigest())
        self.assertNotIn("MOU", agreement.file.name)  # the stored name is random
        history = agreement.history.get()
        self.assertEqual(history.history_user, self.coordinator)
        self.assertEqual(history.history_change_reason, "Data-sharing agreement recorded")
        # Now records from the health department of those types are taken.
        self.assertIsNone(agreement_problem(self.team, self.health, ["autopsy"]))

    def test_it_refuses_an_expiry_before_the_signature_and_a_disguised_file(self):
        self.client.force_login(self.coordinator)
        data = self.new_data(expires_on=(self.today - timedelta(days=1)).isoformat())
        response = self.client.post(reverse("cases:agreement_new"), data)
        self.assertContains(response, "An agreement cannot expire before it is signed.")
        data = self.new_data(file=SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf"))
        response = self.client.post(reverse("cases:agreement_new"), data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(DataSharingAgreement.objects.filter(reference="MOU-2026-01").exists())

    def test_a_coordinator_renews_by_editing_the_expiry(self):
        self.client.force_login(self.coordinator)
        data = {
            "agency": self.sheriff.pk,
            "reference": "MOU-2025-04",
            "other_parties": "",
            "record_types": [LE_REPORT],
            "signed_on": self.agreement.signed_on.isoformat(),
            "expires_on": (self.today + timedelta(days=365)).isoformat(),
            "opened_version": 1,
        }
        response = self.client.post(self.edit_url(), data)
        self.assertRedirects(response, self.list_url(), fetch_redirect_response=False)
        self.agreement.refresh_from_db()
        self.assertEqual(self.agreement.version, 2)
        self.assertEqual(self.agreement.sha256, hashlib.sha256(PDF_BYTES).hexdigest())
        latest = self.agreement.history.first()
        self.assertEqual(latest.history_change_reason, "Data-sharing agreement edited")
        self.assertEqual(latest.history_user, self.coordinator)
        # A stale form is refused.
        response = self.client.post(self.edit_url(), data)
        self.assertEqual(response.status_code, 409)

    def test_the_signed_file_downloads_for_the_team_and_is_logged(self):
        for user in (self.coordinator, self.data_manager):
            self.client.force_login(user)
            response = self.client.get(self.download_url())
            self.assertEqual(response.status_code, 200)
            self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)
            self.assertIn("attachment", response["Content-Disposition"])
            event = self.events(action=Action.DOWNLOAD, user=user).get()
            self.assertEqual(event.object_type, "cases.datasharingagreement")
            self.assertEqual(event.object_id, str(self.agreement.code))

    def test_an_agreement_without_its_file_says_so(self):
        self.client.force_login(self.outsider)
        response = self.client.get(self.download_url(self.other_agreement))
        self.assertContains(response, "No signed file was uploaded", status_code=404)


class WorkQueueTestCase(OFRTestCase):
    """The coordinator's home page is the work queue; other roles' stay as they were."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.today = timezone.localdate()
        make_agreement(
            cls.team,
            cls.sheriff,
            signed_on=cls.today - timedelta(days=400),
            expires_on=cls.today - timedelta(days=30),
        )

    def test_the_coordinator_sees_the_counts_each_linking_to_its_list(self):
        self.record_request.due_on = self.today - timedelta(days=3)
        self.record_request.save()
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("home"))
        self.assertContains(response, "Your work queue")
        expired = self.today - timedelta(days=30)
        self.assertContains(response, f"Sheriff: expired {expired:%Y-%m-%d}")
        for url in (
            reverse("cases:overdue_requests"),
            reverse("cases:list") + "?review_due=on",
            reverse("cases:agreements") + "?renew=1",
            reverse("meetings:list") + "?unsigned=1",
            reverse("recommendations:list") + "?overdue=1",
        ):
            self.assertContains(response, f'href="{url}"')
            self.assertEqual(self.client.get(url).status_code, 200, url)
        report = reverse("cases:completeness_report", args=[self.team.code])
        self.assertContains(response, f'href="{report}"')
        self.assertContains(response, 'id="queue-requests"')

    def test_other_roles_have_no_work_queue(self):
        for user in (self.data_manager, self.facilitator, self.reviewer, self.partner):
            self.client.force_login(user)
            self.assertNotContains(self.client.get(reverse("home")), "Your work queue")

    def test_the_data_manager_reaches_the_agreements_from_home(self):
        self.client.force_login(self.data_manager)
        self.assertContains(self.client.get(reverse("home")), reverse("cases:agreements"))

    def test_the_coordinators_home_page_query_count(self):
        self.client.force_login(self.coordinator)
        self.client.get(reverse("home"))
        # One of them a coordinated team: its cases blocked by completeness.
        with self.assertNumQueries(12):  # no access event on the home page
            self.client.get(reverse("home"))

    def test_the_filtered_lists_show_what_the_queue_counts(self):
        self.client.force_login(self.coordinator)
        # A deferral due for review shows under ?review_due=on, others not.
        self.case.move_to("deferred", by=self.coordinator, deferral_reason="active_investigation")
        self.case.deferral_review_on = self.today - timedelta(days=1)
        self.case.save()
        response = self.client.get(reverse("cases:list") + "?review_due=on")
        self.assertContains(response, self.case.reference)
        self.case.deferral_review_on = self.today + timedelta(days=10)
        self.case.save()
        response = self.client.get(reverse("cases:list") + "?review_due=on")
        self.assertNotContains(response, f">{self.case.reference}<")
        # The cast meeting: everyone on its roster signed? Then none is listed.
        response = self.client.get(reverse("meetings:list") + "?unsigned=1")
        unsigned = self.meeting.attendances.filter(signature__isnull=True).exists()
        self.assertEqual(self.meeting.title in response.content.decode(), unsigned)

"""Recommendations: lifecycle through updates, who sees and changes what, pages."""

import hashlib
import importlib
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from cases.models import Finding
from ofr.models import AccessEvent
from ofr.storage_check import stored_files
from recommendations.access import recommendations_for_user
from recommendations.models import (
    FundingSource,
    ProgressUpdate,
    Recommendation,
    RecommendationFinding,
    RecommendationPartner,
    WorkPlanTask,
)
from tests.base import PDF_BYTES, OFRTestCase, full_disk, replace_stored

LIST_QUERIES = 6  # session, user, memberships, the teams to filter by, count, the page
DETAIL_QUERIES = 12  # with the governing committee's decisions and cited resources


class RecommendationsTestCase(OFRTestCase):
    def url(self, name: str, recommendation=None, **kwargs) -> str:
        code = (recommendation or self.recommendation).code
        return reverse(f"recommendations:{name}", kwargs={"code": code, **kwargs})

    def update_data(self, **overrides) -> dict:
        data = {
            "reported_on": timezone.localdate().isoformat(),
            "new_status": "in_progress",
            "narrative": "Kits ordered; training scheduled.",
            "reason": "",
            "meeting": "",
        }
        return {**data, **overrides}


class LifecycleTestCase(RecommendationsTestCase):
    def test_the_status_changes_only_through_an_update_with_a_narrative(self):
        self.assertEqual(self.recommendation.status, "adopted")
        self.assertEqual(self.recommendation.adopted_on, timezone.localdate())
        with self.assertRaises(ValidationError):
            self.recommendation.add_update(
                by=self.coordinator, new_status="in_progress", narrative=" "
            )
        update = self.recommendation.add_update(
            by=self.coordinator, new_status="in_progress", narrative="Started."
        )
        self.recommendation.refresh_from_db()
        self.assertEqual(self.recommendation.status, "in_progress")
        self.assertEqual((update.previous_status, update.new_status), ("adopted", "in_progress"))
        self.assertIn(
            "Status: In progress", self.recommendation.history.first().history_change_reason
        )

    def test_the_lifecycle_refuses_a_jump_a_missing_reason_and_a_future_date(self):
        proposed = self.sheriff_recommendation
        with self.assertRaises(ValidationError):
            proposed.add_update(by=self.coordinator, new_status="implemented", narrative="Done.")
        proposed.add_update(by=self.coordinator, new_status="adopted", narrative="Voted.")
        with self.assertRaises(ValidationError):
            proposed.add_update(by=self.coordinator, new_status="not_implemented", narrative="No.")
        with self.assertRaises(ValidationError):
            proposed.add_update(
                by=self.coordinator,
                new_status="adopted",
                narrative="Later.",
                reported_on=timezone.localdate() + timedelta(days=2),
            )
        proposed.add_update(
            by=self.coordinator,
            new_status="not_implemented",
            narrative="The sheriff declined.",
            reason="No staff for the protocol",
        )
        proposed.refresh_from_db()
        self.assertEqual(proposed.status, "not_implemented")
        self.assertEqual(proposed.status_reason, "No staff for the protocol")
        self.assertTrue(proposed.is_closed)
        self.assertEqual(proposed.updates.count(), 2)

    def test_overdue_means_past_due_and_not_closed(self):
        self.recommendation.due_on = date(2020, 1, 1)
        self.assertTrue(self.recommendation.is_overdue())
        self.recommendation.status = "implemented"
        self.assertFalse(self.recommendation.is_overdue())
        task = WorkPlanTask(task="x", owner="y", due_on=date(2020, 1, 1))
        self.assertTrue(task.is_overdue())


class PartnerTestCase(RecommendationsTestCase):
    def test_a_partner_updates_their_agencys_recommendation(self):
        self.client.force_login(self.partner)
        response = self.client.post(self.url("add_update"), self.update_data())
        self.assertRedirects(response, self.url("detail") + "#updates")
        update = self.recommendation.updates.get(narrative="Kits ordered; training scheduled.")
        self.assertEqual(update.author, self.partner)
        self.assertEqual(update.history.first().history_user, self.partner)

    def test_a_partner_cannot_open_another_agencys_recommendation_nor_any_case(self):
        self.client.force_login(self.partner)
        self.assertEqual(
            self.client.get(self.url("detail", self.sheriff_recommendation)).status_code, 404
        )
        response = self.client.post(
            self.url("add_update", self.sheriff_recommendation),
            self.update_data(new_status="adopted"),
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.sheriff_recommendation.updates.exists())
        self.assertEqual(self.client.get(reverse("cases:list")).status_code, 403)
        case_url = reverse("cases:detail", args=[self.case.code])
        self.assertEqual(self.client.get(case_url).status_code, 404)
        self.assertNotIn(self.sheriff_recommendation, recommendations_for_user(self.partner))

    def test_a_partner_agency_on_the_recommendation_counts_too(self):
        RecommendationPartner.objects.create(
            recommendation=self.sheriff_recommendation, agency=self.health
        )
        self.assertIn(self.sheriff_recommendation, recommendations_for_user(self.partner))

    def test_partners_see_how_many_cases_but_not_which_findings(self):
        finding = Finding.objects.filter(case=self.case).first()
        RecommendationFinding.objects.create(recommendation=self.recommendation, finding=finding)
        self.client.force_login(self.partner)
        response = self.client.get(self.url("detail"))
        self.assertContains(response, "<dt>Cases behind it</dt><dd>1</dd>", html=True)
        self.assertNotContains(response, self.case.reference)
        self.client.force_login(self.reviewer)
        self.assertContains(self.client.get(self.url("detail")), self.case.reference)


class OversightTestCase(RecommendationsTestCase):
    def test_oversight_sees_its_jurisdictions_recommendations_and_no_case(self):
        self.client.force_login(self.oversight)
        response = self.client.get(reverse("recommendations:list"))
        self.assertContains(response, self.recommendation.title)
        self.assertContains(response, self.sheriff_recommendation.title)
        self.assertEqual(self.client.get(self.url("edit")).status_code, 403)
        self.assertEqual(
            self.client.post(self.url("add_update"), self.update_data()).status_code, 403
        )
        self.assertEqual(self.client.get(reverse("cases:list")).status_code, 403)


class WritingTestCase(RecommendationsTestCase):
    def form(self, **overrides) -> dict:
        data = {
            "team": self.team.pk,
            "title": "Peer recovery coaches in the ED",
            "statement": "Offer a peer coach after every non-fatal overdose.",
            "action": "Hospital contracts two coaches.",
            "measure": "Share of ED overdose visits with a coach contact",
            "baseline": "0%",
            "target": "60%",
            "due_on": "2027-06-30",
            "category": "treatment_moud",
            "level": "agency",
            "lead_agency": self.health.pk,
            "adopted_at": "",
            "adopted_on": "2027-01-10",
            "partners": [self.sheriff.pk],
            "linked_findings": [Finding.objects.filter(case=self.case).first().pk],
        }
        return {**data, **overrides}

    def test_a_facilitator_proposes_one_with_partners_and_findings(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(reverse("recommendations:new"), self.form())
        recommendation = Recommendation.objects.get(title="Peer recovery coaches in the ED")
        self.assertRedirects(response, self.url("detail", recommendation))
        self.assertEqual(recommendation.status, "proposed")
        self.assertEqual(list(recommendation.partner_agencies.all()), [self.sheriff])
        self.assertEqual(recommendation.case_count, 1)
        self.assertEqual(
            RecommendationFinding.history.filter(recommendation_id=recommendation.pk).count(), 1
        )

    def test_bad_input_changes_nothing(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(reverse("recommendations:new"), self.form(due_on="2026-12-01"))
        self.assertContains(response, "cannot be before the adoption date", status_code=400)
        response = self.client.post(
            reverse("recommendations:new"), self.form(statement="For Jordan and others.")
        )
        self.assertContains(response, "may identify a decedent", status_code=400)
        self.assertFalse(
            Recommendation.objects.filter(title="Peer recovery coaches in the ED").exists()
        )

    def test_an_edit_keeps_links_and_refuses_a_stale_form(self):
        self.client.force_login(self.coordinator)
        data = self.form(opened_version=self.recommendation.version)
        del data["team"]
        self.assertEqual(self.client.post(self.url("edit"), data).status_code, 302)
        self.assertEqual(self.recommendation.partner_links.count(), 1)
        data["partners"] = []
        response = self.client.post(self.url("edit"), data)  # opened at the old version
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.recommendation.partner_links.count(), 1)

    def test_members_read_but_do_not_write(self):
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(self.url("detail")).status_code, 200)
        self.assertEqual(
            self.client.post(reverse("recommendations:new"), self.form()).status_code, 403
        )
        self.assertEqual(
            self.client.post(self.url("add_update"), self.update_data()).status_code, 403
        )
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.url("detail")).status_code, 404)
        self.client.logout()
        self.assertRedirects(
            self.client.get(self.url("detail")), f"{reverse('login')}?next={self.url('detail')}"
        )


class UpdatePageTestCase(RecommendationsTestCase):
    def test_an_update_without_narrative_or_with_a_bad_move_is_refused(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.url("add_update"), self.update_data(narrative=""))
        self.assertEqual(response.status_code, 400)
        response = self.client.post(self.url("add_update"), self.update_data(new_status="proposed"))
        self.assertContains(response, "Select a valid choice", status_code=400)
        self.assertEqual(self.recommendation.updates.count(), 1)

    def test_evidence_is_checked_stored_and_its_downloads_logged(self):
        self.client.force_login(self.coordinator)
        bad = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")
        response = self.client.post(self.url("add_update"), {**self.update_data(), "evidence": bad})
        self.assertEqual(response.status_code, 400)
        good = SimpleUploadedFile("policy.pdf", PDF_BYTES)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                self.url("add_update"), {**self.update_data(), "evidence": good}
            )
        self.assertEqual(response.status_code, 302)
        update = ProgressUpdate.objects.exclude(pk=self.update.pk).get(
            recommendation=self.recommendation
        )
        self.client.force_login(self.partner)
        response = self.client.get(self.url("download_evidence", update=update.code))
        self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.action, event.user), ("download", self.partner))
        self.assertTrue(event.detail.endswith(f"sha256:{hashlib.sha256(PDF_BYTES).hexdigest()}"))

    def test_a_full_disk_keeps_no_evidence_and_nothing_typed_is_lost(self):
        self.client.force_login(self.coordinator)
        files = set(stored_files())
        evidence = SimpleUploadedFile("policy.pdf", PDF_BYTES)
        with full_disk(), self.assertLogs("recommendations.views", "ERROR"):
            response = self.client.post(
                self.url("add_update"), {**self.update_data(), "evidence": evidence}
            )
        self.assertContains(response, "There is no room left to store files", status_code=503)
        self.assertContains(response, "Kits ordered; training scheduled.", status_code=503)
        self.assertEqual(self.recommendation.updates.count(), 1)
        self.recommendation.refresh_from_db()
        self.assertEqual(self.recommendation.status, "adopted")
        self.assertEqual(set(stored_files()), files)


class EvidenceTestCase(RecommendationsTestCase):
    """Evidence keeps its SHA-256 from upload, and its downloads are checked
    against it (the same answers as every stored file: tests/ofr/test_files.py)."""

    def test_an_update_records_the_sha256_of_its_evidence(self):
        self.assertEqual(self.update.sha256, hashlib.sha256(PDF_BYTES).hexdigest())
        self.assertEqual(self.update.history.latest().sha256, self.update.sha256)
        without = self.recommendation.add_update(
            by=self.coordinator, new_status="in_progress", narrative="Started."
        )
        self.assertEqual(without.sha256, "")

    def test_tampered_evidence_is_refused_and_logged_not_sent(self):
        replace_stored(self.update.evidence.name, PDF_BYTES + b"% altered\n")
        self.addCleanup(replace_stored, self.update.evidence.name, PDF_BYTES)
        self.client.force_login(self.partner)
        with self.assertLogs("ofr.files", "ERROR"):
            response = self.client.get(self.url("download_evidence", update=self.update.code))
        self.assertContains(response, "failed its integrity check", status_code=409)
        self.assertNotIn("Content-Disposition", response)
        self.assertNotIn(b"%PDF", response.content)
        event = AccessEvent.objects.get(action="download")
        self.assertEqual(
            event.detail,
            f"evidence of {self.recommendation.code} sha256:{self.update.sha256}: "
            "integrity check failed",
        )

    def test_the_migration_records_the_sha256_of_evidence_stored_before(self):
        migration = importlib.import_module("recommendations.migrations.0002_progressupdate_sha256")
        # The function runs in the state of the latest migration: the test
        # database has that schema (the function copies whatever fields are there).
        state = MigrationExecutor(connection).loader.project_state()
        lost = self.recommendation.add_update(
            by=self.coordinator,
            new_status="in_progress",
            narrative="Kits ordered.",
            evidence=ContentFile(PDF_BYTES, name="order.pdf"),
        )
        lost.evidence.storage.delete(lost.evidence.name)
        # As before the migration: evidence without a recorded fingerprint.
        ProgressUpdate.objects.filter(pk__in=[self.update.pk, lost.pk]).update(sha256="")
        history_rows = self.update.history.count()

        migration.record_evidence_fingerprints(state.apps, None)

        self.update.refresh_from_db()
        self.assertEqual(self.update.sha256, hashlib.sha256(PDF_BYTES).hexdigest())
        self.assertEqual(self.update.history.count(), history_rows + 1)
        row = self.update.history.latest()
        self.assertEqual((row.sha256, row.history_type), (self.update.sha256, "~"))
        self.assertEqual(row.history_change_reason, migration.REASON)
        self.assertEqual(
            (row.narrative, row.evidence), (self.update.narrative, self.update.evidence.name)
        )
        lost.refresh_from_db()
        self.assertEqual(lost.sha256, "")


class WorkPlanAndFundingTestCase(RecommendationsTestCase):
    def test_tasks_are_added_and_marked_done(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url("add_task"),
            {"task": "Train jail nurses", "owner": "Health dept", "due_on": ""},
        )
        self.assertEqual(response.status_code, 302)
        task = self.recommendation.tasks.get(task="Train jail nurses")
        response = self.client.post(
            self.url("edit_task", task=task.code),
            {
                "task": task.task,
                "owner": task.owner,
                "due_on": "",
                "done": "on",
                "opened_version": 1,
            },
        )
        self.assertEqual(response.status_code, 302)
        task.refresh_from_db()
        self.assertTrue(task.done)
        self.assertEqual(task.done_on, timezone.localdate())
        self.assertEqual(task.history.count(), 2)

    def test_funding_sources_are_braided_and_amounts_checked(self):
        self.client.force_login(self.coordinator)
        self.client.post(self.url("add_funding"), {"kind": "opioid_settlement", "amount": "25000"})
        self.client.post(self.url("add_funding"), {"kind": "cdc_od2a", "amount": ""})
        response = self.client.post(self.url("add_funding"), {"kind": "byrne_jag", "amount": "-5"})
        self.assertContains(response, "cannot be negative", status_code=400)
        self.assertEqual(
            sorted(FundingSource.objects.values_list("kind", flat=True)),
            ["cdc_od2a", "opioid_settlement"],
        )


class QueryCountTestCase(RecommendationsTestCase):
    def test_list_and_detail_query_counts_are_pinned(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.url("detail"))
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(reverse("recommendations:list"))
        with self.assertNumQueries(DETAIL_QUERIES):
            self.client.get(self.url("detail"))
        for number in range(3):
            self.recommendation.add_update(
                by=self.coordinator, new_status="adopted", narrative=f"Note {number}"
            )
            WorkPlanTask.objects.create(
                recommendation=self.recommendation, task=f"T{number}", owner="x"
            )
            Recommendation.objects.create(
                team=self.team,
                title=f"R{number}",
                statement="s",
                action="a",
                measure="m",
                category="other",
                level="system",
            )
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(reverse("recommendations:list"))
        with self.assertNumQueries(DETAIL_QUERIES):
            self.client.get(self.url("detail"))


class PublicPageTestCase(RecommendationsTestCase):
    def test_it_lists_only_what_the_team_made_public_without_login(self):
        self.recommendation.public = True
        self.recommendation.save()
        url = reverse("recommendations:public", kwargs={"team": self.team.code})
        response = self.client.get(url)
        self.assertContains(response, self.recommendation.title)
        self.assertContains(response, "Adopted")
        self.assertNotContains(response, self.sheriff_recommendation.title)
        self.assertNotContains(response, self.update.narrative)
        other = reverse("recommendations:public", kwargs={"team": self.other_team.code})
        self.assertContains(self.client.get(other), "has not published any")

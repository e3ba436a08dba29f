"""remind_overdue: the leads and coordinators of overdue items get one e-mail each."""

import io
from datetime import date, timedelta

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from recommendations.models import WorkPlanTask
from tests.base import OFRTestCase, make_member


class RemindOverdueTestCase(OFRTestCase):
    def setUp(self):
        for user in (self.partner, self.coordinator, self.facilitator):
            user.email = f"{user.username}@example.org"
            user.save()
        for recommendation in (self.recommendation, self.sheriff_recommendation):
            recommendation.due_on = date(2025, 1, 31)
            recommendation.save()

    def run_command(self, *args) -> str:
        out = io.StringIO()
        call_command("remind_overdue", *args, stdout=out)
        return out.getvalue()

    def test_leads_and_coordinators_get_one_email_each(self):
        WorkPlanTask.objects.create(
            recommendation=self.recommendation,
            task="Order kits",
            owner="x",
            due_on=date(2025, 2, 1),
        )
        self.run_command()
        by_address = {message.to[0]: message for message in mail.outbox}
        self.assertEqual(set(by_address), {"partner@example.org", "coordinator@example.org"})
        partner_mail = by_address["partner@example.org"].body
        self.assertIn("Naloxone at jail release", partner_mail)
        self.assertIn('Task "Order kits"', partner_mail)
        self.assertNotIn("Deflection at first contact", partner_mail)  # the sheriff leads it
        coordinator_mail = by_address["coordinator@example.org"].body
        self.assertIn("Deflection at first contact", coordinator_mail)
        self.assertIn(f"/recommendations/{self.recommendation.code}/", coordinator_mail)
        self.assertNotIn(self.case.reference, coordinator_mail)
        self.assertEqual(
            by_address["partner@example.org"].subject, "OFR: 2 overdue items to report on"
        )

    def test_closed_recommendations_and_done_tasks_are_left_alone(self):
        self.recommendation.add_update(
            by=self.coordinator, new_status="in_progress", narrative="Go."
        )
        self.recommendation.add_update(
            by=self.coordinator, new_status="implemented", narrative="Done."
        )
        self.sheriff_recommendation.add_update(
            by=self.coordinator, new_status="no_longer_applicable", narrative="x", reason="Moot"
        )
        WorkPlanTask.objects.create(
            recommendation=self.recommendation, task="t", owner="x", due_on=date(2025, 2, 1)
        )
        self.assertIn("Nothing is overdue.", self.run_command())
        self.assertEqual(mail.outbox, [])

    def test_a_dry_run_sends_nothing(self):
        output = self.run_command("--dry-run")
        self.assertIn(
            "Would e-mail partner@example.org: 1 recommendation(s), 0 task(s), "
            "0 deferral(s) due for review, 0 data-sharing agreement(s) to renew.",
            output,
        )
        self.assertEqual(mail.outbox, [])

    def defer_due(self, case: Case, by=None) -> None:
        by = by or self.coordinator
        case.move_to("deferred", by=by, deferral_reason="active_investigation")
        case.deferral_review_on = timezone.localdate() - timedelta(days=1)
        case.save()

    def test_coordinators_also_get_the_deferrals_due_for_review(self):
        self.defer_due(self.case)
        # Not due yet, and another team's: neither is listed.
        later = Case.objects.create(team=self.team, reference="RIV-2025-050")
        later.move_to("deferred", by=self.coordinator, deferral_reason="prosecution_pending")
        self.defer_due(self.other_case, by=self.outsider)
        self.outsider.email = "outsider@example.org"
        self.outsider.save()
        self.run_command()
        by_address = {message.to[0]: message for message in mail.outbox}
        coordinator_mail = by_address["coordinator@example.org"]
        self.assertEqual(
            coordinator_mail.subject,
            "OFR: 2 overdue items to report on and 1 deferred case due for review",
        )
        body = coordinator_mail.body
        self.assertIn("These deferred cases are due for review", body)
        review_on = self.case.deferral_review_on
        self.assertIn(
            f"- RIV-2025-001 (Riverside OFR): active law-enforcement investigation, "
            f"review by {review_on:%Y-%m-%d}.",
            body,
        )
        self.assertIn(reverse("cases:detail", args=[self.case.code]), body)
        self.assertNotIn("RIV-2025-050", body)
        self.assertNotIn("LKV-2025-001", body)
        # Reference, reason, date and link only: nothing else of the case.
        for private in ("Jordan Example", "Test summary.", "1990-06-15"):
            self.assertNotIn(private, body)
        # Partners and other team members get nothing of it.
        self.assertNotIn("RIV-2025-001", by_address["partner@example.org"].body)
        self.assertNotIn("facilitator@example.org", by_address)
        self.assertIn("LKV-2025-001", by_address["outsider@example.org"].body)
        self.assertNotIn("RIV-2025-001", by_address["outsider@example.org"].body)

    def test_a_coordinator_with_only_deferrals_due_gets_them(self):
        for recommendation in (self.recommendation, self.sheriff_recommendation):
            recommendation.due_on = None
            recommendation.save()
        data_manager = make_member("lead", self.team, "data_manager", self.health)
        data_manager.email = "lead@example.org"
        data_manager.save()
        self.defer_due(self.case)
        self.run_command()
        self.assertEqual([m.to[0] for m in mail.outbox], ["coordinator@example.org"])
        message = mail.outbox[0]
        self.assertEqual(message.subject, "OFR: 1 deferred case due for review")
        self.assertNotIn("overdue items", message.body)
        self.assertIn("RIV-2025-001", message.body)

    def test_coordinators_get_the_agreements_to_renew(self):
        from cases.models import DataSharingAgreement

        for recommendation in (self.recommendation, self.sheriff_recommendation):
            recommendation.due_on = None
            recommendation.save()
        today = timezone.localdate()
        DataSharingAgreement.objects.create(
            team=self.team,
            agency=self.sheriff,
            record_types=["law_enforcement_report"],
            signed_on=today - timedelta(days=400),
            expires_on=today - timedelta(days=30),
        )
        # Renewed: the later agreement with the health department outlasts it.
        for ends in (today + timedelta(days=10), today + timedelta(days=400)):
            DataSharingAgreement.objects.create(
                team=self.team,
                agency=self.health,
                record_types=["autopsy"],
                signed_on=today - timedelta(days=300),
                expires_on=ends,
            )
        output = self.run_command()
        self.assertIn(
            "E-mailed coordinator@example.org: 0 recommendation(s), 0 task(s), "
            "0 deferral(s) due for review, 1 data-sharing agreement(s) to renew.",
            output,
        )
        self.assertEqual([m.to[0] for m in mail.outbox], ["coordinator@example.org"])
        message = mail.outbox[0]
        self.assertEqual(message.subject, "OFR: 1 data-sharing agreement to renew")
        expired = today - timedelta(days=30)
        self.assertIn(f"- Sheriff (Riverside OFR): expired on {expired:%Y-%m-%d}.", message.body)
        self.assertIn(reverse("cases:agreements") + "?renew=1", message.body)
        self.assertNotIn("Health Dept", message.body)

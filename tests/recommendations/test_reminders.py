"""remind_overdue: the leads and coordinators of overdue items get one e-mail each."""

import io
from datetime import date

from django.core import mail
from django.core.management import call_command

from recommendations.models import WorkPlanTask
from tests.base import OFRTestCase


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
        self.assertIn("Would e-mail partner@example.org: 1 recommendation(s), 0 task(s).", output)
        self.assertEqual(mail.outbox, [])

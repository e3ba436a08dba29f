"""/healthz: whether this process can serve, for load balancers and monitors.
No sign-in, no session, nothing confidential, and no reason given away."""

from datetime import timedelta
from unittest import mock

from django.db import DatabaseError
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from meetings.packet_jobs import render_packet_copy
from ofr import health

CHECKS = {"database", "storage", "migrations", "packet_queue", "status", "took_ms"}


class HealthTestCase(TestCase):
    url = reverse("healthz")

    def test_a_healthy_process_answers_200_to_anyone_without_a_session(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        report = response.json()
        self.assertEqual(set(report), CHECKS)
        self.assertEqual(
            {k: report[k] for k in ("status", "database", "storage", "migrations")},
            {"status": "ok", "database": "ok", "storage": "ok", "migrations": "ok"},
        )
        self.assertEqual(report["packet_queue"], {"oldest_waiting_seconds": 0, "stalled": False})
        self.assertNotIn("Set-Cookie", response)
        self.assertIn("no-cache", response["Cache-Control"])

    def queue(self, waited: timedelta) -> None:
        """A packet job queued as the app queues them, `waited` ago."""
        with self.captureOnCommitCallbacks(execute=True):
            result = render_packet_copy.enqueue(0)
        row = DBTaskResult.objects.get(pk=result.id)
        row.enqueued_at = timezone.now() - waited
        row.save(update_fields=["enqueued_at"])

    @override_settings(HEALTH_QUEUE_MAX_SECONDS=600)
    def test_a_packet_job_waiting_too_long_means_the_worker_is_down(self):
        self.queue(timedelta(minutes=2))
        report = self.client.get(self.url).json()
        self.assertEqual(report["status"], "ok")
        self.assertGreaterEqual(report["packet_queue"]["oldest_waiting_seconds"], 120)
        self.queue(timedelta(minutes=11))
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertTrue(response.json()["packet_queue"]["stalled"])
        self.assertGreaterEqual(response.json()["packet_queue"]["oldest_waiting_seconds"], 660)

    def test_a_failing_check_answers_503_and_keeps_its_reason_in_the_log(self):
        secret = "password authentication failed for user ofr at db.internal"
        failures = [
            (
                "database",
                mock.patch.object(health, "check_database", side_effect=DatabaseError(secret)),
            ),
            (
                "storage",
                mock.patch.object(health.private_storage, "save", side_effect=OSError(secret)),
            ),
        ]
        for check, failure in failures:
            with self.subTest(check=check), failure, self.assertLogs("ofr.health", "ERROR") as logs:
                response = self.client.get(self.url)
            self.assertEqual(response.status_code, 503)
            self.assertEqual(response.json()[check], "fail")
            self.assertEqual(response.json()["status"], "fail")
            self.assertNotIn(secret, response.content.decode())
            self.assertIn(secret, "\n".join(logs.output))

    def test_unapplied_migrations_fail_the_check(self):
        with (
            mock.patch.object(health, "_migrations_applied", False),
            mock.patch(
                "django.db.migrations.executor.MigrationExecutor.migration_plan",
                return_value=[("a migration", False)],
            ),
            self.assertLogs("ofr.health", "ERROR"),
        ):
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["migrations"], "fail")

    def test_it_only_answers_reads(self):
        self.assertEqual(self.client.post(self.url).status_code, 405)

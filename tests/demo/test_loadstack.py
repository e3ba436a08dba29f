import json
import os
import subprocess
import tempfile
from pathlib import Path
from unittest import mock

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from cases.models import Case, SourceDocument
from demo import bench_dataset, loadstack
from meetings.models import Meeting
from ofr.files import private_storage

PASSWORD = "a-password-for-this-run-only"  # noqa: S105


class LoadStackTestCase(TestCase):
    """The load test's preparation of a benchmark database, and its process cleanup."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.dataset = bench_dataset.build_dataset(cases=30, events=60, detail_events=20)
        # The soak's meeting takes two cases ready for review; few are at this size.
        for case in cls.dataset.team.cases.exclude(
            pk__in=[cls.dataset.detail_case.pk, cls.dataset.small_case.pk]
        )[:2]:
            case.status = Case.Status.READY_FOR_REVIEW
            case.save()

    def test_it_gives_the_bench_users_a_password_and_the_soak_its_cases_and_meeting(self):
        info = loadstack.prepare(password=PASSWORD, soak_clients=3)
        for user in ("coordinator", "reviewer"):
            getattr(self.dataset, user).refresh_from_db()
            self.assertTrue(getattr(self.dataset, user).check_password(PASSWORD))
            self.assertEqual(info[user], getattr(self.dataset, user).username)
        self.assertEqual(info["detail"], str(self.dataset.detail_case.code))
        soak = info["soak"]
        self.assertEqual(len(soak["own"]), 3)
        self.assertNotIn(soak["shared"], soak["own"])
        self.assertNotIn(str(self.dataset.detail_case.code), soak["own"] + soak["read"])
        meeting = Meeting.objects.get(code=soak["meeting"])
        self.assertEqual(meeting.status, Meeting.Status.PLANNED)
        agenda = Case.objects.filter(agenda_items__meeting=meeting)
        self.assertEqual(agenda.filter(status=Case.Status.READY_FOR_REVIEW).count(), 2)
        self.assertEqual(meeting.attendances.filter(signature__isnull=False).count(), 2)
        for document in SourceDocument.objects.filter(case__team=self.dataset.team):
            self.assertTrue(private_storage.exists(document.file.name))
        again = loadstack.prepare(password=PASSWORD, soak_clients=3)
        self.assertEqual(again["soak"]["meeting"], soak["meeting"])

    def test_it_changes_nothing_in_a_database_without_the_benchmark(self):
        with mock.patch("demo.bench_dataset.find_dataset", return_value=None):
            with self.assertRaisesMessage(loadstack.StackFailed, "no benchmark dataset"):
                loadstack.prepare(password=PASSWORD, soak_clients=0)
        self.dataset.coordinator.refresh_from_db()
        self.assertFalse(self.dataset.coordinator.has_usable_password())

    def test_its_preparation_refuses_to_run_on_its_own(self):
        environment = {k: v for k, v in os.environ.items() if k != loadstack.CHILD_FLAG}
        with mock.patch.dict(os.environ, environment, clear=True):
            with self.assertRaisesMessage(CommandError, "--prepare is internal"):
                call_command("loadtest", "--prepare")
            with self.assertRaisesMessage(CommandError, "--read-state is internal"):
                call_command("soak", "--read-state", "wanted.json")

    def test_it_stops_a_process_group_with_its_children(self):
        for script in ("sleep 60 & sleep 60", "trap '' TERM; sleep 60 & sleep 60"):
            with self.subTest(script=script):
                process = subprocess.Popen(["sh", "-c", script], start_new_session=True)  # noqa: S603, S607
                self.assertTrue(loadstack.group_alive(process.pid))
                loadstack.stop_group(process, grace=0.5)
                self.assertFalse(loadstack.group_alive(process.pid))

    def test_it_reads_the_port_a_server_names_in_its_log(self):
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "server.log"
            log.write_text("")
            script = f"sleep 0.3; echo ' * Running on http://127.0.0.1:43435' >> {log}; sleep 60"
            process = subprocess.Popen(["sh", "-c", script], start_new_session=True)  # noqa: S603, S607
            self.addCleanup(loadstack.stop_group, process, grace=0.5)
            port = loadstack.port_from_log(log, r"http://127\.0\.0\.1:(\d+)", process, what="It")
            self.assertEqual(port, 43435)
            gone = subprocess.Popen(["true"])  # noqa: S607
            gone.wait()
            with self.assertRaisesMessage(loadstack.StackFailed, "Quiet did not start"):
                loadstack.port_from_log(log, r"Listening at: (\d+)", gone, what="Quiet")

    def test_its_keys_are_kept_and_a_missing_one_is_added(self):
        with tempfile.TemporaryDirectory() as folder:
            keys_file = Path(folder) / "loadtest.keys"
            keys_file.write_text(json.dumps({"SECRET_KEY": "s", "AUDIT_KEY": "a"}))
            with mock.patch.object(loadstack, "KEYS_FILE", keys_file):
                keys = loadstack.run_keys()
                self.assertEqual((keys["SECRET_KEY"], keys["AUDIT_KEY"]), ("s", "a"))
                Fernet(keys["FIELD_ENCRYPTION_KEYS"])  # a Fernet key
                self.assertEqual(loadstack.run_keys(), keys)
                self.assertEqual(json.loads(keys_file.read_text()), keys)

    def test_it_gives_children_production_settings_without_the_parents_database(self):
        environment = {"DATABASE_URL": "postgres://elsewhere/db", "SQLITE_PATH": "x", "DEBUG": "1"}
        with mock.patch.dict(os.environ, environment):
            env = loadstack.production_environment({"SECRET_KEY": "s", "AUDIT_KEY": "a"})
        self.assertNotIn("DATABASE_URL", env)
        self.assertNotIn("SQLITE_PATH", env)
        self.assertEqual((env["DEBUG"], env["SECRET_KEY"], env["AUDIT_KEY"]), ("", "s", "a"))
        self.assertEqual((env["SECURE_SSL_REDIRECT"], env["SECURE_COOKIES"]), ("0", "0"))

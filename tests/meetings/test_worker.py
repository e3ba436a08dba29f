"""A packet worker killed mid-job leaves its task row RUNNING, its copy
rendering and its job folder behind: reaping fails the row and the copy with
the plain stale message, at once when the worker is known gone, after the
time limit plus its margin otherwise; the folder goes with its process."""

import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from meetings import packet_jobs
from meetings.models import PacketCopy
from meetings.packet_jobs import render_packet_copy, start_packet
from meetings.worker import PACKET_TASK, Reaped, reap, this_host, worker_id
from tests.base import OFRTestCase

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class PacketWorkerReapingTestCase(OFRTestCase):
    def setUp(self) -> None:
        with override_settings(TASKS=DUMMY):
            self.copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.copy.status = PacketCopy.Status.RENDERING
        self.copy.save()

    def running_row(self, worker: str, *, started_ago: float = 5, copy=None) -> DBTaskResult:
        return DBTaskResult.objects.create(
            status=TaskResultStatus.RUNNING,
            args_kwargs={"args": [(copy or self.copy).pk], "kwargs": {}},
            task_path=PACKET_TASK,
            backend_name="default",
            run_after=get_date_max(),
            started_at=timezone.now() - timedelta(seconds=started_ago),
            worker_ids=[worker],
        )

    def ended_pid(self) -> int:
        child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
        child.wait()
        return child.pid

    def assert_reaped(self, row: DBTaskResult) -> None:
        row.refresh_from_db()
        self.assertEqual(row.status, TaskResultStatus.FAILED)
        self.assertEqual(row.exception_class_path, "meetings.worker.WorkerLost")
        self.assertIsNotNone(row.finished_at)
        self.copy.refresh_from_db()
        self.assertEqual(self.copy.status, PacketCopy.Status.FAILED)
        self.assertEqual(self.copy.error, packet_jobs.STALE_ERROR)
        self.assertEqual(self.copy.history.first().history_change_reason, "Packet failed")

    def test_it_fails_at_once_a_row_whose_worker_on_this_host_is_gone(self):
        row = self.running_row(f"{this_host()}:{self.ended_pid()}")
        with self.assertLogs("meetings.worker", "WARNING"):
            self.assertEqual(reap(), Reaped(tasks=1, copies=1))
        self.assert_reaped(row)

    def test_it_leaves_a_live_workers_row_and_another_hosts_row_within_the_time(self):
        rows = [
            self.running_row(worker_id()),  # this very process: alive
            self.running_row("elsewhere.example:1"),
            self.running_row("a-random-db-worker-id"),  # a plain db_worker's own id
            self.running_row(f"{this_host()}:{os.getpid()}", started_ago=60),
        ]
        self.assertEqual(reap(), Reaped(tasks=0, copies=0))
        for row in rows:
            row.refresh_from_db()
            self.assertEqual(row.status, TaskResultStatus.RUNNING)
        self.copy.refresh_from_db()
        self.assertEqual(self.copy.status, PacketCopy.Status.RENDERING)

    def test_it_fails_any_row_running_longer_than_the_time_limit_and_margin(self):
        limit = packet_jobs.stale_after()
        within = self.running_row("elsewhere.example:1", started_ago=limit - 30)
        row = self.running_row("elsewhere.example:2", started_ago=limit + 1)
        with self.assertLogs("meetings.worker", "WARNING"):
            self.assertEqual(reap().tasks, 1)
        self.assert_reaped(row)
        within.refresh_from_db()
        self.assertEqual(within.status, TaskResultStatus.RUNNING)

    def test_the_margin_grows_with_the_time_limit(self):
        with self.settings(OFR_PACKET_TIME_LIMIT=900):
            row = self.running_row("elsewhere.example:1", started_ago=900 + 1200)
            self.assertEqual(reap().tasks, 0)  # under 900 + 2 x 900
            row.started_at = timezone.now() - timedelta(seconds=900 + 1800 + 1)
            row.save()
            with self.assertLogs("meetings.worker", "WARNING"):
                self.assertEqual(reap().tasks, 1)

    def test_a_copy_whose_worker_never_came_is_failed_after_the_limit(self):
        self.copy.status = PacketCopy.Status.QUEUED
        self.copy.requested_at = timezone.now() - timedelta(seconds=packet_jobs.stale_after() + 1)
        self.copy.save()
        out = io.StringIO()
        with self.assertLogs("meetings.worker", "WARNING"):
            call_command("reap_tasks", stdout=out)
        self.assertEqual(
            out.getvalue().strip(),
            "0 task(s) of stopped workers failed; 1 packet copy(ies) failed.",
        )
        self.copy.refresh_from_db()
        self.assertEqual(self.copy.error, packet_jobs.STALE_ERROR)

    def test_a_finished_copy_is_never_touched(self):
        self.copy.status = PacketCopy.Status.FAILED
        self.copy.error = "The packet needed more memory than allowed."
        self.copy.save()
        row = self.running_row(f"{this_host()}:{self.ended_pid()}")
        with self.assertLogs("meetings.worker", "WARNING"):
            self.assertEqual(reap(), Reaped(tasks=1, copies=0))
        row.refresh_from_db()
        self.assertEqual(row.status, TaskResultStatus.FAILED)
        self.copy.refresh_from_db()
        self.assertEqual(self.copy.error, "The packet needed more memory than allowed.")

    def test_every_packet_job_reaps_before_it_starts(self):
        row = self.running_row(f"{this_host()}:{self.ended_pid()}")
        with override_settings(TASKS=DUMMY):
            other = start_packet(self.meeting, self.facilitator, requested_by=self.facilitator)
        with (
            tempfile.TemporaryDirectory() as parent,
            self.settings(OFR_PACKET_WORK_DIR=parent),
            self.assertLogs("meetings", "WARNING"),
        ):
            # Stopped at layout: this test is about what happens before.
            with self.settings(OFR_PACKET_TIME_LIMIT=0.001):
                render_packet_copy.call(other.pk)
        self.assert_reaped(row)

    def test_a_stopped_workers_job_folder_is_swept_at_once(self):
        with (
            tempfile.TemporaryDirectory() as parent,
            self.settings(OFR_PACKET_WORK_DIR=str(Path(parent) / "work")),
        ):
            root = packet_jobs.work_root()
            killed = root / f"ofr-packet-{self.ended_pid()}-abc_123"
            killed.mkdir()
            (killed / "packet.html").write_text("<p>confidential</p>")
            mine = root / f"{packet_jobs.work_folder_prefix()}xyz"
            mine.mkdir()
            with self.assertLogs("meetings.packet_jobs", "WARNING"):
                self.assertEqual(packet_jobs.sweep_work_folders(), 1)
            self.assertFalse(killed.exists())
            self.assertTrue(mine.exists())


class LayoutProcessLifeTestCase(OFRTestCase):
    def test_the_layout_process_dies_with_its_worker(self):
        # A "worker" starts a child that asks to die with it, then is killed.
        child_code = (
            "import sys, time; from meetings.pdf_worker import die_with_parent; "
            "die_with_parent(int(sys.argv[1])); print('ready', flush=True); time.sleep(60)"
        )
        parent_code = (
            "import os, subprocess, sys, time; "
            f"child = subprocess.Popen([sys.executable, '-c', {child_code!r}, str(os.getpid())], "
            "stdout=subprocess.PIPE, text=True); child.stdout.readline(); "
            "print(child.pid, flush=True); time.sleep(60)"
        )
        parent = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", parent_code],
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "ofr.settings"},
        )
        child_pid = int(parent.stdout.readline())
        self.assertTrue(packet_jobs.process_alive(child_pid))
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while running(child_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(running(child_pid))


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent that is gone to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return packet_jobs.process_alive(pid)
    return state not in ("Z", "X")

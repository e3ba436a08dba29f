"""Where the packet task keeps a copy's PDF: whole at its name once the copy
is ready, never a part of it nor a file for a copy that failed. The layout is
stubbed (it has nothing to do with storage; tests/meetings/test_packet_jobs.py
runs the real child process), so that test_packet_storage_on_s3.py can run
these again against a bucket in well under a second."""

import hashlib
from unittest import mock

from django.test import override_settings
from django.urls import reverse

from meetings import packet_jobs
from meetings.models import Meeting, PacketCopy
from meetings.packet_jobs import Rendered, render_packet_copy, start_packet
from ofr.files import private_storage, temporary_name
from ofr.models import AccessEvent
from tests.base import PDF_BYTES, OFRTestCase, full_disk, replace_stored, stored_content
from tests.meetings.test_packet_jobs import packet_files

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def laid_out(html, folder, **limits) -> Rendered:
    target = folder / "packet.pdf"
    target.write_bytes(PDF_BYTES)
    return Rendered(target, pages=1, seconds=0, cpu_seconds=0, peak_rss_mb=0, peak_vm_mb=0)


@override_settings(TASKS=IMMEDIATE)
class PacketStorageTestCase(OFRTestCase):
    def setUp(self) -> None:
        patcher = mock.patch.object(packet_jobs, "render_in_subprocess", side_effect=laid_out)
        patcher.start()
        self.addCleanup(patcher.stop)

    def make_copy(self) -> PacketCopy:
        copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        with self.captureOnCommitCallbacks(execute=True):
            render_packet_copy.call(copy.pk)
        copy.refresh_from_db()
        return copy

    def download(self, copy: PacketCopy):
        self.client.force_login(self.reviewer)
        return self.client.get(
            reverse("meetings:download_packet", args=[self.meeting.code, copy.code])
        )

    def test_the_task_stores_the_whole_packet_and_its_recipient_downloads_it(self):
        files = packet_files(self.meeting)
        copy = self.make_copy()
        self.assertEqual(copy.status, PacketCopy.Status.READY)
        self.assertEqual(copy.sha256, hashlib.sha256(PDF_BYTES).hexdigest())
        self.assertEqual(stored_content(copy.file.name), PDF_BYTES)
        self.assertEqual(packet_files(self.meeting) - files, {copy.file.name})
        response = self.download(copy)
        self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)
        event = AccessEvent.objects.get(action=AccessEvent.Action.DOWNLOAD)
        self.assertTrue(event.detail.endswith(f"sha256:{copy.sha256}"))

    def test_a_packet_changed_in_storage_is_refused_and_logged(self):
        copy = self.make_copy()
        replace_stored(copy.file.name, PDF_BYTES + b"% altered\n")
        with self.assertLogs("ofr.files", "ERROR"):
            response = self.download(copy)
        self.assertContains(response, "failed its integrity check", status_code=409)
        event = AccessEvent.objects.get(action=AccessEvent.Action.DOWNLOAD)
        self.assertTrue(event.detail.endswith("integrity check failed"))

    def test_a_full_disk_fails_the_copy_and_keeps_no_part_of_it(self):
        files = packet_files(self.meeting)
        with full_disk(), self.assertLogs("meetings.packet_jobs", "ERROR"):
            copy = self.make_copy()
        self.assertEqual((copy.status, copy.error), ("failed", packet_jobs.NO_SPACE_ERROR))
        self.assertFalse(copy.file)
        self.assertEqual(packet_files(self.meeting), files)

    def test_a_meeting_closed_while_the_file_was_written_keeps_no_file(self):
        files = packet_files(self.meeting)

        def close_meanwhile(*args, **kwargs):
            Meeting.objects.filter(pk=self.meeting.pk).update(status=Meeting.Status.CLOSED)
            return laid_out(*args, **kwargs)

        with (
            mock.patch.object(packet_jobs, "render_in_subprocess", side_effect=close_meanwhile),
            self.assertLogs("meetings.packet_jobs", "WARNING"),
        ):
            copy = self.make_copy()
        self.assertEqual((copy.status, copy.error), ("failed", packet_jobs.CLOSED_ERROR))
        self.assertEqual(packet_files(self.meeting), files)

    def test_closing_the_meeting_deletes_the_file(self):
        copy = self.make_copy()
        name = copy.file.name
        copy.delete_file(by=self.coordinator, reason="Meeting closed: electronic copy deleted")
        self.assertFalse(private_storage.exists(name))
        self.assertFalse(private_storage.exists(temporary_name(name)))
        self.assertEqual(copy.history.latest().file, "")

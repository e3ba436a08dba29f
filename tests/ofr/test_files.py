"""Stored files leave only through ofr.files.send_stored_file: source documents,
packet copies and recommendation evidence get the same checks and answers."""

import hashlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from meetings.models import PacketCopy
from ofr.audit import Action
from ofr.files import content_type_for
from tests.base import PDF_BYTES, OFRTestCase


class StoredFilesTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.packet_copy = PacketCopy(
            meeting=cls.meeting,
            number=1,
            recipient=cls.reviewer,
            requested_by=cls.reviewer,
            status=PacketCopy.Status.READY,
            progress=100,
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            size=len(PDF_BYTES),
            page_count=1,
            finished_at=timezone.now(),
            case_ids=list(cls.meeting.agenda_items.values_list("case_id", flat=True)),
        )
        cls.packet_copy.file.save("packet.pdf", ContentFile(PDF_BYTES), save=False)
        cls.packet_copy.save()

    def downloads(self) -> list:
        """(what, who may download it, its URL, its stored file) for each kind."""
        return [
            (
                "document",
                self.coordinator,
                reverse("cases:download_document", args=[self.case.code, self.document.code]),
                self.document.file,
            ),
            (
                "packet copy",
                self.reviewer,
                reverse(
                    "meetings:download_packet", args=[self.meeting.code, self.packet_copy.code]
                ),
                self.packet_copy.file,
            ),
            (
                "evidence",
                self.partner,
                reverse(
                    "recommendations:download_evidence",
                    kwargs={"code": self.recommendation.code, "update": self.update.code},
                ),
                self.update.evidence,
            ),
        ]

    def change_on_disk(self, stored, content: bytes | None) -> None:
        """Replace (or, with None, delete) a stored file until the test ends: the
        files outlive the test's transaction."""
        path = Path(stored.path)
        original = path.read_bytes()
        self.addCleanup(path.write_bytes, original)
        if content is None:
            path.unlink()
        else:
            path.write_bytes(content)

    def test_every_download_is_a_checked_attachment_no_browser_renders(self):
        for what, user, url, _stored in self.downloads():
            with self.subTest(what):
                self.client.force_login(user)
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)
                self.assertEqual(response["Content-Type"], "application/pdf")
                self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response["Content-Security-Policy"], "default-src 'none'; sandbox")
                self.assertIn("no-store", response["Cache-Control"])
                event = self.events(action=Action.DOWNLOAD, user=user).get()
                self.assertTrue(
                    event.detail.endswith(f"sha256:{hashlib.sha256(PDF_BYTES).hexdigest()}"),
                    event.detail,
                )

    def test_a_tampered_file_gets_the_same_answer_from_every_download(self):
        for what, user, url, stored in self.downloads():
            with self.subTest(what):
                self.change_on_disk(stored, PDF_BYTES.replace(b"1.4", b"1.7"))
                self.client.force_login(user)
                with self.assertLogs("ofr.files", "ERROR") as logs:
                    response = self.client.get(url)
                self.assertContains(response, "failed its integrity check", status_code=409)
                self.assertNotIn("Content-Disposition", response)
                self.assertNotIn(b"%PDF", response.content)
                self.assertIn(stored.name, logs.output[0])
                event = self.events(action=Action.DOWNLOAD, user=user).get()
                self.assertTrue(event.detail.endswith(": integrity check failed"), event.detail)

    def test_a_missing_file_gets_the_same_answer_from_every_download(self):
        for what, user, url, stored in self.downloads():
            with self.subTest(what):
                self.change_on_disk(stored, None)
                self.client.force_login(user)
                with self.assertLogs("ofr.files", "ERROR"):
                    response = self.client.get(url)
                self.assertContains(response, "The stored file is missing", status_code=410)
                self.assertNotIn("Content-Disposition", response)
                event = self.events(action=Action.DOWNLOAD, user=user).get()
                self.assertTrue(event.detail.endswith(": file missing"), event.detail)

    def test_it_serves_each_accepted_type_with_its_own_content_type(self):
        self.assertEqual(content_type_for(".pdf"), "application/pdf")
        self.assertEqual(content_type_for(".JPEG"), "image/jpeg")
        self.assertEqual(content_type_for(".txt"), "text/plain; charset=utf-8")
        self.assertEqual(content_type_for(".html"), "application/octet-stream")
        self.assertEqual(content_type_for(""), "application/octet-stream")

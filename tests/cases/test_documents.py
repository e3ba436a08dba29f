import errno
import hashlib
import os
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import RecordRequest, SourceDocument
from cases.policy import PART2_NOTICE
from ofr.audit import Action
from ofr.files import private_storage, temporary_name
from ofr.roles import Role, SensitiveCategory
from ofr.storage_check import stored_files as stored
from tests.base import (
    PDF_BYTES,
    OFRTestCase,
    full_disk,
    make_member,
    replace_stored,
    stored_content,
)

PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
    b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
# A 1x1 pixel image written by Pillow.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55"
    "0000000a4944415478da63f80f00010101001cb08c990000000049454e44ae426082"
)
TEXT = "EMS run 24-113: naloxone 4 mg intranasal — patient refused transport.\n".encode()
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PART2_TITLE = "Methadone clinic chart"


def stored_files() -> set[str]:
    return set(stored())


class DocumentsTestCase(OFRTestCase):
    def add_url(self):
        return reverse("cases:add_document", args=[self.case.code])

    def edit_url(self, document=None):
        document = document or self.document
        return reverse("cases:edit_document", args=[self.case.code, document.code])

    def download_url(self, document=None):
        document = document or self.document
        return reverse("cases:download_document", args=[self.case.code, document.code])

    def detail_url(self):
        return reverse("cases:detail", args=[self.case.code])

    def section_url(self):
        return self.detail_url() + "#documents"

    def upload_data(self, name="ME report.pdf", content=PDF, **changes):
        return {
            "file": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
            "title": "Medical examiner report",
            "document_type": "me_coroner_investigation",
            "agency": self.health.pk,
            "record_request": self.record_request.pk,
            "received_on": "2025-04-10",
            "sensitivity": "",
            **changes,
        }

    def edit_data(self, **changes):
        return {
            "title": "ED record, St. Mary's",
            "document_type": "hospital_ed",
            "agency": self.health.pk,
            "record_request": "",
            "received_on": "2025-04-12",
            "sensitivity": "",
            "opened_version": 1,
            **changes,
        }

    def make_document(self, title, content=PDF_BYTES, sensitivity=""):
        document = SourceDocument(
            case=self.case,
            title=title,
            document_type="sud_treatment" if sensitivity else "hospital_ed",
            sensitivity=sensitivity,
            received_on=date(2025, 4, 2),
            original_name="chart.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=self.coordinator,
        )
        document.file.save("chart.pdf", ContentFile(content), save=False)
        document.save()
        return document

    # --- add_document ---------------------------------------------------------

    def test_it_shows_the_upload_form(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.add_url())
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, 'type="file"')
        self.assertContains(response, "up to 25.0\xa0MB")

    def post_upload(self, data):
        """Post an upload and commit it: its file moves into place."""
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.add_url(), data)

    def test_it_uploads_a_pdf_and_records_its_size_and_sha256(self):
        self.client.force_login(self.coordinator)
        response = self.post_upload(self.upload_data())
        self.assertRedirects(response, self.section_url(), fetch_redirect_response=False)
        document = SourceDocument.objects.get(title="Medical examiner report")
        self.assertEqual(document.size, len(PDF))
        self.assertEqual(document.sha256, hashlib.sha256(PDF).hexdigest())
        self.assertEqual(
            (document.content_type, document.extension, document.original_name),
            ("application/pdf", ".pdf", "ME report.pdf"),
        )
        self.assertEqual((document.uploaded_by, document.sensitivity), (self.coordinator, ""))
        self.assertEqual(document.record_request, self.record_request)
        # At its final name, whole, and nothing left under the temporary one.
        self.assertEqual(
            hashlib.sha256(stored_content(document.file.name)).hexdigest(), document.sha256
        )
        self.assertFalse(private_storage.exists(temporary_name(document.file.name)))
        history = document.history.get()
        self.assertEqual(history.history_change_reason, "Document uploaded")
        self.assertEqual(history.history_user, self.coordinator)

    def test_it_stores_the_file_under_media_root_with_a_name_of_its_own(self):
        self.client.force_login(self.data_manager)
        self.post_upload(self.upload_data(name="Jordan Example ME report.pdf"))
        document = SourceDocument.objects.get(title="Medical examiner report")
        path = Path(document.file.path).resolve()
        self.assertTrue(path.is_file())
        self.assertTrue(path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()))
        self.assertFalse(path.is_relative_to(Path(settings.STATIC_ROOT).resolve()))
        self.assertNotIn("Jordan", document.file.name)
        self.assertNotIn("report", document.file.name)
        self.assertTrue(document.file.name.startswith(f"cases/{self.case.code}/"))
        self.assertTrue(document.file.name.endswith(".pdf"))

    def test_it_uploads_a_png_and_a_text_file(self):
        self.client.force_login(self.coordinator)
        for name, content, content_type in (
            ("scan.png", PNG, "image/png"),
            ("run report.txt", TEXT, "text/plain; charset=utf-8"),
        ):
            with self.subTest(name=name):
                data = self.upload_data(name=name, content=content, title=name)
                self.assertEqual(self.client.post(self.add_url(), data).status_code, 302)
                document = SourceDocument.objects.get(title=name)
                self.assertEqual(document.content_type, content_type)
                self.assertEqual(document.size, len(content))
                self.assertEqual(document.sha256, hashlib.sha256(content).hexdigest())

    def test_it_stores_a_file_too_large_to_be_kept_in_memory(self):
        content = TEXT * (3 * 1024 * 1024 // len(TEXT))  # above FILE_UPLOAD_MAX_MEMORY_SIZE
        self.client.force_login(self.coordinator)
        data = self.upload_data(name="runs.txt", content=content)
        self.assertEqual(self.post_upload(data).status_code, 302)
        document = SourceDocument.objects.get(title="Medical examiner report")
        self.assertEqual(document.size, len(content))
        self.assertEqual(stored_content(document.file.name), content)

    def test_no_upload_is_ever_written_to_a_temporary_file(self):
        # A process killed mid-upload would leave it behind. A file over the
        # limit is counted and thrown away, then refused by its size.
        self.client.force_login(self.coordinator)
        never = mock.patch(
            "django.core.files.uploadhandler.TemporaryUploadedFile",
            side_effect=AssertionError("an upload went to a temporary file"),
        )
        limits = override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=10_000, OFR_MAX_UPLOAD_BYTES=9_000)
        for content, status in ((PDF + b"%" * 5000, 302), (PDF + b"%" * 20_000, 200)):
            data = self.upload_data(name="big.pdf", content=content, title=f"{len(content)}")
            with never, limits:
                response = self.post_upload(data)
            self.assertEqual(response.status_code, status)
        self.assertContains(response, "This file is 19.8 KB; the limit is 8.7 KB.")
        self.assertFalse(SourceDocument.objects.filter(title=str(len(content))).exists())

    def test_it_refuses_disguised_empty_and_oversized_files_and_keeps_nothing(self):
        self.client.force_login(self.coordinator)
        cases = (
            ("setup.pdf", WINDOWS_EXE, "its contents are a Windows executable", None),
            ("notes.txt", HTML, "a web page or other markup", None),
            ("empty.pdf", b"", "This file is empty.", None),
            ("big.pdf", PDF + b"%" * 2048, "the limit is 1 KB", 1024),
        )
        for name, content, message, limit in cases:
            with self.subTest(name=name):
                rows, files = SourceDocument.objects.count(), stored_files()
                data = self.upload_data(name=name, content=content)
                with override_settings(OFR_MAX_UPLOAD_BYTES=limit or settings.OFR_MAX_UPLOAD_BYTES):
                    response = self.client.post(self.add_url(), data)
                self.assertContains(response, message)
                self.assertContains(response, "usa-error-message")
                self.assertEqual(SourceDocument.objects.count(), rows)
                self.assertEqual(stored_files(), files)

    def test_it_applies_the_default_category_of_the_type_and_says_so(self):
        self.client.force_login(self.coordinator)
        data = self.upload_data(title="Treatment chart", document_type="sud_treatment")
        response = self.client.post(self.add_url(), data, follow=True)
        document = SourceDocument.objects.get(title="Treatment chart")
        self.assertEqual(document.sensitivity, SensitiveCategory.PART2_SUD)
        self.assertContains(response, "It is restricted to SUD treatment (42 CFR Part 2)")

    def test_an_explicit_category_wins_over_the_default(self):
        self.client.force_login(self.coordinator)
        data = self.upload_data(
            title="Chart", document_type="sud_treatment", sensitivity="mental_health"
        )
        response = self.client.post(self.add_url(), data, follow=True)
        self.assertEqual(SourceDocument.objects.get(title="Chart").sensitivity, "mental_health")
        self.assertNotContains(response, "It is restricted to")

    def test_an_editor_may_not_upload_into_a_category_they_may_not_view(self):
        sheriff_manager = make_member("sheriffdm", self.team, Role.DATA_MANAGER, self.sheriff)
        self.client.force_login(sheriff_manager)
        self.assertNotContains(self.client.get(self.add_url()), 'value="part2_sud"')
        files = stored_files()
        chosen = self.upload_data(sensitivity="part2_sud")
        response = self.client.post(self.add_url(), chosen)
        self.assertContains(response, "You may not file a document in a category you cannot view")
        by_default = self.upload_data(document_type="sud_treatment")
        response = self.client.post(self.add_url(), by_default)
        self.assertContains(response, "SUD treatment record documents are restricted to")
        self.assertFalse(SourceDocument.objects.filter(title="Medical examiner report").exists())
        self.assertEqual(stored_files(), files)

    def test_it_refuses_a_future_date_and_another_cases_request(self):
        other_request = RecordRequest.objects.create(
            case=self.other_case,
            agency=self.health,
            record_types=["hospital_ed"],
            legal_basis="ofr_statute",
            window_start=date(2023, 1, 1),
            window_end=date(2025, 1, 1),
            requested_on=date(2025, 2, 1),
        )
        self.client.force_login(self.coordinator)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client.post(self.add_url(), self.upload_data(received_on=tomorrow))
        self.assertContains(response, "The date received cannot be in the future.")
        response = self.client.post(
            self.add_url(), self.upload_data(record_request=other_request.pk)
        )
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(SourceDocument.objects.filter(title="Medical examiner report").exists())

    def test_it_leaves_no_file_when_the_row_cannot_be_saved(self):
        self.client.force_login(self.coordinator)
        files = stored_files()
        with mock.patch.object(SourceDocument, "save", side_effect=DatabaseError("disk full")):
            with self.assertLogs("cases.views.documents", "ERROR"):
                response = self.client.post(self.add_url(), self.upload_data())
        self.assertContains(response, "nothing was saved", status_code=503)
        self.assertFalse(SourceDocument.objects.filter(title="Medical examiner report").exists())
        self.assertEqual(stored_files(), files)

    def test_an_upload_waits_under_a_temporary_name_until_its_row_commits(self):
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks() as on_commit:
            self.client.post(self.add_url(), self.upload_data())
        name = SourceDocument.objects.get(title="Medical examiner report").file.name
        self.assertFalse(private_storage.exists(name))
        self.assertEqual(stored_content(temporary_name(name)), PDF)
        for callback in on_commit:
            callback()
        self.assertEqual(stored_content(name), PDF)
        self.assertFalse(private_storage.exists(temporary_name(name)))

    def test_a_row_rolled_back_after_it_was_saved_leaves_no_file(self):
        save = SourceDocument.save

        def save_then_fail(document, *args, **kwargs):
            save(document, *args, **kwargs)
            raise IntegrityError("a constraint checked at commit")

        self.client.force_login(self.coordinator)
        files = stored_files()
        with (
            mock.patch.object(SourceDocument, "save", save_then_fail),
            self.captureOnCommitCallbacks(execute=True),
            self.assertLogs("cases.views.documents", "ERROR"),
        ):
            response = self.client.post(self.add_url(), self.upload_data())
        self.assertContains(response, "nothing was saved", status_code=503)
        self.assertFalse(SourceDocument.objects.filter(title="Medical examiner report").exists())
        self.assertEqual(stored_files(), files)

    def test_a_full_disk_keeps_no_part_of_the_file_and_nothing_typed_is_lost(self):
        self.client.force_login(self.coordinator)
        files = stored_files()
        with full_disk(), self.assertLogs("cases.views.documents", "ERROR"):
            response = self.post_upload(self.upload_data())
        self.assertContains(response, "There is no room left to store files", status_code=503)
        self.assertContains(response, "choose the file again", status_code=503)
        self.assertContains(response, 'value="Medical examiner report"', status_code=503)
        self.assertContains(response, 'value="2025-04-10"', status_code=503)
        self.assertFalse(SourceDocument.objects.filter(title="Medical examiner report").exists())
        self.assertEqual(stored_files(), files)

    def test_a_disk_too_full_for_the_documents_folder_refuses_the_upload(self):
        # The file fits under its temporary name, but its final folder cannot
        # be made: refused before the row commits, never a row without its file.
        self.client.force_login(self.coordinator)
        files = stored_files()
        makedirs, temporary = os.makedirs, os.path.join(settings.MEDIA_ROOT, "tmp")

        def no_room_for_folders(path, *args, **kwargs):
            if not str(path).startswith(temporary):
                raise OSError(errno.ENOSPC, "No space left on device")
            return makedirs(path, *args, **kwargs)

        with (
            mock.patch("ofr.files.os.makedirs", no_room_for_folders),
            self.assertLogs("cases.views.documents", "ERROR"),
        ):
            response = self.post_upload(self.upload_data())
        self.assertContains(response, "There is no room left to store files", status_code=503)
        self.assertFalse(SourceDocument.objects.filter(title="Medical examiner report").exists())
        self.assertEqual(stored_files(), files)

    def test_upload_redirects_anonymous_to_login(self):
        response = self.client.post(self.add_url(), self.upload_data())
        self.assertRedirects(response, f"{reverse('login')}?next={self.add_url()}")

    def test_upload_answers_404_to_an_outsider(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.add_url(), self.upload_data()).status_code, 404)

    def test_upload_answers_403_to_read_only_members_and_keeps_nothing(self):
        files = stored_files()
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.add_url(), self.upload_data()).status_code, 403)
        self.assertFalse(SourceDocument.objects.filter(title="Medical examiner report").exists())
        self.assertEqual(stored_files(), files)

    def test_upload_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.put(self.add_url()).status_code, 405)

    # --- edit_document --------------------------------------------------------

    def test_it_edits_the_details_and_writes_a_history_row(self):
        self.client.force_login(self.coordinator)
        before = self.document.history.count()
        name, sha256 = self.document.file.name, self.document.sha256
        response = self.client.post(self.edit_url(), self.edit_data())
        self.assertRedirects(response, self.section_url(), fetch_redirect_response=False)
        self.document.refresh_from_db()
        self.assertEqual(self.document.title, "ED record, St. Mary's")
        self.assertEqual(self.document.received_on, date(2025, 4, 12))
        self.assertEqual(self.document.version, 2)
        self.assertEqual((self.document.file.name, self.document.sha256), (name, sha256))
        self.assertEqual(self.document.history.count(), before + 1)
        latest = self.document.history.first()
        self.assertEqual(latest.history_change_reason, "Document details edited")
        self.assertEqual(latest.history_user, self.coordinator)

    def test_edit_never_replaces_the_file(self):
        self.client.force_login(self.coordinator)
        name = self.document.file.name
        data = self.edit_data(file=SimpleUploadedFile("other.pdf", PDF))
        self.assertEqual(self.client.post(self.edit_url(), data).status_code, 302)
        self.document.refresh_from_db()
        self.assertEqual((self.document.file.name, self.document.size), (name, len(PDF_BYTES)))

    def test_edit_refuses_a_future_date_with_a_message(self):
        self.client.force_login(self.coordinator)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client.post(self.edit_url(), self.edit_data(received_on=tomorrow))
        self.assertContains(response, "The date received cannot be in the future.")
        self.document.refresh_from_db()
        self.assertEqual(self.document.version, 1)

    def test_a_stale_edit_is_refused_and_only_one_history_row_is_written(self):
        before = self.document.history.count()
        self.client.force_login(self.data_manager)
        first = self.client.post(self.edit_url(), self.edit_data(title="Theirs"))
        self.assertEqual(first.status_code, 302)
        self.client.force_login(self.coordinator)
        response = self.client.post(self.edit_url(), self.edit_data(title="Mine"))
        self.assertContains(response, "Not saved", status_code=409)
        self.assertContains(response, "Theirs", status_code=409)
        self.assertContains(response, 'value="Mine"', status_code=409)
        self.document.refresh_from_db()
        self.assertEqual(self.document.title, "Theirs")
        self.assertEqual(self.document.history.count(), before + 1)

    def test_edit_redirects_anonymous_to_login(self):
        response = self.client.post(self.edit_url(), self.edit_data())
        self.assertRedirects(response, f"{reverse('login')}?next={self.edit_url()}")

    def test_edit_answers_404_to_an_outsider(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.edit_url(), self.edit_data()).status_code, 404)

    def test_edit_answers_403_to_read_only_members(self):
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.edit_url(), self.edit_data()).status_code, 403)
        self.document.refresh_from_db()
        self.assertEqual(self.document.title, "ED record")

    def test_edit_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.delete(self.edit_url()).status_code, 405)

    # --- download_document ----------------------------------------------------

    def test_it_sends_the_file_with_safe_headers_and_logs_the_download(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.download_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="ed-record.pdf"')
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(response["Content-Security-Policy"], "default-src 'none'; sandbox")
        event = self.events(action=Action.DOWNLOAD).get()
        self.assertEqual(event.user, self.reviewer)
        self.assertEqual(event.object_id, str(self.case.code))
        # The download event names the file by its fingerprint too.
        self.assertEqual(
            event.detail, f"document {self.document.code} sha256:{self.document.sha256}"
        )

    def test_download_redirects_anonymous_to_login(self):
        response = self.client.get(self.download_url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.download_url()}")
        self.assertFalse(self.events(action=Action.DOWNLOAD).exists())

    def test_download_answers_404_to_an_outsider_and_to_partners(self):
        for user in (self.outsider, self.partner, self.oversight):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.download_url()).status_code, 404)
        self.assertFalse(self.events(action=Action.DOWNLOAD).exists())

    def test_download_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.post(self.download_url()).status_code, 405)

    def test_a_part2_document_is_hidden_from_law_enforcement(self):
        document = self.make_document(PART2_TITLE, PDF, SensitiveCategory.PART2_SUD)
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get(self.download_url(document)).status_code, 404)
        self.assertEqual(self.client.get(self.edit_url(document)).status_code, 404)
        page = self.client.get(self.detail_url())
        self.assertContains(page, "SUD treatment record (restricted)")
        self.assertContains(page, "April 2025")
        self.assertNotContains(page, PART2_TITLE)
        self.assertNotContains(page, str(document.code))
        self.assertNotContains(page, document.sha256[:12])
        self.assertFalse(self.events(action=Action.DOWNLOAD).exists())

    def test_a_part2_document_is_shown_to_the_reviewer_with_the_notice(self):
        document = self.make_document(PART2_TITLE, PDF, SensitiveCategory.PART2_SUD)
        self.client.force_login(self.reviewer)
        page = self.client.get(self.detail_url())
        self.assertContains(page, PART2_TITLE)
        self.assertContains(page, PART2_NOTICE)
        self.assertContains(page, self.download_url(document))
        self.assertNotContains(page, f'href="{self.edit_url(document)}"')  # editors only
        # The notice comes before the file, which goes as it was received.
        response = self.client.get(self.download_url(document))
        self.assertContains(response, PART2_NOTICE)
        self.assertContains(response, 'href="?notice=read"')
        self.assertFalse(self.events(action=Action.DOWNLOAD).exists())
        response = self.client.get(self.download_url(document) + "?notice=read")
        self.assertEqual(b"".join(response.streaming_content), PDF)
        self.assertTrue(
            self.events(
                action=Action.DOWNLOAD, detail=f"document {document.code} sha256:{document.sha256}"
            )
        )

    def test_the_section_lists_the_documents_with_their_download_links(self):
        self.client.force_login(self.coordinator)
        page = self.client.get(self.detail_url())
        self.assertContains(page, "ED record")
        self.assertContains(page, f"Download (PDF, {len(PDF_BYTES)}\xa0bytes)")
        self.assertContains(page, self.document.sha256[:12])
        self.assertNotContains(page, self.document.sha256)
        self.assertContains(page, f'href="{self.edit_url()}"')
        self.assertContains(page, self.add_url())
        self.assertNotContains(page, self.document.file.name)

    def test_a_tampered_file_is_refused_with_the_integrity_message(self):
        document = self.make_document("Hospital chart")
        replace_stored(document.file.name, PDF_BYTES.replace(b"1.4", b"1.7"))
        self.client.force_login(self.coordinator)
        with self.assertLogs("ofr.files", "ERROR"):
            response = self.client.get(self.download_url(document))
        self.assertContains(response, "failed its integrity check", status_code=409)
        self.assertNotIn("Content-Disposition", response)
        event = self.events(action=Action.DOWNLOAD).get()
        self.assertEqual(
            event.detail,
            f"document {document.code} sha256:{document.sha256}: integrity check failed",
        )

    def test_a_missing_file_is_reported_not_a_server_error(self):
        document = self.make_document("Hospital chart")
        private_storage.delete(document.file.name)
        self.client.force_login(self.coordinator)
        with self.assertLogs("ofr.files", "ERROR"):
            response = self.client.get(self.download_url(document))
        self.assertContains(response, "The stored file is missing", status_code=410)

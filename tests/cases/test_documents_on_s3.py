"""The document tests that touch storage, again with the files in an
S3-compatible bucket (moto's server on loopback: tests/s3.py)."""

from django.urls import reverse

from tests.cases import test_documents
from tests.s3 import OnS3


class DocumentsOnS3TestCase(OnS3, test_documents.DocumentsTestCase):
    s3_tests = (
        "test_it_uploads_a_pdf_and_records_its_size_and_sha256",
        "test_an_upload_waits_under_a_temporary_name_until_its_row_commits",
        "test_a_row_rolled_back_after_it_was_saved_leaves_no_file",
        "test_a_full_disk_keeps_no_part_of_the_file_and_nothing_typed_is_lost",
        "test_it_leaves_no_file_when_the_row_cannot_be_saved",
        "test_it_sends_the_file_with_safe_headers_and_logs_the_download",
        "test_a_tampered_file_is_refused_with_the_integrity_message",
        "test_a_missing_file_is_reported_not_a_server_error",
    )

    def test_pages_never_hand_out_a_bucket_url(self):
        self.client.force_login(self.coordinator)
        for url in (reverse("cases:detail", args=[self.case.code]), self.download_url()):
            response = self.client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            self.assertNotIn(self.bucket.encode(), body)
            self.assertNotIn(b"X-Amz-", body)
            self.assertNotIn("Location", response)

"""Recommendation evidence stored in an S3-compatible bucket (moto's server on
loopback: tests/s3.py): uploaded, downloaded, refused once tampered with."""

from tests.recommendations import test_recommendations
from tests.s3 import OnS3


class EvidenceUploadOnS3TestCase(OnS3, test_recommendations.UpdatePageTestCase):
    s3_tests = (
        "test_evidence_is_checked_stored_and_its_downloads_logged",
        "test_a_full_disk_keeps_no_evidence_and_nothing_typed_is_lost",
    )


class EvidenceIntegrityOnS3TestCase(OnS3, test_recommendations.EvidenceTestCase):
    s3_tests = ("test_tampered_evidence_is_refused_and_logged_not_sent",)

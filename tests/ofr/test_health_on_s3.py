"""/healthz with the files in an S3-compatible bucket (moto's server on
loopback: tests/s3.py): the storage probe writes and removes an object."""

from django.test import override_settings
from django.urls import reverse

from tests.ofr import test_health
from tests.s3 import OnS3, bucket_storage


class HealthOnS3TestCase(OnS3, test_health.HealthTestCase):
    s3_tests = (
        "test_a_healthy_process_answers_200_to_anyone_without_a_session",
        "test_a_failing_check_answers_503_and_keeps_its_reason_in_the_log",
    )

    def test_a_bucket_that_is_not_there_fails_the_storage_check(self):
        with (
            override_settings(STORAGES=bucket_storage("ofr-no-such-bucket")),
            self.assertLogs("ofr.health", "ERROR") as logs,
        ):
            response = self.client.get(reverse("healthz"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["storage"], "fail")
        self.assertNotIn("no-such-bucket", response.content.decode())
        self.assertIn("NoSuchBucket", "\n".join(logs.output))

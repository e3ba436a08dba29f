import logging
from unittest import mock

from django.urls import reverse

from tests.base import OFRTestCase


class RecordingHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record) + (record.exc_text or ""))


class NoCaseDataInLogsTestCase(OFRTestCase):
    """Server errors are logged; case content never reaches a log line."""

    def test_case_text_stays_out_of_the_logs_even_on_a_server_error(self):
        self.case.summary = "Decedent Jane Q. Canary, DOB 1980-02-03"
        self.case.save()
        handler = RecordingHandler()
        handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
        root = logging.getLogger()
        old_level = root.level
        root.setLevel(logging.DEBUG)
        # django.request and django.security do not propagate to the root logger.
        loggers = [root, logging.getLogger("django.request"), logging.getLogger("django.security")]
        for logger in loggers:
            logger.addHandler(handler)
        try:
            self.client.force_login(self.coordinator)
            self.client.get(reverse("cases:detail", args=[self.case.code]))
            self.client.get(reverse("cases:history", args=[self.case.code]))
            self.client.post(
                reverse("cases:edit", args=[self.case.code]),
                {"reference": "RIV-2025-001", "status": "nonsense", "summary": "Jane Q. Canary"},
            )
            self.client.raise_request_exception = False
            with mock.patch("cases.views.cases.render", side_effect=RuntimeError("render failed")):
                response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        finally:
            for logger in loggers:
                logger.removeHandler(handler)
            root.setLevel(old_level)
        self.assertEqual(response.status_code, 500)
        self.assertTrue(any("Internal Server Error" in line for line in handler.lines))
        self.assertFalse(
            [line for line in handler.lines if "Canary" in line or "1980-02-03" in line]
        )

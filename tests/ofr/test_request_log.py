"""Log lines carry the request's id and the signed-in user's id, never more;
the id goes back in the response for the user's report to name."""

import json
import logging
import re

from django.conf import settings
from django.contrib.auth.middleware import get_user
from django.http import HttpResponse
from django.test import RequestFactory, TestCase
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from pythonjsonlogger.json import JsonFormatter

from ofr.request_log import RequestContextFilter, RequestIdMiddleware
from tests.base import make_user


def json_lines(logger_name: str):
    """A handler formatting as production does (JSON, with the request filter)."""
    stream = []

    class Collect(logging.Handler):
        def emit(self, record) -> None:
            stream.append(json.loads(self.format(record)))

    handler = Collect()
    handler.setFormatter(
        JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s")
    )
    handler.addFilter(RequestContextFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    return stream, lambda: logger.removeHandler(handler)


class RequestLogTestCase(TestCase):
    def test_each_response_names_its_request(self):
        response = self.client.get(reverse("login"))
        self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{32}$")
        other = self.client.get(reverse("login"))
        self.assertNotEqual(other["X-Request-ID"], response["X-Request-ID"])

    def test_a_proxys_request_id_is_kept_when_well_formed(self):
        kept = self.client.get(reverse("login"), headers={"X-Request-ID": "lb-2f1c9a7e-01"})
        self.assertEqual(kept["X-Request-ID"], "lb-2f1c9a7e-01")
        for hostile in ("short", "x" * 65, "id\nforged log line", "<script>"):
            with self.subTest(hostile=hostile):
                response = self.client.get(reverse("login"), headers={"X-Request-ID": hostile})
                self.assertRegex(response["X-Request-ID"], r"^[0-9a-f]{32}$")

    def test_log_lines_of_a_request_carry_its_id_and_the_user_id_only(self):
        user = make_user("logged")
        lines, remove = json_lines("ofr.test_request_log")
        self.addCleanup(remove)
        request = RequestFactory().get("/cases/")
        request.user = user  # looked up, as by the authentication middleware

        def view(request):
            logging.getLogger("ofr.test_request_log").warning("Something happened")
            return HttpResponse("ok")

        response = RequestIdMiddleware(view)(request)
        logging.getLogger("ofr.test_request_log").warning("Outside any request")
        self.assertEqual(
            lines[0],
            {
                "levelname": "WARNING",
                "name": "ofr.test_request_log",
                "message": "Something happened",
                "request_id": response["X-Request-ID"],
                "user_id": str(user.pk),
            },
        )
        self.assertEqual((lines[1]["request_id"], lines[1]["user_id"]), ("", ""))
        self.assertFalse(any(re.search("logged", json.dumps(line)) for line in lines))

    def test_logging_never_looks_the_user_up_itself(self):
        lines, remove = json_lines("ofr.test_request_log")
        self.addCleanup(remove)
        request = RequestFactory().get("/")
        request.session = {}
        request.user = SimpleLazyObject(lambda: get_user(request))

        def view(request):
            with self.assertNumQueries(0):
                logging.getLogger("ofr.test_request_log").warning("Before any lookup")
            return HttpResponse("ok")

        RequestIdMiddleware(view)(request)
        self.assertEqual(lines[0]["user_id"], "")

    def test_json_lines_never_carry_a_request_or_its_url(self):
        # As Django logs a returned 5xx: after the middleware, the request on the record.
        config = dict(settings.LOGGING["formatters"]["json"])
        config.pop("()")
        formatter = JsonFormatter(config.pop("format"), **config)
        request = RequestFactory().get("/cases/", {"q": "Jane Decedent"})
        request.request_id = "lb-2f1c9a7e-01"
        record = logging.makeLogRecord(
            {"name": "django.request", "msg": "Service Unavailable: %s", "args": ("/healthz",)}
        )
        record.request, record.status_code = request, 503
        RequestContextFilter().filter(record)
        line = json.loads(formatter.format(record))
        self.assertEqual(line["request_id"], "lb-2f1c9a7e-01")
        self.assertNotIn("request", line)
        self.assertNotIn("Jane", json.dumps(line))


class HealthRedirectTestCase(TestCase):
    def test_the_health_check_is_not_redirected_to_https(self):
        with self.settings(SECURE_SSL_REDIRECT=True):
            self.assertEqual(self.client.get(reverse("healthz")).status_code, 200)
            self.assertEqual(self.client.get(reverse("login")).status_code, 301)

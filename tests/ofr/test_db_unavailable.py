"""A database that cannot answer gives a 503 saying nothing was saved, with
the text the person typed (escaped) and never a password, token or hidden
field; wherever the query failed: before the view, in it, or after it."""

import re
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse

from cases.models import Note
from ofr.db_unavailable import HIDDEN_FIELDS
from ofr.request_log import RequestContextFilter
from tests.base import PASSWORD, OFRTestCase

LOCKED = OperationalError("database is locked")
TYPED = "Family says <script>alert(1)</script> he was sober & calm."


@contextmanager
def database_fails(when=lambda sql: True, error=LOCKED):
    """Every query whose SQL `when` accepts raises `error`, as a lock held
    past the timeout or a server gone would."""

    def wrapper(execute, sql, params, many, context):
        if when(sql):
            raise error
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


def inserts_into(table: str):
    return lambda sql: sql.startswith("INSERT") and f'"{table}"' in sql


class DatabaseUnavailableTestCase(OFRTestCase):
    def setUp(self) -> None:
        # Failures met by a middleware reach Django's handler500, which the
        # test client would otherwise re-raise.
        self.client.raise_request_exception = False
        self.add_url = reverse("cases:add_note", args=[self.case.code])
        self.posted = {
            "text": TYPED,
            "csrfmiddlewaretoken": "tok3n-never-shown",
            "password": "hunter2-never-shown",
            "opened_version": "7",
        }
        self.notes = (Note.objects.count(), Note.history.count())

    def assert_unavailable(self, response, *, typed: bool | None) -> str:
        """The 503 page; typed: the note's text is given back (None: not checked)."""
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("Content-Security-Policy", response)
        self.assertTrue(response["X-Request-ID"])
        page = response.content.decode()
        self.assertNotIn("tok3n-never-shown", page)
        self.assertNotIn("hunter2-never-shown", page)
        self.assertNotIn("<script>alert(1)", page)
        if typed is None:
            return page
        if typed:
            self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt; he was sober &amp; calm.", page)
            self.assertRegex(page, r'<label class="usa-label" for="typed-1">Text</label>')
            self.assertRegex(page, r'<textarea [^>]*id="typed-1" readonly')
        else:
            self.assertNotIn("<textarea", page)
        return page

    def test_a_note_post_whose_insert_fails_answers_503_with_the_text_typed(self):
        self.client.force_login(self.officer)
        with (
            database_fails(inserts_into("cases_note")),
            self.assertLogs("ofr.db_unavailable", "ERROR") as logs,
        ):
            response = self.client.post(self.add_url, self.posted)
        page = self.assert_unavailable(response, typed=True)
        self.assertIn("Nothing was saved", page)
        self.assertNotIn("opened_version", page)  # a hidden field: not something typed
        self.assertEqual((Note.objects.count(), Note.history.count()), self.notes)
        # Logged with the request's id, without what was typed.
        record = logs.records[0]
        RequestContextFilter().filter(record)
        self.assertEqual(record.request_id, response["X-Request-ID"])
        self.assertIn("OperationalError: database is locked", record.getMessage())
        self.assertNotIn("sober", record.getMessage())

    def test_a_database_gone_before_the_view_answers_503_with_the_text_typed(self):
        # The session and user lookups (session lifetime middleware) fail first.
        self.client.force_login(self.officer)
        with (
            database_fails(error=OperationalError("server closed the connection")),
            self.assertLogs("ofr.db_unavailable", "ERROR"),
        ):
            response = self.client.post(self.add_url, self.posted)
        self.assertIn("Nothing was saved", self.assert_unavailable(response, typed=True))
        self.assertEqual((Note.objects.count(), Note.history.count()), self.notes)

    def test_an_interface_error_counts_too(self):
        self.client.force_login(self.officer)
        with (
            database_fails(error=InterfaceError("connection already closed")),
            self.assertLogs("ofr.db_unavailable", "ERROR"),
        ):
            response = self.client.post(self.add_url, self.posted)
        self.assert_unavailable(response, typed=True)

    def test_a_get_answers_503_without_any_form(self):
        self.client.force_login(self.coordinator)
        url = reverse("cases:detail", args=[self.case.code])
        # The page's read is logged first (the access log): that write fails.
        with (
            database_fails(inserts_into("ofr_accessevent")),
            self.assertLogs("ofr.db_unavailable", "ERROR"),
        ):
            response = self.client.get(url, {"q": "typed in a query string"})
        page = self.assert_unavailable(response, typed=False)
        self.assertNotIn("typed in a query string", page)
        self.assertNotIn("RIV-2025-001", page)

    def test_a_head_answers_503(self):
        self.client.force_login(self.coordinator)
        with database_fails(), self.assertLogs("ofr.db_unavailable", "ERROR"):
            response = self.client.head(reverse("cases:list"))
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertEqual(response.content, b"")

    def test_a_sign_in_gives_back_the_username_never_the_password(self):
        with database_fails(), self.assertLogs("ofr.db_unavailable", "ERROR"):
            response = self.client.post(
                reverse("login"),
                {"username": "officer", "password": PASSWORD, "next": "/cases/"},
            )
        page = self.assert_unavailable(response, typed=None)
        self.assertIn(">\nofficer</textarea>", page)
        self.assertNotIn(PASSWORD, page)
        self.assertNotIn("/cases/", page)

    def test_a_session_save_failing_after_the_view_does_not_claim_nothing_was_saved(self):
        self.client.force_login(self.officer)
        session = self.client.session
        session["seen_at"] = time.time() - 120  # the last-seen time is due a write
        session.save()
        with (
            database_fails(lambda sql: sql.startswith("UPDATE") and '"django_session"' in sql),
            self.assertLogs("ofr.db_unavailable", "ERROR"),
        ):
            response = self.client.post(self.add_url, self.posted)
        page = self.assert_unavailable(response, typed=True)
        self.assertIn("may not have been saved", page)
        self.assertNotIn("Nothing was saved", page)
        self.assertTrue(Note.objects.filter(text=TYPED.strip()).exists())

    def test_other_errors_still_give_the_500_page(self):
        self.client.force_login(self.coordinator)
        with (
            database_fails(error=RuntimeError("a bug")),
            self.assertLogs("django.request", "ERROR"),
        ):
            response = self.client.get(reverse("cases:list"))
        self.assertContains(response, "Something went wrong", status_code=500)

    def test_the_hidden_fields_list_names_every_hidden_input_of_the_app(self):
        names = set()
        for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
            names |= set(
                re.findall(r'type="hidden" name="([^"{]+)"', template.read_text(encoding="utf-8"))
            )
        for module in Path(settings.BASE_DIR).glob("*/forms*/**/*.py"):
            names |= set(
                re.findall(r"(\w+) = forms\.\w+\([^)]*HiddenInput", module.read_text("utf-8"))
            )
        for module in Path(settings.BASE_DIR).glob("*/forms.py"):
            names |= set(
                re.findall(r"(\w+) = forms\.\w+\([^)]*HiddenInput", module.read_text("utf-8"))
            )
        self.assertIn("opened_version", names)
        self.assertLessEqual(names, HIDDEN_FIELDS)

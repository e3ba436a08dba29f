from unittest import mock

from django.conf import settings
from django.template import loader
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import translation

from tests.base import OFRTestCase


class ErrorPagesTestCase(OFRTestCase):
    def test_a_failing_view_shows_the_friendly_500_page_and_keeps_the_access_event(self):
        self.assertFalse(settings.DEBUG)
        self.client.raise_request_exception = False
        self.client.force_login(self.coordinator)
        url = reverse("cases:detail", args=[self.case.code])
        with (
            mock.patch("cases.views.cases.render", side_effect=RuntimeError("boom secret")),
            self.assertLogs("django.request", "ERROR") as logs,
        ):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 500)
        self.assertContains(response, "Something went wrong", status_code=500)
        self.assertNotContains(response, "boom secret", status_code=500)
        self.assertNotContains(response, "Traceback", status_code=500)
        self.assertNotContains(response, "RIV-2025-001", status_code=500)
        # The error itself went to the server log, not to the browser.
        self.assertIn("boom secret", "\n".join(logs.output))
        # The read was logged before the view failed, and the failure did not undo it.
        event = self.events(action="view").order_by("-seq").first()
        self.assertIsNotNone(event)
        self.assertEqual(
            (event.user, event.object_type, event.object_id),
            (self.coordinator, "cases.case", str(self.case.code)),
        )

    def test_an_unknown_address_shows_the_friendly_404_page(self):
        response = self.client.get("/no-such-page/")
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, 'href="/"', status_code=404)
        self.assertNotContains(response, "Using the URLconf", status_code=404)

    def test_the_404_page_stays_in_english_for_a_spanish_reader(self):
        # Django's own catalogue has "Página no encontrada" for the same msgid.
        response = self.client.get("/no-such-page/", headers={"accept-language": "es"})
        self.assertContains(response, "<h1>Page not found</h1>", status_code=404)
        self.assertContains(response, '<html lang="es">', status_code=404)
        self.assertNotContains(response, "Página no encontrada", status_code=404)

    def test_a_forbidden_action_shows_the_403_page(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:edit", args=[self.case.code]))
        self.assertContains(response, "You do not have permission to do this", status_code=403)
        self.assertContains(response, "ask your team coordinator", status_code=403)
        event = self.events(action="denied").order_by("-seq").first()
        self.assertEqual((event.user, event.object_id), (self.reviewer, str(self.case.code)))
        self.assertTrue(event.detail.startswith("403 change_case GET"))


class ErrorPageTemplatesTestCase(SimpleTestCase):
    """The 500 and 503 pages are rendered from a plain context, sometimes with
    no request and no language active: their marked strings must still render,
    and in English whatever the reader's language, like the lang="en" they declare."""

    def render(self, name: str, context: dict | None = None) -> str:
        return loader.get_template(name).render(context)

    def test_the_500_page_renders_with_no_context_and_no_language(self):
        with translation.override(None):
            page = self.render("500.html")
        self.assertIn("<h1>Something went wrong</h1>", page)
        self.assertIn("Skip to main content", page)
        self.assertIn('<html lang="en">', page)

    def test_the_error_pages_stay_in_english_for_a_spanish_reader(self):
        with translation.override("es"):
            skip = translation.gettext("Skip to main content")
            self.assertEqual(skip, "Ir al contenido principal")
            server_error = self.render("500.html")
            unavailable = self.render(
                "503_database.html",
                {"retry_after": 30, "fields": [{"id": "typed-1", "label": "Notes", "value": "x"}]},
            )
        self.assertIn("Skip to main content", server_error)
        self.assertIn("Something went wrong", server_error)
        self.assertIn("Please try again in 30 seconds.", unavailable)
        self.assertIn("What you typed", unavailable)
        self.assertNotIn("Ir al contenido", server_error + unavailable)

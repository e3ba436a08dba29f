from django.conf import settings
from django.test import Client
from django.urls import reverse

from cases.models import Case
from tests.base import PASSWORD, OFRTestCase


class SecurityHeadersTestCase(OFRTestCase):
    def csp_directives(self, response):
        policy = response.headers["Content-Security-Policy"]
        return {part.strip() for part in policy.split(";") if part.strip()}

    def assert_browser_protections(self, response):
        directives = self.csp_directives(response)
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            self.assertIn(directive, directives)
        self.assertEqual(response.headers["X-Frame-Options"], "DENY")
        self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response.headers["Referrer-Policy"], "same-origin")

    def test_the_login_page_carries_the_browser_protections(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(response.status_code, 200)
        self.assert_browser_protections(response)

    def test_signed_in_pages_carry_the_protections_and_are_not_cached(self):
        self.client.force_login(self.coordinator)
        for url in (reverse("cases:list"), reverse("cases:detail", args=[self.case.code])):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assert_browser_protections(response)
            cache_control = {p.strip() for p in response.headers["Cache-Control"].split(",")}
            self.assertIn("no-store", cache_control, url)
            self.assertIn("private", cache_control, url)

    def test_error_pages_carry_the_protections(self):
        self.client.force_login(self.reviewer)
        response = self.client.get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assert_browser_protections(response)
        self.assertIn("no-store", response.headers["Cache-Control"])

    def test_login_without_a_csrf_token_is_refused(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("login"), {"username": "coordinator", "password": PASSWORD})
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("_auth_user_id", client.session)
        self.assertFalse(self.events(action="login").exists())

    def test_login_with_the_csrf_token_succeeds(self):
        # The control for the test above: the same client gets in once it sends the token.
        client = Client(enforce_csrf_checks=True)
        client.get(reverse("login"))
        token = client.cookies[settings.CSRF_COOKIE_NAME].value
        response = client.post(
            reverse("login"),
            {"username": "coordinator", "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_creating_a_case_without_a_csrf_token_is_refused(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.coordinator)
        cases_before = Case.objects.count()
        response = client.post(
            reverse("cases:new"), {"team": self.team.pk, "reference": "RIV-2025-999"}
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Case.objects.count(), cases_before)

    def test_only_the_admin_may_use_style_attributes(self):
        # simple-history's admin pages carry style attributes; nothing else may.
        self.client.force_login(self.admin)
        admin_directives = self.csp_directives(self.client.get(reverse("admin:index")))
        self.assertIn("style-src-attr 'unsafe-inline'", admin_directives)
        self.assertNotIn(
            "'unsafe-inline'", " ".join(admin_directives - {"style-src-attr 'unsafe-inline'"})
        )
        self.client.force_login(self.coordinator)
        page_directives = self.csp_directives(self.client.get(reverse("cases:list")))
        self.assertNotIn("unsafe-inline", " ".join(page_directives))

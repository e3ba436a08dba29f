from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.base import OFRTestCase


class SessionLifetimeTestCase(OFRTestCase):
    def setUp(self):
        self.url = reverse("cases:list")
        self.login_redirect = f"{reverse('login')}?next={self.url}"
        self.client.force_login(self.coordinator)

    def age_session(self, *, idle_seconds=0, signed_in_seconds=None):
        """Move the session's timestamps back: last request `idle_seconds` ago,
        sign-in `signed_in_seconds` ago (default: same as the last request)."""
        now = timezone.now().timestamp()
        session = self.client.session
        session["seen_at"] = now - idle_seconds
        session["auth_at"] = now - (
            idle_seconds if signed_in_seconds is None else signed_in_seconds
        )
        session.save()

    def assert_signed_out(self, response):
        self.assertRedirects(response, self.login_redirect, fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        # And it stays that way: the next request is anonymous too.
        self.assertRedirects(
            self.client.get(self.url), self.login_redirect, fetch_redirect_response=False
        )

    def test_a_fresh_session_works(self):
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.assertIn("auth_at", self.client.session)
        self.assertIn("seen_at", self.client.session)

    def test_it_signs_out_after_the_idle_timeout_and_logs_the_logout(self):
        self.assertEqual(settings.SESSION_IDLE_MINUTES, 15)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.age_session(idle_seconds=settings.SESSION_IDLE_MINUTES * 60 + 1)
        response = self.client.get(self.url)
        event = self.events(action="logout").order_by("-seq").first()
        self.assertIsNotNone(event)
        self.assertEqual(event.user, self.coordinator)
        self.assert_signed_out(response)

    def test_it_tells_the_user_why_they_were_signed_out(self):
        self.age_session(idle_seconds=settings.SESSION_IDLE_MINUTES * 60 + 1)
        response = self.client.get(self.url, follow=True)
        self.assertEqual(response.redirect_chain, [(self.login_redirect, 302)])
        self.assertContains(response, "Your session has ended. Please sign in again.")

    def test_fourteen_idle_minutes_are_still_fine_and_the_request_renews_the_session(self):
        self.age_session(idle_seconds=14 * 60)
        before = timezone.now().timestamp()
        self.assertEqual(self.client.get(self.url).status_code, 200)
        # The request counted as activity: seen_at moved forward to now.
        self.assertGreaterEqual(self.client.session["seen_at"], before)
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_it_signs_out_after_the_absolute_lifetime_however_active(self):
        self.age_session(idle_seconds=0, signed_in_seconds=settings.SESSION_MAX_HOURS * 3600 + 1)
        self.assert_signed_out(self.client.get(self.url))

    def test_activity_does_not_extend_the_absolute_lifetime(self):
        self.age_session(idle_seconds=120, signed_in_seconds=settings.SESSION_MAX_HOURS * 3600 - 60)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        session = self.client.session
        session["auth_at"] -= 61
        session.save()
        self.assert_signed_out(self.client.get(self.url))

    @override_settings(SESSION_IDLE_MINUTES=5)
    def test_the_idle_timeout_is_configurable(self):
        self.age_session(idle_seconds=4 * 60)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.age_session(idle_seconds=5 * 60 + 1)
        self.assert_signed_out(self.client.get(self.url))

    def test_a_session_without_timestamps_is_not_trusted(self):
        session = self.client.session
        del session["seen_at"]
        session.save()
        self.assert_signed_out(self.client.get(self.url))

    def test_a_deactivated_user_with_a_live_session_is_sent_to_login(self):
        self.assertEqual(self.client.get(self.url).status_code, 200)
        self.coordinator.is_active = False
        self.coordinator.save(update_fields=["is_active"])
        response = self.client.get(self.url)
        self.assertRedirects(response, self.login_redirect, fetch_redirect_response=False)

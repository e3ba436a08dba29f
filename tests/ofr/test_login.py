from axes.models import AccessAttempt
from django.urls import reverse

from ofr.models import AccessEvent
from tests.base import PASSWORD, OFRTestCase

WRONG_PASSWORD = "not the right one at all 7"
OTHER_IP = "10.0.0.9"


class LoginTestCase(OFRTestCase):
    def sign_in(self, username, password, **extra):
        return self.client.post(
            reverse("login"), {"username": username, "password": password}, **extra
        )

    def signed_in_user_id(self):
        return self.client.session.get("_auth_user_id")

    def last_event(self, action):
        return self.events(action=action).order_by("-seq").first()

    def fail_five_times(self, username="coordinator"):
        for _ in range(5):
            self.sign_in(username, WRONG_PASSWORD)

    def test_it_signs_in_redirects_home_and_logs_the_login(self):
        response = self.sign_in("coordinator", PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.signed_in_user_id(), str(self.coordinator.pk))
        event = self.last_event("login")
        self.assertIsNotNone(event)
        self.assertEqual(
            (event.user, event.username, event.ip_address),
            (self.coordinator, "coordinator", "127.0.0.1"),
        )

    def test_it_refuses_a_wrong_password_and_logs_the_typed_username_only(self):
        response = self.sign_in("coordinator", WRONG_PASSWORD)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertContains(response, "usa-alert--error")
        self.assertIsNone(self.signed_in_user_id())
        self.assertIsNone(self.last_event("login"))
        event = self.last_event("login_failed")
        self.assertIsNotNone(event)
        self.assertEqual((event.user, event.username), (None, "coordinator"))
        self.assertEqual(event.ip_address, "127.0.0.1")
        for field in AccessEvent._meta.concrete_fields:
            self.assertNotIn(WRONG_PASSWORD, str(getattr(event, field.attname)), field.name)
        # django-axes keeps the POST data of failures: the password must be masked there too.
        for attempt in AccessAttempt.objects.all():
            self.assertNotIn(WRONG_PASSWORD, attempt.post_data)

    def test_it_logs_a_failed_sign_in_for_an_unknown_username(self):
        response = self.sign_in("nobody-here", WRONG_PASSWORD)
        self.assertEqual(response.status_code, 200)
        event = self.last_event("login_failed")
        self.assertEqual((event.user, event.username), (None, "nobody-here"))

    def test_logout_refuses_get(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("logout"))
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.signed_in_user_id(), str(self.coordinator.pk))
        self.assertIsNone(self.last_event("logout"))

    def test_logout_by_post_signs_out_redirects_to_login_and_is_logged(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        self.assertContains(self.client.get(reverse("login")), "You have signed out.")
        self.assertIsNone(self.signed_in_user_id())
        event = self.last_event("logout")
        self.assertIsNotNone(event)
        self.assertEqual((event.user, event.username), (self.coordinator, "coordinator"))
        # Really signed out: a case page sends us to the login page.
        cases = reverse("cases:list")
        self.assertRedirects(
            self.client.get(cases),
            f"{reverse('login')}?next={cases}",
            fetch_redirect_response=False,
        )

    def test_the_login_page_tells_password_managers_what_each_field_is(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, 'autocomplete="username"')
        self.assertContains(response, 'autocomplete="current-password"')
        self.assertContains(response, 'type="password"')

    def test_it_locks_out_a_username_from_one_address_after_five_failures(self):
        self.fail_five_times()
        response = self.sign_in("coordinator", PASSWORD)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "too many failed sign-in attempts", status_code=429)
        self.assertContains(response, "try again after 15 minutes", status_code=429)
        self.assertIsNone(self.signed_in_user_id())
        self.assertIsNone(self.last_event("login"))
        event = self.last_event("locked_out")
        self.assertIsNotNone(event)
        self.assertEqual((event.username, event.ip_address), ("coordinator", "127.0.0.1"))
        # Still not signed in on the next page.
        self.assertEqual(self.client.get(reverse("cases:list")).status_code, 302)

    def test_it_allows_four_failures_before_a_correct_password(self):
        for _ in range(4):
            self.sign_in("coordinator", WRONG_PASSWORD)
        response = self.sign_in("coordinator", PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertIsNone(self.last_event("locked_out"))

    def test_the_lockout_is_per_username_and_address_so_another_address_can_sign_in(self):
        self.fail_five_times()
        response = self.sign_in("coordinator", PASSWORD, REMOTE_ADDR=OTHER_IP)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.signed_in_user_id(), str(self.coordinator.pk))
        self.assertEqual(self.last_event("login").ip_address, OTHER_IP)

    def test_the_lockout_does_not_lock_colleagues_behind_the_same_address(self):
        self.fail_five_times("coordinator")
        response = self.sign_in("reviewer", PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.signed_in_user_id(), str(self.reviewer.pk))
        self.assertEqual(self.last_event("login").user, self.reviewer)

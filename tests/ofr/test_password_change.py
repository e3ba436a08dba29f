from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from ofr.models import UserSession
from tests.base import PASSWORD, OFRTestCase

NEW_PASSWORD = "plum tractor lantern 58"


class PasswordChangeTestCase(OFRTestCase):
    def setUp(self):
        self.url = reverse("password_change")
        self.client.force_login(self.coordinator)

    def change(self, old=PASSWORD, new=NEW_PASSWORD, again=None):
        return self.client.post(
            self.url,
            {"old_password": old, "new_password1": new, "new_password2": again or new},
        )

    def password_is(self, password):
        self.coordinator.refresh_from_db()
        return self.coordinator.check_password(password)

    def test_it_sends_anonymous_visitors_to_sign_in(self):
        self.client.logout()
        response = self.client.get(self.url)
        self.assertRedirects(
            response, f"{reverse('login')}?next={self.url}", fetch_redirect_response=False
        )

    def test_it_shows_the_form(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Current password")
        self.assertContains(response, 'autocomplete="current-password"')
        self.assertContains(response, 'autocomplete="new-password"', count=2)

    def test_it_refuses_a_wrong_current_password(self):
        response = self.change(old="not my password at all")
        self.assertEqual(response.status_code, 200)
        self.assertIn("old_password", response.context["form"].errors)
        self.assertTrue(self.password_is(PASSWORD))
        self.assertFalse(self.events(action="password_changed").exists())

    def test_wrong_current_passwords_count_as_failed_sign_ins_and_lock(self):
        for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
            self.assertEqual(self.change(old=f"wrong {attempt}").status_code, 200)
        self.assertEqual(self.events(action="login_failed").count(), 4)
        response = self.change(old="wrong again")
        self.assertContains(response, "Sign-in locked", status_code=429)
        self.assertTrue(self.events(action="locked_out").exists())
        # The session has ended, and the right password does not sign in now.
        self.assertEqual(self.client.get(reverse("account")).status_code, 302)
        response = self.client.post(
            reverse("login"), {"username": "coordinator", "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 429)
        self.assertTrue(self.password_is(PASSWORD))

    def test_it_refuses_a_weak_new_password(self):
        for weak in ("short1", "12345678901234", "overdose-tracker-2024", "coordinator-2024x"):
            with self.subTest(weak=weak):
                response = self.change(new=weak)
                self.assertEqual(response.status_code, 200)
                self.assertIn("new_password2", response.context["form"].errors)
        self.assertTrue(self.password_is(PASSWORD))

    def test_it_refuses_two_different_new_passwords(self):
        response = self.change(again="plum tractor lantern 59")
        self.assertIn("new_password2", response.context["form"].errors)
        self.assertTrue(self.password_is(PASSWORD))

    def test_it_changes_the_password_keeps_this_session_and_ends_the_others(self):
        elsewhere = Client()
        elsewhere.force_login(self.coordinator)
        elsewhere_key = elsewhere.session.session_key
        someone_else = Client()
        someone_else.force_login(self.reviewer)

        response = self.change()
        self.assertRedirects(response, reverse("account"), fetch_redirect_response=False)
        self.assertTrue(self.password_is(NEW_PASSWORD))

        # This session: still signed in, under a new key its row follows.
        page = self.client.get(reverse("account"))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Your password has been changed.")
        this_key = self.client.session.session_key
        self.assertEqual(
            list(UserSession.objects.filter(user=self.coordinator).values_list("session_key")),
            [(this_key,)],
        )
        # The other one is gone from the store, not just refused.
        self.assertFalse(Session.objects.filter(session_key=elsewhere_key).exists())
        self.assertRedirects(
            elsewhere.get(reverse("account")),
            f"{reverse('login')}?next={reverse('account')}",
            fetch_redirect_response=False,
        )
        # Another person's session is untouched.
        self.assertEqual(someone_else.get(reverse("account")).status_code, 200)

        event = self.events(action="password_changed").get()
        self.assertEqual((event.user, event.detail), (self.coordinator, "1 other session ended"))

import re
from unittest import mock

from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from ofr import passwords
from ofr.models import SecondFactor
from ofr.second_factor import new_secret
from tests.base import PASSWORD, OFRTestCase

ADDRESS = "coordinator@riverside.example.org"
UNKNOWN = "nobody@riverside.example.org"
NEW_PASSWORD = "plum tractor lantern 58"


def wait_for_mail():
    """Reset e-mails leave on their own thread: wait until it has sent them."""
    passwords.mail_sender.submit(lambda: None).result(timeout=10)


@override_settings(OFR_SITE_URL="https://ofr.example.org")
class PasswordResetTestCase(OFRTestCase):
    def setUp(self):
        self.url = reverse("password_reset")
        self.coordinator.email = ADDRESS
        self.coordinator.save(update_fields=["email"])

    def ask(self, email, client=None):
        response = (client or self.client).post(self.url, {"email": email})
        wait_for_mail()
        return response

    def link_in(self, message):
        return re.search(r"https://ofr\.example\.org(/\S+)", message.body).group(1)

    def test_the_sign_in_page_links_here(self):
        self.assertContains(self.client.get(reverse("login")), f'href="{self.url}"')

    def test_a_known_and_an_unknown_address_get_the_same_answer(self):
        known = self.ask(ADDRESS)
        self.assertEqual(len(mail.outbox), 1)
        unknown = self.ask(UNKNOWN)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(
            (known.status_code, known["Location"]), (unknown.status_code, unknown["Location"])
        )
        self.assertRedirects(known, reverse("password_reset_done"))
        self.assertEqual(mail.outbox[0].to, [ADDRESS])

    def test_it_records_each_request_without_the_address(self):
        self.ask(ADDRESS.upper())
        self.ask(UNKNOWN)
        known, unknown = self.events(action="password_reset_sent").order_by("seq")
        self.assertEqual((known.user, known.username), (self.coordinator, "coordinator"))
        self.assertEqual((unknown.user, unknown.username), (None, ""))
        self.assertEqual(known.ip_address, "127.0.0.1")
        for event in (known, unknown):
            self.assertEqual(event.object_type, "password-reset-request")
            self.assertEqual(len(event.object_id), 64)  # a keyed digest
            text = " ".join(str(getattr(event, f)) for f in event.HASHED_FIELDS).casefold()
            self.assertNotIn("riverside.example.org", text)
        self.assertNotEqual(known.object_id, unknown.object_id)

    def test_the_e_mail_leaves_after_the_answer(self):
        with mock.patch.object(passwords, "mail_sender") as sender:
            self.client.post(self.url, {"email": ADDRESS})
        self.assertEqual(mail.outbox, [])
        sender.submit.assert_called_once()

    def test_inactive_accounts_get_no_link(self):
        self.coordinator.is_active = False
        self.coordinator.save(update_fields=["is_active"])
        self.ask(ADDRESS)
        self.assertEqual(mail.outbox, [])
        self.assertEqual(self.events(action="password_reset_sent").get().user, None)

    def test_the_link_sets_a_password_once_without_signing_in(self):
        elsewhere = Client()
        elsewhere.force_login(self.coordinator)
        self.ask(ADDRESS)
        message = mail.outbox[0]
        self.assertIn("60 minutes", message.body)
        self.assertNotIn("\n", message.subject)
        link = self.link_in(message)

        # Django moves the token from the URL into the session first.
        form_page = self.client.get(link, follow=True)
        self.assertContains(form_page, "Set a new password")
        set_url = form_page.redirect_chain[-1][0]
        response = self.client.post(
            set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        self.assertRedirects(response, reverse("password_reset_complete"))

        self.coordinator.refresh_from_db()
        self.assertTrue(self.coordinator.check_password(NEW_PASSWORD))
        self.assertNotIn(SESSION_KEY, self.client.session)
        event = self.events(action="password_reset").get()
        self.assertEqual((event.user, event.detail), (self.coordinator, "1 other session ended"))
        # Every session of the account ended; signing in takes the new password.
        self.assertRedirects(
            elsewhere.get(reverse("account")),
            f"{reverse('login')}?next={reverse('account')}",
            fetch_redirect_response=False,
        )
        # Once only.
        again = self.client.get(link, follow=True)
        self.assertContains(again, "This link does not work")
        self.assertNotContains(again, 'name="new_password1"')

    def test_a_weak_new_password_is_refused(self):
        self.ask(ADDRESS)
        set_url = self.client.get(self.link_in(mail.outbox[0]))["Location"]
        response = self.client.post(
            set_url, {"new_password1": "review-2024", "new_password2": "review-2024"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("new_password2", response.context["form"].errors)
        self.coordinator.refresh_from_db()
        self.assertTrue(self.coordinator.check_password(PASSWORD))
        self.assertFalse(self.events(action="password_reset").exists())

    @override_settings(PASSWORD_RESETS_PER_HOUR=2)
    def test_it_answers_a_few_requests_for_an_address_an_hour(self):
        for address in (ADDRESS, UNKNOWN):
            with self.subTest(address=address):
                self.assertEqual(self.ask(address).status_code, 302)
                self.assertEqual(self.ask(address).status_code, 302)
                refused = self.ask(address)
                self.assertContains(refused, "too many requests for this address", status_code=429)
        self.assertEqual(len(mail.outbox), 2)
        self.assertEqual(self.ask("someone.else@example.org").status_code, 302)
        self.assertEqual(self.events(action="password_reset_sent").count(), 7)

    def test_signed_in_people_change_their_password_instead(self):
        self.client.force_login(self.coordinator)
        self.assertRedirects(
            self.client.get(self.url), reverse("password_change"), fetch_redirect_response=False
        )

    def test_a_new_password_still_takes_the_second_step(self):
        SecondFactor.objects.create(
            user=self.coordinator, name="app", confirmed=True, key=new_secret()
        )
        self.ask(ADDRESS)
        form_page = self.client.get(self.link_in(mail.outbox[0]), follow=True)
        self.client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        response = self.client.post(
            reverse("login"), {"username": "coordinator", "password": NEW_PASSWORD}
        )
        self.assertEqual(response.status_code, 302)
        response = self.client.get(reverse("cases:list"))
        self.assertEqual(
            response["Location"], f"{reverse('second_factor_verify')}?next={reverse('cases:list')}"
        )

import importlib
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from ofr.models import UserSession
from ofr.sessions import describe_browser
from tests.base import PASSWORD, OFRTestCase

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
OTHER_PERSONS_BROWSER = "OtherPersonsBrowser/9.9"


class AccountTestCase(OFRTestCase):
    def setUp(self):
        self.url = reverse("account")

    def sign_in(self, user, ip, user_agent, client=None):
        """A real sign-in (the form), so that the address and browser are recorded."""
        client = client or Client()
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": PASSWORD},
            REMOTE_ADDR=ip,
            HTTP_USER_AGENT=user_agent,
        )
        self.assertEqual(response.status_code, 302)
        # The second step, as its own tests pass it (tests/ofr/test_second_factor.py).
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = "signed-in-by-a-test"
        session.save()
        return client

    def login_redirect(self, url):
        return f"{reverse('login')}?next={url}"

    def test_it_sends_anonymous_visitors_to_sign_in(self):
        self.assertRedirects(
            self.client.get(self.url), self.login_redirect(self.url), fetch_redirect_response=False
        )

    def test_the_header_links_to_it_when_signed_in(self):
        self.assertNotContains(self.client.get(reverse("home")), f'href="{self.url}"')
        self.client.force_login(self.reviewer)
        self.assertContains(self.client.get(reverse("home")), f'href="{self.url}"')

    def test_it_shows_the_person_and_their_memberships(self):
        self.coordinator.email = "coordinator@riverside.example.org"
        self.coordinator.save(update_fields=["email"])
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url)
        self.assertContains(response, "coordinator@riverside.example.org")
        self.assertContains(response, '<td data-label="Team">Riverside OFR</td>', html=True)
        self.assertContains(response, "Health Dept (Public health)")
        self.assertContains(response, '<td data-label="Role">Coordinator</td>', html=True)
        self.assertContains(response, 'href="' + reverse("password_change") + '"')
        self.assertContains(response, "Second factor")
        self.assertNotContains(response, "Lakeview OFR")

        self.client.force_login(self.officer)
        response = self.client.get(self.url)
        self.assertContains(response, "Sheriff (Law enforcement)")
        self.assertContains(response, '<td data-label="Role">Review member</td>', html=True)

    def test_it_shows_the_previous_sign_in_and_the_sessions(self):
        self.sign_in(self.coordinator, "198.51.100.23", FIREFOX)
        self.sign_in(self.coordinator, "203.0.113.5", SAFARI_IPHONE, client=self.client)
        response = self.client.get(self.url)
        self.assertContains(response, "Your sign-in before this one")
        self.assertContains(response, "from 198.51.100.23 (Firefox on Windows)")
        sessions = response.context["sessions"]
        self.assertEqual(
            [(s["ip_address"], s["browser"], s["current"]) for s in sessions],
            [
                ("203.0.113.5", "Safari on iOS", True),
                ("198.51.100.23", "Firefox on Windows", False),
            ],
        )
        self.assertContains(response, "This session", count=1)

    def test_a_first_sign_in_has_no_previous_one(self):
        self.sign_in(self.coordinator, "203.0.113.5", FIREFOX, client=self.client)
        self.assertContains(self.client.get(self.url), "This is your first sign-in.")

    def test_it_shows_nothing_of_other_people(self):
        self.sign_in(self.reviewer, "192.0.2.99", OTHER_PERSONS_BROWSER)
        self.sign_in(self.reviewer, "192.0.2.98", OTHER_PERSONS_BROWSER)
        self.sign_in(self.coordinator, "203.0.113.5", FIREFOX, client=self.client)
        response = self.client.get(self.url)
        self.assertEqual(len(response.context["sessions"]), 1)
        for text in ("192.0.2.9", "OtherPersonsBrowser", "Reviewer", "reviewer"):
            self.assertNotContains(response, text)

    def test_it_does_not_list_sessions_that_have_ended(self):
        other = self.sign_in(self.coordinator, "198.51.100.23", FIREFOX)
        lapsed = self.sign_in(self.coordinator, "198.51.100.24", FIREFOX)
        session = lapsed.session
        session["seen_at"] -= settings.SESSION_IDLE_MINUTES * 60 + 1
        session.save()
        self.client.force_login(self.coordinator)
        other.post(reverse("logout"))  # its row goes at once
        response = self.client.get(self.url)
        self.assertEqual([s["current"] for s in response.context["sessions"]], [True])
        self.assertEqual(UserSession.objects.filter(user=self.coordinator).count(), 2)

    def test_a_session_signed_out_for_idleness_is_forgotten(self):
        self.client.force_login(self.coordinator)
        session = self.client.session
        session["seen_at"] -= settings.SESSION_IDLE_MINUTES * 60 + 1
        session.save()
        self.assertEqual(self.client.get(self.url).status_code, 302)
        self.assertFalse(UserSession.objects.filter(user=self.coordinator).exists())

    def test_a_sign_in_forgets_the_sessions_that_ended_without_a_sign_out(self):
        gone = self.sign_in(self.coordinator, "198.51.100.23", FIREFOX)
        Session.objects.filter(session_key=gone.session.session_key).delete()
        expired = self.sign_in(self.coordinator, "198.51.100.24", FIREFOX)
        Session.objects.filter(session_key=expired.session.session_key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )
        kept = self.sign_in(self.coordinator, "198.51.100.25", FIREFOX)
        self.sign_in(self.coordinator, "203.0.113.5", FIREFOX, client=self.client)
        self.assertEqual(
            set(UserSession.objects.filter(user=self.coordinator).values_list("session_key")),
            {(kept.session.session_key,), (self.client.session.session_key,)},
        )

    def test_sign_out_everywhere_ends_the_other_sessions_and_keeps_this_one(self):
        elsewhere = [self.sign_in(self.coordinator, f"198.51.100.{n}", FIREFOX) for n in (1, 2)]
        someone_else = self.sign_in(self.reviewer, "192.0.2.99", OTHER_PERSONS_BROWSER)
        self.client.force_login(self.coordinator)
        response = self.client.post(reverse("sign_out_everywhere"), follow=True)
        self.assertRedirects(response, self.url)
        self.assertContains(response, "You have been signed out of 2 other sessions.")
        self.assertEqual(len(response.context["sessions"]), 1)
        for client in elsewhere:
            self.assertRedirects(
                client.get(self.url), self.login_redirect(self.url), fetch_redirect_response=False
            )
        self.assertEqual(someone_else.get(self.url).status_code, 200)
        event = self.events(action="signed_out_all").get()
        self.assertEqual((event.user, event.detail), (self.coordinator, "2 other sessions ended"))

        response = self.client.post(reverse("sign_out_everywhere"), follow=True)
        self.assertContains(response, "You were not signed in anywhere else.")
        event = self.events(action="signed_out_all").last()
        self.assertEqual(event.detail, "0 other sessions ended")

    def test_sign_out_everywhere_takes_a_post_with_its_csrf_token(self):
        url = reverse("sign_out_everywhere")
        self.assertRedirects(
            self.client.post(url), self.login_redirect(url), fetch_redirect_response=False
        )
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.coordinator)
        elsewhere = Client()
        elsewhere.force_login(self.coordinator)
        self.assertEqual(client.get(url).status_code, 405)
        self.assertEqual(client.post(url).status_code, 403)
        self.assertEqual(elsewhere.get(self.url).status_code, 200)
        self.assertFalse(self.events(action="signed_out_all").exists())

    def test_the_page_costs_a_few_queries(self):
        self.sign_in(self.coordinator, "198.51.100.23", FIREFOX)
        self.client.force_login(self.coordinator)
        self.client.get(self.url)
        # Session, user, memberships, the sessions' rows and data, the previous
        # sign-in, the second factor and its recovery codes left.
        with self.assertNumQueries(8):
            self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_the_migration_tracks_the_sessions_signed_in_before_it(self):
        self.client.force_login(self.coordinator)
        key = self.client.session.session_key
        UserSession.objects.all().delete()
        migration = importlib.import_module("ofr.migrations.0008_user_sessions")
        migration.track_signed_in_sessions(apps, connection.schema_editor())
        row = UserSession.objects.get()
        self.assertEqual((row.user, row.session_key), (self.coordinator, key))
        self.client.post(reverse("sign_out_everywhere"))  # keeps it: it is this one
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_it_names_browsers_briefly(self):
        chrome_android = (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36"
        )
        edge = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126"
        for user_agent, name in (
            (FIREFOX, "Firefox on Windows"),
            (SAFARI_IPHONE, "Safari on iOS"),
            (chrome_android, "Chrome on Android"),
            (edge, "Edge on Windows"),
            ("curl/8.5.0", "curl/8.5.0"),
            ("", "Unknown browser"),
        ):
            self.assertEqual(describe_browser(user_agent), name)

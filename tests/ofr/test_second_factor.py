import re
from datetime import timedelta
from io import StringIO

from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from demo.second_factor import demo_key
from ofr import second_factor
from ofr.models import RecoveryCode, SecondFactor
from tests.base import OFRTestCase


def code_at(device: SecondFactor, steps_ahead: int = 0) -> str:
    clock = second_factor.totp(device.key)
    clock.time += steps_ahead * second_factor.STEP_SECONDS
    return f"{clock.token():06d}"


def wrong_code(device: SecondFactor) -> str:
    right = {code_at(device, step) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


@override_settings(SECOND_FACTOR_THROTTLE_SECONDS=0)
class SecondFactorTestCase(OFRTestCase):
    def password_only(self, user) -> Client:
        client = Client()
        client.force_login(user, second_factor=False)
        return client

    def enrolled(self, user) -> SecondFactor:
        return SecondFactor.objects.create(
            user=user, name="app", confirmed=True, key=second_factor.new_secret()
        )

    def enter(self, client: Client, code: str, next_page: str = ""):
        url = reverse("second_factor_verify") + (f"?next={next_page}" if next_page else "")
        return client.post(url, {"code": code, "next": next_page})

    # --- Who must pass it, and what they reach before ----------------------------

    def test_a_case_role_reaches_nothing_but_enrolment_until_enrolled(self):
        client = self.password_only(self.reviewer)
        enrol = reverse("second_factor_enrol")
        for url in (
            reverse("home"),
            reverse("cases:list"),
            reverse("cases:detail", kwargs={"code": self.case.code}),
            reverse("meetings:list"),
            reverse("recommendations:list"),
            reverse("second_factor_verify"),
        ):
            with self.subTest(url=url):
                response = client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(enrol), response["Location"])
        response = client.post(reverse("cases:new"), {"reference": "X"})
        self.assertRedirects(response, enrol, fetch_redirect_response=False)
        self.assertEqual(client.get(enrol).status_code, 200)

    def test_the_enrolled_are_sent_to_the_code_page_with_where_they_were_going(self):
        self.enrolled(self.coordinator)
        client = self.password_only(self.coordinator)
        target = reverse("cases:list")
        response = client.get(target)
        self.assertEqual(response["Location"], f"{reverse('second_factor_verify')}?next=/cases/")

    def test_agency_partners_need_it_only_when_their_team_asks(self):
        client = self.password_only(self.partner)
        self.assertEqual(client.get(reverse("home")).status_code, 200)
        self.team.partners_need_second_factor = True
        self.team.save()
        response = client.get(reverse("home"))
        self.assertTrue(response["Location"].startswith(reverse("second_factor_enrol")))

    def test_staff_pass_it_too_and_the_admin_signs_in_through_the_same_steps(self):
        client = self.password_only(self.admin)
        response = client.get(reverse("admin:index"))
        self.assertTrue(response["Location"].startswith(reverse("second_factor_enrol")))
        response = Client().get("/admin/login/?next=/admin/auth/user/")
        self.assertEqual(response["Location"], f"{reverse('login')}?next=/admin/auth/user/")

    def test_signing_out_works_before_the_second_step(self):
        client = self.password_only(self.reviewer)
        response = client.post(reverse("logout"))
        self.assertEqual(response.status_code, 302)
        self.assertNotIn("_auth_user_id", client.session)

    # --- Enrolment ---------------------------------------------------------------

    def test_enrolment_shows_a_qr_code_and_the_secret_the_same_until_confirmed(self):
        client = self.password_only(self.reviewer)
        page = client.get(reverse("second_factor_enrol")).content.decode()
        self.assertIn("<svg", page)
        device = SecondFactor.objects.get(user=self.reviewer)
        self.assertFalse(device.confirmed)
        self.assertIn(second_factor.secret_text(device), page)
        again = client.get(reverse("second_factor_enrol")).content.decode()
        self.assertIn(second_factor.secret_text(device), again)
        uri = second_factor.provisioning_uri(device)
        self.assertTrue(uri.startswith("otpauth://totp/OFR%20case%20management%3Areviewer?"))

    def test_a_wrong_code_does_not_enrol(self):
        client = self.password_only(self.reviewer)
        client.get(reverse("second_factor_enrol"))
        device = SecondFactor.objects.get(user=self.reviewer)
        response = client.post(reverse("second_factor_enrol"), {"code": wrong_code(device)})
        self.assertContains(response, "That code is not right")
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertEqual(self.events(action="mfa_failed").count(), 1)
        self.assertEqual(client.get(reverse("cases:list")).status_code, 302)

    def test_a_right_code_enrols_shows_ten_recovery_codes_once_and_signs_in(self):
        client = self.password_only(self.reviewer)
        client.get(reverse("second_factor_enrol"))
        device = SecondFactor.objects.get(user=self.reviewer)
        response = client.post(
            reverse("second_factor_enrol"), {"code": code_at(device), "next": "/cases/"}
        )
        self.assertEqual(response.status_code, 200)
        codes = re.findall(
            r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", response.content.decode()
        )
        self.assertEqual(len(set(codes)), 10)
        self.assertContains(response, 'href="/cases/"')
        self.assertIn("no-store", response["Cache-Control"])
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        self.assertEqual(self.events(action="mfa_enrolled").count(), 1)
        self.assertEqual(client.get(reverse("cases:list")).status_code, 200)
        # Kept only as salted hashes.
        stored = list(RecoveryCode.objects.filter(user=self.reviewer).values_list("digest", "salt"))
        self.assertEqual(len(stored), 10)
        flat = " ".join(d + s for d, s in stored)
        for code in codes:
            self.assertNotIn(code.replace("-", ""), flat)

    def test_the_secret_is_encrypted_in_the_database(self):
        device = self.enrolled(self.reviewer)
        with connection.cursor() as cursor:
            cursor.execute("SELECT key FROM ofr_secondfactor WHERE id = %s", [device.pk])
            (raw,) = cursor.fetchone()
        self.assertTrue(raw.startswith("gAAAAA"))
        self.assertNotIn(device.key, raw)
        self.assertNotIn(second_factor.secret_text(device).replace(" ", ""), raw)

    # --- The second step ---------------------------------------------------------

    def test_a_right_code_passes_once_and_goes_where_the_person_was_going(self):
        device = self.enrolled(self.coordinator)
        client = self.password_only(self.coordinator)
        key_before = client.session.session_key
        code = code_at(device)
        response = self.enter(client, code, "/cases/")
        self.assertRedirects(response, "/cases/", fetch_redirect_response=False)
        self.assertNotEqual(client.session.session_key, key_before)  # a new session id
        self.assertEqual(client.session[DEVICE_ID_SESSION_KEY], device.persistent_id)
        self.assertEqual(client.get("/cases/").status_code, 200)
        self.assertEqual(self.events(action="mfa_verified").count(), 1)
        # The same code again, in another sign-in: refused (no replay).
        other = self.password_only(self.coordinator)
        response = self.enter(other, code)
        self.assertContains(response, "That code is not right, or was already used")

    def test_a_next_page_elsewhere_is_not_followed(self):
        device = self.enrolled(self.coordinator)
        client = self.password_only(self.coordinator)
        response = self.enter(client, code_at(device), "https://evil.example/")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_a_wrong_code_is_refused_and_counted(self):
        device = self.enrolled(self.coordinator)
        client = self.password_only(self.coordinator)
        response = self.enter(client, wrong_code(device))
        self.assertContains(response, "That code is not right")
        self.assertNotIn(DEVICE_ID_SESSION_KEY, client.session)
        device.refresh_from_db()
        self.assertEqual(device.throttling_failure_count, 1)
        event = self.events(action="mfa_failed").get()
        self.assertEqual((event.user, event.detail), (self.coordinator, "1 in a row"))

    @override_settings(SECOND_FACTOR_THROTTLE_SECONDS=60)
    def test_wrong_codes_in_quick_succession_wait(self):
        device = self.enrolled(self.coordinator)
        client = self.password_only(self.coordinator)
        self.enter(client, wrong_code(device))
        response = self.enter(client, code_at(device))  # even a right one, too soon
        self.assertContains(response, "wait a few seconds")
        self.assertNotIn(DEVICE_ID_SESSION_KEY, client.session)

    def test_a_run_of_wrong_codes_locks_the_step_and_signs_out(self):
        device = self.enrolled(self.coordinator)
        client = self.password_only(self.coordinator)
        with self.settings(AXES_FAILURE_LIMIT=3):
            self.enter(client, wrong_code(device))
            self.enter(client, wrong_code(device))
            response = self.enter(client, wrong_code(device))
            self.assertEqual(response.status_code, 429)
            self.assertContains(response, "Sign-in locked", status_code=429)
            self.assertNotIn("_auth_user_id", client.session)
            self.assertEqual(self.events(action="locked_out").count(), 1)
            # Signing in again with the password does not unlock it, nor does a right code.
            again = self.password_only(self.coordinator)
            response = self.enter(again, code_at(device))
            self.assertEqual(response.status_code, 429)
        # After the cool-off, a right code passes.
        device.refresh_from_db()
        device.throttling_failure_timestamp -= timedelta(hours=1)
        device.save()
        client = self.password_only(self.coordinator)
        response = self.enter(client, code_at(device))
        self.assertEqual(response.status_code, 302)

    def test_a_recovery_code_works_once(self):
        device = self.enrolled(self.coordinator)
        codes = second_factor.issue_recovery_codes(self.coordinator)
        client = self.password_only(self.coordinator)
        response = self.enter(client, codes[3].upper().replace("-", " "))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(client.session[DEVICE_ID_SESSION_KEY], device.persistent_id)
        event = self.events(action="mfa_recovery_used").get()
        self.assertEqual(event.detail, "9 left")
        again = self.password_only(self.coordinator)
        response = self.enter(again, codes[3])
        self.assertContains(response, "That code is not right")
        self.assertEqual(second_factor.recovery_codes_left(self.coordinator), 9)

    def test_renewing_recovery_codes_replaces_the_old_ones(self):
        self.enrolled(self.coordinator)
        old = second_factor.issue_recovery_codes(self.coordinator)
        client = Client()
        client.force_login(self.coordinator)
        response = client.post(reverse("second_factor_renew_codes"))
        self.assertEqual(response.status_code, 200)
        new = re.findall(r"<code>([a-z0-9-]{14})</code>", response.content.decode())
        self.assertEqual(len(new), 10)
        self.assertEqual(self.events(action="mfa_codes_renewed").count(), 1)
        self.assertFalse(second_factor.use_recovery_code(self.coordinator, old[0]))
        self.assertTrue(second_factor.use_recovery_code(self.coordinator, new[0]))

    # --- An administrator's reset -------------------------------------------------

    def test_an_administrator_resets_with_a_reason_and_the_person_enrols_again(self):
        self.enrolled(self.reviewer)
        second_factor.issue_recovery_codes(self.reviewer)
        person = Client()
        person.force_login(self.reviewer)
        self.assertEqual(person.get(reverse("cases:list")).status_code, 200)
        admin = Client()
        admin.force_login(self.admin)
        url = reverse("second_factor_reset", kwargs={"user_id": self.reviewer.pk})
        self.assertContains(admin.get(url), "Reset the second factor of reviewer")
        response = admin.post(url, {"reason": ""})
        self.assertContains(response, "This field is required")
        response = admin.post(url, {"reason": "lost phone, called back on file number"})
        self.assertRedirects(
            response,
            reverse("admin:auth_user_change", args=[self.reviewer.pk]),
            fetch_redirect_response=False,
        )
        self.assertFalse(SecondFactor.objects.filter(user=self.reviewer).exists())
        self.assertFalse(RecoveryCode.objects.filter(user=self.reviewer).exists())
        event = self.events(action="mfa_reset").get()
        self.assertEqual(event.user, self.admin)
        self.assertEqual(event.object_id, str(self.reviewer.pk))
        self.assertIn("lost phone, called back on file number", event.detail)
        # Their session has ended; signing in again asks them to enrol.
        response = person.get(reverse("cases:list"))
        self.assertTrue(response["Location"].startswith(reverse("login")))
        response = self.password_only(self.reviewer).get(reverse("cases:list"))
        self.assertTrue(response["Location"].startswith(reverse("second_factor_enrol")))
        # The administrator's own session lives on.
        self.assertTrue(Session.objects.filter(session_key=admin.session.session_key).exists())

    def test_only_those_who_may_change_users_reset(self):
        client = Client()
        client.force_login(self.coordinator)
        url = reverse("second_factor_reset", kwargs={"user_id": self.reviewer.pk})
        self.assertEqual(client.post(url, {"reason": "x"}).status_code, 403)

    # --- The demo -----------------------------------------------------------------

    def test_demo_code_prints_the_code_of_a_demo_user_only(self):
        device = SecondFactor.objects.create(
            user=self.reviewer, name="demo", confirmed=True, key=demo_key()
        )
        out = StringIO()
        call_command("demo_code", "reviewer", stdout=out)
        self.assertIn(out.getvalue().strip(), {code_at(device, -1), code_at(device)})
        self.enrolled(self.coordinator)
        with self.assertRaisesMessage(CommandError, "not a demo user"):
            call_command("demo_code", "coordinator", stdout=StringIO())

    def test_the_account_page_shows_the_second_factor_and_codes_left(self):
        self.enrolled(self.coordinator)
        codes = second_factor.issue_recovery_codes(self.coordinator)
        second_factor.use_recovery_code(self.coordinator, codes[0])
        client = Client()
        client.force_login(self.coordinator)
        response = client.get(reverse("account"))
        self.assertContains(response, "You sign in with a code from your authenticator app")
        self.assertContains(response, "Recovery codes left: <strong>9</strong> of 10")
        self.assertContains(response, reverse("second_factor_renew_codes"))
        client.force_login(self.reviewer)
        response = client.get(reverse("account"))
        self.assertContains(response, "Not set up.")

    def test_the_admin_user_page_says_whether_enrolled_and_links_the_reset(self):
        self.enrolled(self.reviewer)
        client = Client()
        client.force_login(self.admin)
        response = client.get(reverse("admin:auth_user_change", args=[self.reviewer.pk]))
        self.assertContains(response, "Set up · <a")
        self.assertContains(
            response, reverse("second_factor_reset", kwargs={"user_id": self.reviewer.pk})
        )

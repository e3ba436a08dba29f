"""Cases deferred for an investigation: the review-by date, planned agendas,
packets, the coordinator's home page, and law enforcement's deferral requests."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseUserObjectPermission, DeferralRequest
from meetings.models import AgendaItem, Attendance, Meeting, check_agenda_case
from meetings.packet_jobs import start_packet
from tests.base import OFRTestCase, make_user


class DeferralTestCase(OFRTestCase):
    def defer(self, case=None, *, reason="active_investigation", by=None) -> list:
        case = case or self.case
        return case.move_to("deferred", by=by or self.coordinator, deferral_reason=reason)

    def other_meeting(self, title: str, status: str, case=None) -> Meeting:
        meeting = Meeting.objects.create(
            team=self.team,
            title=title,
            status=status,
            starts_at=datetime(2026, 11, 5, 14, 0, tzinfo=UTC),
            created_by=self.coordinator,
        )
        AgendaItem.objects.create(meeting=meeting, case=case or self.case, position=1)
        return meeting

    def ask(self, user=None, **data):
        self.client.force_login(user or self.officer)
        return self.client.post(
            reverse("cases:ask_deferral", args=[self.case.code]),
            {"reason": "active_investigation", **data},
        )

    def open_request(self) -> DeferralRequest:
        return DeferralRequest.ask(
            self.case, by=self.officer, reason="prosecution_pending", note="Charges expected."
        )

    def decline_url(self, deferral: DeferralRequest) -> str:
        return reverse("cases:decline_deferral", args=[self.case.code, deferral.code])

    def home(self, user) -> str:
        self.client.force_login(user)
        return self.client.get(reverse("home")).content.decode()

    # --- The review-by date ---------------------------------------------------

    def test_it_sets_the_review_date_on_deferral_and_clears_it_on_leaving(self):
        self.team.deferral_review_days = 30
        self.team.save()
        self.case.team = self.team
        self.defer()
        today = timezone.localdate()
        self.assertEqual(self.case.deferral_review_on, today + timedelta(days=30))
        deferred = self.case.history.first()
        self.assertEqual(deferred.history_change_reason, "Status: Deferred")
        self.assertEqual(deferred.deferral_review_on, today + timedelta(days=30))
        self.case.move_to("identified", by=self.coordinator, note="Investigation closed")
        self.case.refresh_from_db()
        self.assertIsNone(self.case.deferral_review_on)
        resumed = self.case.history.first()
        changed = {c.field for c in resumed.diff_against(deferred).changes}
        # One history row carries the new status and the cleared date.
        self.assertTrue({"status", "deferral_reason", "deferral_review_on"} <= changed)
        self.assertEqual(resumed.history_user, self.coordinator)

    def test_it_lists_the_deferrals_due_for_review(self):
        self.defer()
        later = Case.objects.create(team=self.team, reference="RIV-2025-090")
        self.defer(later)
        today = timezone.localdate()
        self.assertEqual(list(Case.objects.deferrals_due(today)), [])
        self.case.deferral_review_on = today
        self.case.save()
        self.assertEqual(list(Case.objects.deferrals_due(today)), [self.case])
        self.assertIn(self.case, Case.objects.deferrals_due(today))
        self.assertNotIn(later, Case.objects.deferrals_due(today))

    # --- Agendas and packets ----------------------------------------------------

    def test_it_takes_a_deferred_case_off_planned_agendas_only(self):
        second = self.other_meeting("Riverside January review", "planned")
        in_session = self.other_meeting("Riverside review in session", "in_session")
        adjourned = self.other_meeting("Riverside review adjourned", "adjourned")
        closed = self.other_meeting("Riverside review closed", "closed")
        said = self.defer()
        self.assertEqual(
            said, [f"Taken off the agendas of “{second.title}”, “{self.meeting.title}”."]
        )
        kept = set(AgendaItem.objects.filter(case=self.case).values_list("meeting", flat=True))
        self.assertEqual(kept, {in_session.pk, adjourned.pk, closed.pk})
        removals = AgendaItem.history.filter(case=self.case, history_type="-")
        self.assertEqual({row.meeting_id for row in removals}, {self.meeting.pk, second.pk})
        for row in removals:
            self.assertEqual(row.history_user, self.coordinator)
            self.assertEqual(
                row.history_change_reason, "Case RIV-2025-001 deferred: taken off the agenda"
            )

    def test_a_guest_loses_the_case_with_the_agenda(self):
        guest = make_user("guest")
        Attendance.invite_guest(self.meeting, guest, kind="guest", by=self.coordinator)
        grants = CaseUserObjectPermission.objects.filter(user=guest, content_object=self.case)
        self.assertTrue(grants.exists())
        self.defer()
        self.assertFalse(grants.exists())

    def test_the_status_page_names_the_meetings_it_took_the_case_off(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            reverse("cases:status", args=[self.case.code]),
            {
                "opened_version": self.case.version,
                "status": "deferred",
                "deferral_reason": "active_investigation",
            },
            follow=True,
        )
        self.assertContains(response, "Status: Deferred.")
        self.assertContains(response, "Taken off the agenda of “Riverside case review”.")

    def test_it_refuses_a_packet_for_a_meeting_holding_a_deferred_case(self):
        self.meeting.move_to("in_session", by=self.facilitator)
        self.defer()
        self.assertTrue(self.meeting.agenda_items.filter(case=self.case).exists())
        with self.assertRaisesMessage(
            ValidationError, "Case RIV-2025-001 is deferred: take it off the agenda first."
        ):
            start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.assertFalse(self.meeting.packet_copies.exists())

    def test_a_deferred_case_cannot_go_on_an_agenda(self):
        self.defer()
        with self.assertRaisesMessage(ValidationError, "only cases that are ready for review"):
            check_agenda_case(self.meeting, self.case)
        self.client.force_login(self.coordinator)
        response = self.client.post(
            reverse("meetings:add_agenda_case", args=[self.meeting.code]),
            {"case": self.case.code},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.meeting.agenda_items.filter(case=self.case).exists())

    # --- The coordinator's home page -----------------------------------------------

    def test_the_home_page_shows_the_coordinator_deferrals_to_decide(self):
        self.defer()
        self.case.deferral_review_on = timezone.localdate() - timedelta(days=1)
        self.case.save()
        asked = Case.objects.create(team=self.team, reference="RIV-2025-091")
        self.officer_asks_on(asked)
        page = self.home(self.coordinator)
        self.assertIn("Deferrals to decide", page)
        self.assertIn(reverse("cases:detail", args=[self.case.code]), page)
        self.assertIn("active law-enforcement investigation", page)
        self.assertIn(f"review by {self.case.deferral_review_on:%Y-%m-%d}", page)
        self.assertIn("RIV-2025-091", page)
        self.assertIn("asked by Officer", page)
        for user in (self.facilitator, self.data_manager, self.reviewer, self.officer):
            with self.subTest(user=user.username):
                page = self.home(user)
                self.assertNotIn("Deferrals to decide", page)
                self.assertNotIn("RIV-2025-091", page)
        # A coordinator of another team sees nothing of Riverside's.
        page = self.home(self.outsider)
        self.assertNotIn("Deferrals to decide", page)
        self.assertNotIn("RIV-2025-001", page)

    def test_the_home_page_waits_for_the_review_date(self):
        self.defer()
        self.assertNotIn("Deferrals to decide", self.home(self.coordinator))

    def officer_asks_on(self, case: Case) -> DeferralRequest:
        return DeferralRequest.ask(case, by=self.officer, reason="active_investigation")

    # --- Asking for a deferral ----------------------------------------------------

    def test_a_law_enforcement_member_asks_for_a_deferral(self):
        self.client.force_login(self.officer)
        url = reverse("cases:ask_deferral", args=[self.case.code])
        page = self.client.get(url)
        self.assertContains(page, "Ask the team to defer the case")
        self.assertContains(page, "No names.")
        self.assertNotContains(page, 'value="records_outstanding"')
        response = self.ask(note="Charges expected in March.")
        self.assertRedirects(
            response,
            reverse("cases:detail", args=[self.case.code]) + "#deferral",
            fetch_redirect_response=False,
        )
        deferral = DeferralRequest.objects.get(case=self.case)
        self.assertEqual(
            (deferral.requested_by, deferral.reason, deferral.note, deferral.is_open),
            (self.officer, "active_investigation", "Charges expected in March.", True),
        )
        row = deferral.history.get()
        self.assertEqual(
            (row.history_user, row.history_change_reason), (self.officer, "Deferral requested")
        )
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, "identified")  # the coordinator decides

    def test_a_second_request_is_refused_with_a_message(self):
        self.ask()
        response = self.ask(reason="prosecution_pending")
        self.assertEqual(DeferralRequest.objects.filter(case=self.case).count(), 1)
        page = self.client.get(response["Location"]).content.decode()
        self.assertIn("has already been asked for", page)
        page = self.client.get(reverse("cases:ask_deferral", args=[self.case.code]))
        self.assertContains(page, "has already been asked for")
        self.assertNotContains(page, "Ask to defer</button>")

    def test_it_refuses_other_reasons_and_long_notes(self):
        response = self.ask(reason="records_outstanding")
        self.assertEqual(response.status_code, 400)
        response = self.ask(note="x" * 301)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(DeferralRequest.objects.exists())

    def test_it_refuses_a_request_on_a_case_that_can_no_longer_be_deferred(self):
        self.case.status = "reviewed"
        self.case.save()
        self.ask()
        self.assertFalse(DeferralRequest.objects.exists())
        response = self.client.get(reverse("cases:ask_deferral", args=[self.case.code]))
        self.assertContains(response, "can no longer be deferred")

    def test_asking_is_for_law_enforcement_members_who_see_the_case(self):
        url = reverse("cases:ask_deferral", args=[self.case.code])
        for user, expected in (
            (self.reviewer, 403),  # health department
            (self.coordinator, 403),  # defers the case on its status page instead
            (self.facilitator, 403),
            (self.outsider, 404),
            (self.partner, 404),
        ):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.get(url).status_code, expected)
                self.assertEqual(self.ask(user).status_code, expected)
        self.assertFalse(DeferralRequest.objects.exists())
        self.client.logout()
        response = self.client.post(url, {"reason": "active_investigation"})
        self.assertRedirects(response, f"{reverse('login')}?next={url}")
        self.client.force_login(self.officer)
        self.assertEqual(self.client.put(url).status_code, 405)
        self.assertEqual(self.client.delete(url).status_code, 405)

    # --- Declining and granting ------------------------------------------------------

    def test_the_coordinator_declines_with_a_reason(self):
        deferral = self.open_request()
        self.client.force_login(self.coordinator)
        response = self.client.post(self.decline_url(deferral), {"reason": "Review is aggregate."})
        self.assertRedirects(
            response,
            reverse("cases:detail", args=[self.case.code]) + "#deferral",
            fetch_redirect_response=False,
        )
        deferral.refresh_from_db()
        self.assertEqual(
            (deferral.outcome, deferral.resolved_by, deferral.decline_reason),
            ("declined", self.coordinator, "Review is aggregate."),
        )
        row = deferral.history.first()
        self.assertEqual(row.history_user, self.coordinator)
        self.assertEqual(row.history_change_reason, "Deferral declined (Review is aggregate.)")
        # The asker may ask again once the first is decided.
        self.assertEqual(self.ask().status_code, 302)
        self.assertEqual(DeferralRequest.objects.open().count(), 1)

    def test_declining_needs_a_reason_and_an_open_request(self):
        deferral = self.open_request()
        self.client.force_login(self.coordinator)
        self.client.post(self.decline_url(deferral), {"reason": " "})
        deferral.refresh_from_db()
        self.assertTrue(deferral.is_open)
        self.client.post(self.decline_url(deferral), {"reason": "No."})
        response = self.client.post(self.decline_url(deferral), {"reason": "Again."}, follow=True)
        self.assertContains(response, "already been decided")
        self.assertEqual(deferral.history.count(), 2)

    def test_only_the_coordinator_declines(self):
        deferral = self.open_request()
        url = self.decline_url(deferral)
        for user, expected in (
            (self.data_manager, 403),
            (self.facilitator, 403),
            (self.reviewer, 403),
            (self.officer, 403),
            (self.outsider, 404),
            (self.partner, 404),
        ):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                self.assertEqual(self.client.post(url, {"reason": "No."}).status_code, expected)
        self.client.logout()
        response = self.client.post(url, {"reason": "No."})
        self.assertRedirects(response, f"{reverse('login')}?next={url}")
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(url).status_code, 405)
        deferral.refresh_from_db()
        self.assertTrue(deferral.is_open)

    def test_deferring_the_case_grants_the_open_request(self):
        deferral = self.open_request()
        self.defer(reason="prosecution_pending")
        deferral.refresh_from_db()
        self.assertEqual(
            (deferral.outcome, deferral.resolved_by, deferral.is_open),
            ("granted", self.coordinator, False),
        )
        row = deferral.history.first()
        self.assertEqual(
            (row.history_user, row.history_change_reason),
            (self.coordinator, "Deferral granted: case deferred"),
        )

    # --- The case page -------------------------------------------------------------

    def test_the_case_page_shows_requests_to_the_coordinator_and_the_asker(self):
        self.open_request()
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "Open requests to defer case RIV-2025-001")
        self.assertContains(response, "Charges expected.")
        self.assertContains(response, ">Decline</button>")
        self.client.force_login(self.officer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "<strong>open</strong>, the coordinator has not decided")
        self.assertNotContains(response, ">Decline</button>")
        self.assertNotContains(response, reverse("cases:ask_deferral", args=[self.case.code]))
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertNotContains(response, 'id="deferral"')
        self.assertNotContains(response, "Charges expected.")

    def test_the_case_page_offers_law_enforcement_the_request(self):
        self.client.force_login(self.officer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, reverse("cases:ask_deferral", args=[self.case.code]))
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertNotContains(response, reverse("cases:ask_deferral", args=[self.case.code]))

from datetime import date, timedelta
from unittest import mock

from django.urls import reverse
from django.utils import timezone

from cases.access import get_case_for_user
from cases.letters import letter_html, letter_pdf
from cases.models import RecordRequest
from cases.policy import PART2_NOTICE, CaseViewer
from ofr.models import Agency, Holiday
from ofr.pdf import PDF_ORIGIN, static_file_for
from tests.base import OFRTestCase

CASE_EDITOR_PERMISSIONS = frozenset({"view_case", "change_case", "annotate_case", "view_part2_sud"})


class RecordRequestsTestCase(OFRTestCase):
    def add_url(self):
        return reverse("cases:add_request", args=[self.case.code])

    def edit_url(self, record_request=None):
        record_request = record_request or self.record_request
        return reverse("cases:edit_request", args=[self.case.code, record_request.code])

    def letter_url(self):
        return reverse("cases:request_letter", args=[self.case.code, self.record_request.code])

    def add_data(self, **changes):
        return {
            "agency": self.sheriff.pk,
            "record_types": ["law_enforcement_report"],
            "legal_basis": "ofr_statute",
            "window_start": "2023-03-01",
            "window_end": "2025-03-01",
            "requested_on": "2025-06-02",
            **changes,
        }

    def edit_data(self, **changes):
        request = self.record_request
        request.refresh_from_db()
        return {
            "agency": request.agency_id,
            "record_types": request.record_types,
            "legal_basis": request.legal_basis,
            "window_start": request.window_start.isoformat(),
            "window_end": request.window_end.isoformat(),
            "requested_on": request.requested_on.isoformat(),
            "re_requested_on": "",
            "outcome": request.outcome,
            "answered_on": "",
            "withheld_reason": "",
            "opened_version": request.version,
            **changes,
        }

    def added(self):
        return RecordRequest.objects.exclude(pk=self.record_request.pk)

    # --- Adding a request -------------------------------------------------------

    def test_it_shows_the_add_form_with_the_default_window_and_today(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.add_url())
        self.assertEqual(response.status_code, 200)
        start, end = RecordRequest.default_window(date(2025, 3, 1))
        self.assertContains(response, f'value="{start.isoformat()}"')
        self.assertContains(response, f'value="{end.isoformat()}"')
        self.assertContains(response, f'value="{timezone.localdate().isoformat()}"')
        self.assertContains(response, "5 business days")
        self.assertNotContains(response, 'name="due_on"')

    def test_it_adds_a_request_due_5_business_days_later_for_an_agency(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.add_data(), follow=True)
        self.assertRedirects(response, reverse("cases:detail", args=[self.case.code]) + "#requests")
        record_request = self.added().get()
        self.assertEqual(record_request.due_on, date(2025, 6, 9))
        self.assertEqual(record_request.created_by, self.coordinator)
        self.assertEqual(record_request.record_types, ["law_enforcement_report"])
        history = record_request.history.first()
        self.assertEqual(history.history_change_reason, "Record request added")
        self.assertEqual(history.history_user, self.coordinator)
        self.assertContains(response, "due 2025-06-09")

    def test_it_skips_a_team_holiday(self):
        Holiday.objects.create(team=self.team, date=date(2025, 6, 4), name="Closure")
        self.client.force_login(self.data_manager)
        self.client.post(self.add_url(), self.add_data())
        self.assertEqual(self.added().get().due_on, date(2025, 6, 10))

    def test_it_gives_a_health_care_provider_30_business_days(self):
        Holiday.objects.create(team=self.team, date=date(2025, 7, 4), name="Independence Day")
        self.client.force_login(self.coordinator)
        data = self.add_data(record_types=["hospital_ed", "ems_run"], agency=self.health.pk)
        self.client.post(self.add_url(), data)
        self.assertEqual(self.added().get().due_on, date(2025, 7, 15))

    def test_it_ignores_a_typed_due_date(self):
        self.client.force_login(self.coordinator)
        self.client.post(self.add_url(), self.add_data(due_on="2030-01-01"))
        self.assertEqual(self.added().get().due_on, date(2025, 6, 9))

    def test_it_requires_a_record_type_and_a_window(self):
        self.client.force_login(self.coordinator)
        data = self.add_data(record_types=[], window_start="", window_end="")
        response = self.client.post(self.add_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Choose at least one record type.")
        self.assertContains(response, "This field is required.")
        self.assertFalse(self.added().exists())

    def test_it_refuses_an_unknown_record_type(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.add_data(record_types=["everything"]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice.")
        self.assertFalse(self.added().exists())

    def test_it_refuses_a_window_that_ends_before_it_starts(self):
        self.client.force_login(self.coordinator)
        data = self.add_data(window_start="2025-03-01", window_end="2024-03-01")
        response = self.client.post(self.add_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The window must end after it starts.")
        self.assertFalse(self.added().exists())

    def test_it_refuses_a_window_over_36_months_without_the_confirmation(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.add_data(window_start="2022-02-28"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "longer than 36 months")
        self.assertContains(response, "45 CFR 164.502(b)")
        self.assertFalse(self.added().exists())

    def test_it_accepts_a_wide_window_once_confirmed(self):
        self.client.force_login(self.coordinator)
        data = self.add_data(window_start="2020-01-01", confirm_wide_window="on")
        self.assertEqual(self.client.post(self.add_url(), data).status_code, 302)
        self.assertEqual(self.added().get().window_start, date(2020, 1, 1))

    def test_it_accepts_exactly_36_months(self):
        self.client.force_login(self.coordinator)
        data = self.add_data(window_start="2022-03-01")
        self.assertEqual(self.client.post(self.add_url(), data).status_code, 302)

    def test_it_refuses_future_dates(self):
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.add_data(requested_on=tomorrow))
        self.assertContains(response, "The request date cannot be in the future.")
        response = self.client.post(self.add_url(), self.add_data(window_end=tomorrow))
        self.assertContains(response, "The window cannot end in the future.")
        self.assertFalse(self.added().exists())

    def test_add_redirects_anonymous_to_login(self):
        response = self.client.post(self.add_url(), self.add_data())
        self.assertRedirects(response, f"{reverse('login')}?next={self.add_url()}")

    def test_add_gives_an_outsider_404(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.add_url(), self.add_data()).status_code, 404)
        self.assertFalse(self.added().exists())

    def test_add_gives_read_only_members_403(self):
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.add_url(), self.add_data()).status_code, 403)
        self.assertFalse(self.added().exists())

    def test_add_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.put(self.add_url()).status_code, 405)

    # --- Editing a request --------------------------------------------------------

    def test_it_shows_the_edit_form_with_the_current_due_date(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.edit_url())
        self.assertContains(response, "Currently due 2025-05-13")

    def test_a_re_request_recomputes_the_due_date(self):
        self.assertEqual(self.record_request.due_on, date(2025, 5, 13))
        self.client.force_login(self.coordinator)
        before = self.record_request.history.count()
        response = self.client.post(self.edit_url(), self.edit_data(re_requested_on="2025-05-01"))
        self.assertEqual(response.status_code, 302)
        self.record_request.refresh_from_db()
        self.assertEqual(self.record_request.re_requested_on, date(2025, 5, 1))
        self.assertEqual(self.record_request.due_on, date(2025, 6, 12))  # 30 business days
        self.assertEqual(self.record_request.history.count(), before + 1)
        history = self.record_request.history.first()
        self.assertEqual(history.history_change_reason, "Record request edited")
        self.assertEqual(history.history_user, self.coordinator)

    def test_an_edit_that_does_not_touch_the_dates_keeps_the_due_date(self):
        self.client.force_login(self.coordinator)
        data = self.edit_data(outcome="received", answered_on="2025-05-20")
        self.assertEqual(self.client.post(self.edit_url(), data).status_code, 302)
        self.record_request.refresh_from_db()
        self.assertEqual(self.record_request.outcome, "received")
        self.assertEqual(self.record_request.due_on, date(2025, 5, 13))
        self.assertFalse(self.record_request.is_overdue())

    def test_it_refuses_withheld_without_a_reason(self):
        self.client.force_login(self.coordinator)
        data = self.edit_data(outcome="withheld", answered_on="2025-05-20")
        response = self.client.post(self.edit_url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Say why the records were withheld.")
        self.record_request.refresh_from_db()
        self.assertEqual(self.record_request.outcome, "pending")

    def test_it_records_withheld_with_a_reason(self):
        self.client.force_login(self.coordinator)
        data = self.edit_data(
            outcome="withheld", answered_on="2025-05-20", withheld_reason="pending_investigation"
        )
        self.assertEqual(self.client.post(self.edit_url(), data).status_code, 302)
        self.record_request.refresh_from_db()
        self.assertEqual(self.record_request.withheld_reason, "pending_investigation")

    def test_it_refuses_bad_answer_and_re_request_dates(self):
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        self.client.force_login(self.coordinator)
        cases = [
            ({"re_requested_on": tomorrow}, "The re-request date cannot be in the future."),
            ({"re_requested_on": "2025-03-01"}, "A re-request cannot come before the request."),
            ({"outcome": "received", "answered_on": tomorrow}, "cannot be in the future"),
            ({"outcome": "received"}, "Give the date of the answer."),
            ({"outcome": "received", "answered_on": "2025-03-15"}, "cannot come before"),
            ({"answered_on": "2025-05-20"}, "has no answer date"),
            ({"window_start": "2021-01-01"}, "longer than 36 months"),
        ]
        for changes, message in cases:
            with self.subTest(changes=changes):
                response = self.client.post(self.edit_url(), self.edit_data(**changes))
                self.assertContains(response, message)
        self.record_request.refresh_from_db()
        self.assertEqual(self.record_request.version, 1)

    def test_a_confirmed_wide_window_is_not_asked_again_for_the_answer(self):
        self.record_request.window_start = date(2020, 1, 1)
        self.record_request.save()
        self.client.force_login(self.coordinator)
        data = self.edit_data(outcome="received", answered_on="2025-05-20")
        self.assertEqual(self.client.post(self.edit_url(), data).status_code, 302)
        data = self.edit_data(window_start="2019-01-01")
        self.assertContains(self.client.post(self.edit_url(), data), "longer than 36 months")

    def test_a_reason_is_kept_only_for_withheld_records(self):
        self.client.force_login(self.coordinator)
        data = self.edit_data(
            outcome="unavailable", answered_on="2025-05-20", withheld_reason="legal_privilege"
        )
        self.assertEqual(self.client.post(self.edit_url(), data).status_code, 302)
        self.record_request.refresh_from_db()
        self.assertEqual(
            (self.record_request.outcome, self.record_request.withheld_reason), ("unavailable", "")
        )

    def test_a_stale_edit_is_refused(self):
        self.client.force_login(self.coordinator)
        stale = self.edit_data(re_requested_on="2025-05-01")
        self.client.post(
            self.edit_url(), self.edit_data(outcome="received", answered_on="2025-05-02")
        )
        response = self.client.post(self.edit_url(), stale)
        self.assertEqual(response.status_code, 409)
        self.record_request.refresh_from_db()
        self.assertIsNone(self.record_request.re_requested_on)

    def test_edit_redirects_anonymous_to_login(self):
        response = self.client.get(self.edit_url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.edit_url()}")

    def test_edit_gives_an_outsider_404(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.edit_url(), self.edit_data()).status_code, 404)

    def test_edit_gives_read_only_members_403(self):
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            data = self.edit_data(re_requested_on="2025-05-01")
            self.assertEqual(self.client.post(self.edit_url(), data).status_code, 403)
        self.record_request.refresh_from_db()
        self.assertEqual(self.record_request.version, 1)

    def test_edit_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.delete(self.edit_url()).status_code, 405)

    # --- The letter -----------------------------------------------------------------

    def test_it_sends_a_pdf_letter_and_logs_the_export(self):
        self.client.force_login(self.coordinator)
        before = self.events(action="export").count()
        response = self.client.get(self.letter_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertEqual(
            response["Content-Disposition"],
            'attachment; filename="request-RIV-2025-001-health-dept.pdf"',
        )
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(self.events(action="export").count(), before + 1)
        event = self.events(action="export").order_by("-seq").first()
        self.assertEqual(event.user, self.coordinator)
        self.assertEqual(event.detail, f"record request letter {self.record_request.code}")

    def test_the_letter_carries_identifiers_for_the_coordinator(self):
        html = letter_html(self.record_request, self.case_as(self.coordinator))
        self.assertIn("Jordan Example", html)
        self.assertIn("June 15, 1990", html)
        self.assertIn("Date of death", html)
        self.assertIn("Hospital / ED record", html)
        self.assertIn("March 1, 2023", html)  # the window
        self.assertIn("May 13, 2025", html)  # the due date
        self.assertIn("45 CFR 164.502(b)", html)
        self.assertIn("Riverside OFR", html)
        self.assertIn("overdose fatality review statute", html)

    def test_the_letter_has_no_identifiers_without_view_identifiers(self):
        self.record_request.refresh_from_db()
        html = letter_html(self.record_request, self.editor_without_identifiers())
        self.assertNotIn("Jordan Example", html)
        self.assertNotIn("1990", html)
        self.assertNotIn("Date of death", html)
        self.assertIn("not printed on this copy", html)
        self.assertIn("Hospital / ED record", html)

    def test_the_letter_mentions_part_2_for_sud_treatment_records(self):
        self.record_request.record_types = ["sud_treatment"]
        html = letter_html(self.record_request, self.editor_without_identifiers())
        self.assertIn("42 CFR part 2", html)
        self.assertIn(PART2_NOTICE, html)

    def test_a_letter_to_a_part2_program_is_part2_whatever_the_record_types(self):
        program = Agency.objects.create(name="New Path", sector="sud_treatment")
        self.assertTrue(program.part2_program)
        self.record_request.agency = program
        html = letter_html(self.record_request, self.editor_without_identifiers())
        self.assertIn(PART2_NOTICE, html)

    def editor_without_identifiers(self) -> CaseViewer:
        return CaseViewer(user_id=None, permissions=CASE_EDITOR_PERMISSIONS, case=self.case)

    def test_the_letter_fetches_only_its_stylesheet_and_never_opens_a_url(self):
        self.record_request.refresh_from_db()
        with (
            mock.patch("ofr.pdf.static_file_for", wraps=static_file_for) as fetched,
            mock.patch("urllib.request.OpenerDirector.open") as opened,
        ):
            pdf = letter_pdf(self.record_request, self.case_as(self.coordinator))
        self.assertTrue(pdf.startswith(b"%PDF"))
        asked = [call.args[0] for call in fetched.call_args_list]
        self.assertEqual(asked, [f"{PDF_ORIGIN}/static/css/letter.css"])
        opened.assert_not_called()

    def test_letter_redirects_anonymous_to_login(self):
        response = self.client.get(self.letter_url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.letter_url()}")

    def test_letter_gives_an_outsider_404(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.letter_url()).status_code, 404)

    def test_letter_gives_read_only_members_403_and_logs_no_export(self):
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.letter_url()).status_code, 403)
        self.assertFalse(self.events(action="export").exists())

    def test_letter_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.post(self.letter_url()).status_code, 405)

    # --- The section on the case page ---------------------------------------------

    def test_the_case_page_lists_requests_with_actions_for_editors(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "Hospital / ED record")
        self.assertContains(response, "2023-03-01 to 2025-03-01")
        self.assertContains(response, "Awaiting answer")
        self.assertContains(response, ">Overdue<")
        self.assertContains(response, self.edit_url())
        self.assertContains(response, self.letter_url())
        self.assertContains(response, "Letter (PDF)")
        self.assertContains(response, self.add_url())
        self.assertContains(response, reverse("cases:overdue_requests"))

    def test_the_case_page_shows_requests_without_actions_to_members(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "Hospital / ED record")
        self.assertNotContains(response, self.edit_url())
        self.assertNotContains(response, self.letter_url())
        self.assertNotContains(response, self.add_url())
        self.assertNotContains(response, reverse("cases:overdue_requests"))

    def case_as(self, user) -> frozenset[str]:
        return get_case_for_user(user, self.case.code, "change_case").viewer

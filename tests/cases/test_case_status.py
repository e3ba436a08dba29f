from django.urls import reverse

from tests.base import OFRTestCase
from tests.cases.test_exchange_languages import planted_spanish


class CaseStatusTestCase(OFRTestCase):
    def url(self):
        return reverse("cases:status", args=[self.case.code])

    def post(self, user, **data):
        self.client.force_login(user)
        return self.client.post(self.url(), {"opened_version": self.case.version, **data})

    def test_it_moves_the_case_and_records_who_when_and_why(self):
        response = self.post(self.coordinator, status="selected", note="Meets criteria")
        self.assertRedirects(response, reverse("cases:detail", args=[self.case.code]))
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, "selected")
        self.assertEqual(self.case.status_changed_by, self.coordinator)
        self.assertIsNotNone(self.case.status_changed_at)
        latest = self.case.history.first()
        self.assertEqual(
            latest.history_change_reason, "Status: Selected for review (Meets criteria)"
        )
        self.assertEqual(latest.history_user, self.coordinator)

    def test_the_history_stays_english_for_a_spanish_reader(self):
        with planted_spanish({"Selected for review": "Seleccionado para revisión"}):
            self.assertEqual(str(self.case.Status.SELECTED.label), "Seleccionado para revisión")
            self.case.move_to("selected", by=self.coordinator, note="Meets criteria")
        latest = self.case.history.first()
        self.assertEqual(
            latest.history_change_reason, "Status: Selected for review (Meets criteria)"
        )

    def test_it_offers_only_allowed_transitions(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url())
        self.assertContains(response, 'value="selected"')
        self.assertNotContains(response, 'value="closed"')
        response = self.post(self.coordinator, status="closed")
        self.assertContains(response, "Select a valid choice")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, "identified")

    def test_excluded_and_deferred_need_a_reason(self):
        before = self.case.history.count()
        response = self.post(self.coordinator, status="excluded")
        self.assertContains(response, "Say why the case is excluded.")
        response = self.post(self.coordinator, status="deferred")
        self.assertContains(response, "Say why the case is deferred.")
        self.assertEqual(self.case.history.count(), before)
        self.post(self.coordinator, status="deferred", deferral_reason="prosecution_pending")
        self.case.refresh_from_db()
        self.assertEqual(
            (self.case.status, self.case.status_reason_display),
            ("deferred", "Prosecution pending"),
        )

    def test_a_stale_status_form_is_refused(self):
        self.post(self.coordinator, status="selected")
        response = self.client.post(
            self.url(), {"opened_version": 1, "status": "records_requested"}
        )
        self.assertEqual(response.status_code, 409)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, "selected")

    def test_read_only_403_outsider_404_anonymous_login(self):
        for user, expected in ((self.reviewer, 403), (self.officer, 403), (self.outsider, 404)):
            self.assertEqual(self.post(user, status="selected").status_code, expected)
        self.client.logout()
        response = self.client.post(self.url(), {"status": "selected"})
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}")
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, "identified")

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.put(self.url()).status_code, 405)

from django.urls import reverse

from cases.models import Case
from tests.base import OFRTestCase


class CaseEditTestCase(OFRTestCase):
    def url(self):
        return reverse("cases:edit", args=[self.case.code])

    def data(self, **changes):
        return {
            "reference": self.case.reference,
            "summary": "Updated.",
            "opened_version": self.case.version,
            **changes,
        }

    def test_it_saves_and_writes_a_history_row(self):
        self.client.force_login(self.coordinator)
        before = self.case.history.count()
        response = self.client.post(self.url(), self.data())
        self.assertRedirects(response, reverse("cases:detail", args=[self.case.code]))
        self.case.refresh_from_db()
        self.assertEqual((self.case.summary, self.case.version), ("Updated.", 2))
        self.assertEqual(self.case.history.count(), before + 1)
        latest = self.case.history.first()
        self.assertEqual(latest.history_user, self.coordinator)
        self.assertEqual(latest.history_change_reason, "Reference or summary edited")

    def test_data_manager_may_edit(self):
        self.client.force_login(self.data_manager)
        self.assertEqual(self.client.post(self.url(), self.data()).status_code, 302)

    def test_read_only_members_get_403_and_nothing_changes(self):
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.url(), self.data()).status_code, 403)
        self.case.refresh_from_db()
        self.assertEqual(self.case.summary, "Test summary.")

    def test_outsider_gets_404(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.url(), self.data()).status_code, 404)

    def test_it_redirects_anonymous_to_login(self):
        response = self.client.post(self.url(), self.data())
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}")

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.put(self.url()).status_code, 405)

    def test_it_rejects_bad_input_with_a_message_and_changes_nothing(self):
        Case.objects.create(team=self.team, reference="RIV-2025-009")
        self.client.force_login(self.coordinator)
        before = self.case.history.count()
        response = self.client.post(self.url(), self.data(reference="riv-2025-009"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "already has a case with this reference")
        self.assertEqual(self.case.history.count(), before)

    def test_extra_fields_are_ignored(self):
        self.client.force_login(self.coordinator)
        self.client.post(
            self.url(), self.data(team=self.other_team.pk, code="x", status="closed", version=9)
        )
        self.case.refresh_from_db()
        self.assertEqual(
            (self.case.team, self.case.status, self.case.version), (self.team, "identified", 2)
        )

    def test_a_stale_form_is_refused_keeps_the_input_and_shows_the_change(self):
        self.client.force_login(self.coordinator)
        opened = self.data(summary="Mine.")
        self.client.force_login(self.data_manager)
        self.client.post(self.url(), self.data(summary="Theirs."))
        before = self.case.history.count()
        self.client.force_login(self.coordinator)
        response = self.client.post(self.url(), opened)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Not saved", status_code=409)
        self.assertContains(response, "Datamanager", status_code=409)  # who changed it
        self.assertContains(response, "Theirs.", status_code=409)  # what they changed
        self.assertContains(response, "Mine.", status_code=409)  # the user's input is kept
        self.case.refresh_from_db()
        self.assertEqual(self.case.summary, "Theirs.")
        self.assertEqual(self.case.history.count(), before)

from django.urls import reverse

from ofr.models import AccessEvent
from tests.base import OFRTestCase


class CaseAuditPagesTestCase(OFRTestCase):
    def test_history_shows_field_changes_who_and_when(self):
        self.case.status = "selected"
        self.case._history_user = self.coordinator
        self.case._change_reason = "Selected at the case-selection meeting"
        self.case.save()
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:history", args=[self.case.code]))
        self.assertContains(response, "Selected at the case-selection meeting")
        self.assertContains(response, "<del>Identified</del>", html=False)
        self.assertContains(response, "<ins>Selected for review</ins>", html=False)
        self.assertContains(response, "Coordinator")  # the author's name
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.action, event.detail), ("view", "history"))

    def test_history_is_hidden_from_outsiders(self):
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.get(reverse("cases:history", args=[self.case.code])).status_code, 404
        )

    def test_coordinator_sees_who_accessed_the_case(self):
        self.client.force_login(self.officer)
        self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:access_log", args=[self.case.code]))
        self.assertContains(response, "officer")
        self.assertContains(response, "Viewed")

    def test_access_log_is_forbidden_to_members_and_hidden_from_outsiders(self):
        url = reverse("cases:access_log", args=[self.case.code])
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(url).status_code, 302)

    def test_access_log_does_not_show_other_cases(self):
        self.client.force_login(self.outsider)
        self.client.get(reverse("cases:detail", args=[self.other_case.code]))
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:access_log", args=[self.case.code]))
        self.assertNotContains(response, "outsider")

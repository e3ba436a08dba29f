from django.urls import reverse

from cases.access import cases_for_user
from cases.models import Case
from tests.base import OFRTestCase


class CaseNewTestCase(OFRTestCase):
    url = reverse("cases:new")

    def test_it_creates_a_case_with_history_and_team_grants(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            self.url, {"team": self.team.pk, "reference": "riv-2026-010", "status": "identified"}
        )
        case = Case.objects.get(reference="RIV-2026-010")
        self.assertRedirects(response, reverse("cases:detail", args=[case.code]))
        self.assertEqual(case.created_by, self.coordinator)
        self.assertEqual(case.history.count(), 1)
        # Members see it once it is on the agenda of a meeting they signed for.
        self.assertNotIn(case, cases_for_user(self.reviewer))
        self.assertIn(case, cases_for_user(self.facilitator))
        self.assertIn(case, cases_for_user(self.coordinator, "change_case"))
        self.assertNotIn(case, cases_for_user(self.reviewer, "change_case"))
        self.assertNotIn(case, cases_for_user(self.outsider))

    def test_it_refuses_a_team_the_user_cannot_add_to(self):
        self.client.force_login(self.outsider)
        response = self.client.post(
            self.url, {"team": self.team.pk, "reference": "X-1", "status": "identified"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(Case.objects.filter(reference="X-1").exists())

    def test_read_only_members_get_403(self):
        for user in (self.reviewer, self.facilitator, self.partner):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_it_redirects_anonymous_to_login(self):
        self.assertRedirects(self.client.get(self.url), f"{reverse('login')}?next={self.url}")

    def test_it_shows_the_form(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url)
        self.assertContains(response, "New case")
        self.assertContains(response, self.team.name)
        self.assertNotContains(response, self.other_team.name)

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from api.models import ApiKey, digest
from tests.base import OFRTestCase


class ApiKeyPagesTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.key, cls.token = ApiKey.issue(
            team=cls.team,
            agency=cls.health,
            name="Health tracker",
            scopes=[ApiKey.Scope.READ_RECOMMENDATIONS],
            expires_on=timezone.localdate() + timedelta(days=30),
            by=cls.coordinator,
        )

    def form(self, **fields):
        return {
            "team": self.team.pk,
            "name": "Sheriff RMS",
            "agency": self.sheriff.pk,
            "scopes": ["read_recommendations", "post_updates"],
            "expires_on": (timezone.localdate() + timedelta(days=200)).isoformat(),
            **fields,
        }

    def test_it_lists_the_teams_keys_without_secrets(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("api:list"))
        self.assertContains(response, "Health tracker")
        self.assertContains(response, self.key.prefix)
        self.assertNotContains(response, self.token)
        self.assertNotContains(response, self.key.key_hash)

    def test_it_shows_a_new_key_once_and_keeps_its_hash(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(reverse("api:new"), self.form())
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        token = response.context["token"]
        key = ApiKey.objects.get(name="Sheriff RMS")
        self.assertEqual(key.key_hash, digest(token))
        self.assertEqual(key.created_by, self.coordinator)
        self.assertEqual(key.history.count(), 1)
        self.assertNotContains(self.client.get(reverse("api:list")), token)

    def test_it_refuses_scopes_the_owner_may_not_have_and_long_lives(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(reverse("api:new"), self.form(scopes=["read_aggregates"]))
        self.assertEqual(response.status_code, 400)
        too_late = (timezone.localdate() + timedelta(days=400)).isoformat()
        response = self.client.post(reverse("api:new"), self.form(expires_on=too_late))
        self.assertEqual(response.status_code, 400)
        response = self.client.post(reverse("api:new"), self.form(name="Health tracker"))
        self.assertEqual(response.status_code, 400)
        response = self.client.post(reverse("api:new"), self.form(team=self.other_team.pk))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(ApiKey.objects.count(), 1)

    def test_it_offers_case_intake_to_a_teams_own_key_only(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            reverse("api:new"), self.form(agency="", scopes=["intake_cases"], name="ME feed")
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(ApiKey.objects.get(name="ME feed").scopes, ["intake_cases"])
        response = self.client.post(reverse("api:new"), self.form(scopes=["intake_cases"]))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ApiKey.objects.filter(name="Sheriff RMS").exists())

    def test_it_revokes_a_key_with_history(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(reverse("api:revoke", args=[self.key.code]))
        self.assertRedirects(response, reverse("api:list"))
        self.key.refresh_from_db()
        self.assertIsNotNone(self.key.revoked_at)
        self.assertEqual(self.key.history.first().history_user, self.coordinator)

    def test_it_lets_only_the_teams_coordinators_manage_keys(self):
        revoke = reverse("api:revoke", args=[self.key.code])
        self.client.force_login(self.facilitator)
        self.assertEqual(self.client.get(reverse("api:list")).status_code, 403)
        self.assertEqual(self.client.post(reverse("api:new"), self.form()).status_code, 403)
        self.assertEqual(self.client.post(revoke).status_code, 403)
        self.client.force_login(self.outsider)  # a coordinator of another team
        self.assertNotContains(self.client.get(reverse("api:list")), "Health tracker")
        self.assertEqual(self.client.post(revoke).status_code, 404)
        self.assertEqual(self.client.get(revoke).status_code, 405)
        self.client.logout()
        self.assertEqual(self.client.post(revoke).status_code, 302)
        self.key.refresh_from_db()
        self.assertIsNone(self.key.revoked_at)

    def test_it_lets_an_administrator_make_a_key_in_the_admin(self):
        self.client.force_login(self.admin)
        response = self.client.post(
            reverse("admin:api_apikey_add"),
            self.form(team=self.team.pk, agency="", scopes=["read_aggregates"], name="Team"),
        )
        self.assertEqual(response.status_code, 200, response.content[:2000])
        key = ApiKey.objects.get(name="Team")
        self.assertEqual(key.key_hash, digest(response.context["token"]))
        self.assertEqual(key.created_by, self.admin)

    def test_the_home_page_links_the_keys_for_coordinators_only(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("home")), reverse("api:list"))
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get(reverse("home")), reverse("api:list"))

    def test_the_reference_page_lists_every_endpoint_from_the_schema(self):
        response = self.client.get(reverse("api:reference"))
        page = response.content.decode()
        for line in (
            "GET /api/v1/recommendations",
            "POST /api/v1/recommendations/{code}/updates",
            "GET /api/v1/aggregates/{year}",
        ):
            self.assertIn(line, page)
        self.assertContains(response, reverse("api_v1:openapi-json"))
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("api:list")), reverse("api:reference"))

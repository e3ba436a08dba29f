import re
from datetime import timedelta

from django.contrib.staticfiles import finders
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api.models import ApiKey
from ofr.models import AccessEvent
from recommendations.models import ProgressUpdate, Recommendation
from tests.api.keys import issue_key
from tests.base import OFRTestCase

S = ApiKey.Scope
API = "/api/v1"


class PartnerApiTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()

        def issue(name, agency, scopes):
            return issue_key(cls, name, agency, scopes)

        both = [S.READ_RECOMMENDATIONS, S.POST_UPDATES]
        cls.health_key, cls.health_token = issue("Health tracker", cls.health, both)
        cls.sheriff_key, cls.sheriff_token = issue("Sheriff RMS", cls.sheriff, both)
        cls.reader_key, cls.reader_token = issue("Health reader", cls.health, both[:1])
        cls.team_key, cls.team_token = issue("Team dashboard", None, [S.READ_AGGREGATES])

    def call(self, method, path, token=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return getattr(self.client, method)(
            f"{API}{path}", headers=headers, content_type="application/json", **kwargs
        )

    def post_update(self, token, recommendation=None, **body):
        recommendation = recommendation or self.recommendation
        data = {"new_status": "in_progress", "narrative": "Kits ordered for the jail.", **body}
        return self.call(
            "post", f"/recommendations/{recommendation.code}/updates", token, data=data
        )

    def test_it_lists_only_what_the_agency_partner_sees(self):
        response = self.call("get", "/recommendations", self.health_token)
        self.assertEqual(response.status_code, 200)
        codes = {row["code"] for row in response.json()}
        self.assertEqual(codes, {str(self.recommendation.code)})
        row = response.json()[0]
        self.assertEqual(row["lead_agency"], "Health Dept")
        self.assertEqual([u["narrative"] for u in row["updates"]], ["Adopted at the meeting."])
        self.assertEqual(response["Cache-Control"], "no-store")

    def test_it_lists_what_the_partner_page_lists(self):
        self.client.force_login(self.partner)  # the health department's partner
        page = self.client.get(reverse("recommendations:list"))
        self.client.logout()
        listed = set(re.findall(r"/recommendations/([0-9a-f-]{36})/", page.content.decode()))
        response = self.call("get", "/recommendations", self.health_token)
        self.assertEqual({row["code"] for row in response.json()}, listed)

    def test_it_gets_one_recommendation_by_code(self):
        response = self.call(
            "get", f"/recommendations/{self.recommendation.code}", self.health_token
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["title"], "Naloxone at jail release")

    def test_it_hides_another_agencys_recommendation(self):
        path = f"/recommendations/{self.recommendation.code}"
        self.assertEqual(self.call("get", path, self.sheriff_token).status_code, 404)
        self.assertEqual(self.post_update(self.sheriff_token).status_code, 404)
        self.assertEqual(self.recommendation.updates.count(), 1)

    def test_it_posts_an_update_shown_on_the_recommendation_page(self):
        response = self.post_update(self.health_token)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["author"], "Health tracker (API)")
        update = ProgressUpdate.objects.get(code=response.json()["code"])
        self.assertIsNone(update.author)
        self.assertEqual(update.api_key_name, "Health tracker")
        self.recommendation.refresh_from_db()
        self.assertEqual(self.recommendation.status, "in_progress")
        # A write leaves history rows: the update and the status change.
        self.assertEqual(update.history.count(), 1)
        self.assertIn(
            "through API key Health tracker",
            Recommendation.history.filter(id=self.recommendation.pk).first().history_change_reason,
        )
        self.client.force_login(self.coordinator)
        page = self.client.get(reverse("recommendations:detail", args=[self.recommendation.code]))
        self.assertContains(page, "By Health tracker (API)")
        self.assertContains(page, "Kits ordered for the jail.")

    def test_it_validates_an_update_as_the_page_does(self):
        response = self.post_update(self.health_token, new_status="proposed", narrative=" ")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()["errors"]), {"new_status", "narrative"})
        future = (timezone.localdate() + timedelta(days=2)).isoformat()
        response = self.post_update(self.health_token, reported_on=future)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.recommendation.updates.count(), 1)

    def test_it_answers_in_english_whatever_the_callers_language(self):
        # Django's own "This field is required." has a Spanish translation.
        response = self.client.post(
            f"{API}/recommendations/{self.recommendation.code}/updates",
            {"new_status": "in_progress", "narrative": " "},
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.health_token}", "Accept-Language": "es"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["errors"]["narrative"], ["This field is required."])
        self.assertEqual(response["Content-Language"], "en")
        spanish = {"Authorization": "Bearer nope", "Accept-Language": "es"}
        response = self.client.get(f"{API}/recommendations", headers=spanish)
        self.assertEqual(response.json()["detail"], "Unknown API key.")

    def test_it_refuses_a_narrative_naming_the_decedent(self):
        response = self.post_update(self.health_token, narrative="Jordan Example was released.")
        self.assertEqual(response.status_code, 400)
        self.assertIn("narrative", response.json()["errors"])
        self.assertTrue(
            self.events(username="api-key:Health tracker", action="denied", user=None)
            .filter(object_type="ofr.team")
            .exists()
        )

    def test_it_refuses_a_key_without_the_scope(self):
        self.assertEqual(self.post_update(self.reader_token).status_code, 403)
        self.assertEqual(self.call("get", "/recommendations", self.team_token).status_code, 403)
        response = self.call("get", "/aggregates/2025", self.health_token)
        self.assertEqual(response.status_code, 403)
        self.assertIn("read_aggregates", response.json()["detail"])

    def test_it_refuses_unknown_revoked_and_expired_keys(self):
        self.assertEqual(self.call("get", "/recommendations").status_code, 401)
        response = self.call("get", "/recommendations", "not-a-key")
        self.assertEqual(
            (response.status_code, response.json()), (401, {"detail": "Unknown API key."})
        )
        self.health_key.revoke(by=self.coordinator)
        response = self.call("get", "/recommendations", self.health_token)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["detail"], "This API key has been revoked.")
        self.sheriff_key.expires_on = timezone.localdate() - timedelta(days=1)
        self.sheriff_key.save()
        response = self.call("get", "/recommendations", self.sheriff_token)
        self.assertEqual(response.json()["detail"], "This API key has expired.")
        self.assertEqual(response.status_code, 401)

    def test_it_ignores_a_signed_in_session(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.call("get", "/recommendations").status_code, 401)
        self.call("get", "/recommendations", self.health_token)
        event = self.events(object_id=str(self.health_key.code)).last()
        self.assertIsNone(event.user)

    @override_settings(API_RATE_LIMIT_PER_MINUTE=3)
    def test_it_limits_the_rate_per_key(self):
        for _ in range(3):
            self.assertEqual(
                self.call("get", "/recommendations", self.health_token).status_code, 200
            )
        response = self.call("get", "/recommendations", self.health_token)
        self.assertEqual(response.status_code, 429)
        self.assertTrue(1 <= int(response["Retry-After"]) <= 60)
        # Another key is counted apart.
        self.assertEqual(self.call("get", "/recommendations", self.sheriff_token).status_code, 200)

    def test_it_records_an_access_event_per_call(self):
        before = AccessEvent.objects.count()
        self.call("get", f"/recommendations/{self.recommendation.code}", self.health_token)
        self.call("get", f"/recommendations/{self.recommendation.code}", self.sheriff_token)
        self.call("get", "/recommendations", "not-a-key")
        events = list(AccessEvent.objects.order_by("seq")[before:])
        self.assertEqual(
            [(e.username, e.action, e.user_id) for e in events],
            [
                ("api-key:Health tracker", "view", None),
                ("api-key:Sheriff RMS", "denied", None),
                ("api-key:unknown", "denied", None),
            ],
        )
        path = f"/api/v1/recommendations/{self.recommendation.code}"
        self.assertEqual(events[0].detail, f"GET {path} 200")
        self.assertEqual(events[1].detail, f"GET {path} 404")
        self.assertEqual(events[0].object_id, str(self.health_key.code))

    def test_it_gives_the_annual_reports_numbers(self):
        response = self.call("get", "/aggregates/2025", self.team_token)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.client.force_login(self.coordinator)
        page = self.client.get(
            reverse("recommendations:annual_report", args=[self.team.code, 2025])
        ).content.decode()
        self.assertEqual(body["reviewed_deaths"], "0")
        for table in body["tables"]:
            self.assertIn(table["title"], page)
        self.assertEqual(self.call("get", "/aggregates/1800", self.team_token).status_code, 404)
        event = self.events(object_id=str(self.team_key.code)).first()
        self.assertEqual(event.action, "export")

    def test_it_reads_no_case(self):
        """Case codes and case URLs under the API lead nowhere."""
        for token in (self.health_token, self.team_token):
            for path in (
                f"/recommendations/{self.case.code}",
                f"/cases/{self.case.code}",
                f"/recommendations/{self.case.code}/updates",
                f"/aggregates/{self.case.code}",
            ):
                response = self.call("get", path, token)
                self.assertIn(response.status_code, (403, 404, 405, 422), path)
                self.assertNotIn(self.case.reference, response.content.decode())
                self.assertNotIn("Test summary", response.content.decode())

    def test_it_stores_only_the_hash_of_a_key(self):
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names():
                columns = connection.introspection.get_table_description(cursor, table)
                for column in columns:
                    # Names from the database's own catalogue, the token as a parameter.
                    table_name = connection.ops.quote_name(table)
                    column_name = connection.ops.quote_name(column.name)
                    sql = f"SELECT COUNT(*) FROM {table_name} WHERE CAST({column_name} AS TEXT) LIKE %s"  # noqa: S608, E501
                    cursor.execute(sql, [f"%{self.health_token}%"])
                    self.assertEqual(cursor.fetchone()[0], 0, f"{table}.{column.name}")
        self.assertEqual(len(self.health_key.key_hash), 64)
        self.assertEqual(self.health_key.prefix, self.health_token[:8])

    def test_it_describes_the_endpoints_in_the_schema(self):
        schema = self.client.get(f"{API}/openapi.json").json()
        self.assertEqual(
            set(schema["paths"]),
            {
                "/api/v1/recommendations",
                "/api/v1/recommendations/{code}",
                "/api/v1/recommendations/{code}/updates",
                "/api/v1/aggregates/{year}",
                "/api/v1/cases",
            },
        )
        self.assertIn("BearerKey", schema["components"]["securitySchemes"])

    def test_it_serves_the_docs_from_this_site(self):
        response = self.client.get(f"{API}/docs")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("/static/ninja/swagger-ui-bundle.js", html)
        self.assertEqual(response["Content-Security-Policy"].split(";")[0], "default-src 'self'")
        for other in (html, self.client.get(f"{API}/openapi.json").content.decode()):
            self.assertEqual(re.findall(r"(?:https?:)?//[\w.-]+", other), [])
        # Collected with the project's own static files (ninja is an installed app).
        self.assertTrue(finders.find("ninja/swagger-ui-bundle.js"))

"""The recommendations list: 50 a page, filtered the way the dashboard drills down."""

from datetime import timedelta

from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from recommendations.access import recommendations_for_user
from recommendations.models import ProgressUpdate, Recommendation
from tests.base import OFRTestCase, make_recommendations
from tests.recommendations.test_recommendations import LIST_QUERIES


class RecommendationListTestCase(OFRTestCase):
    url = reverse("recommendations:list")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_recommendations(
            60,
            teams=[cls.team, cls.other_team],
            agencies=[cls.health, cls.sheriff],
            by=cls.coordinator,
        )

    def titles(self, response) -> list[str]:
        return [r.title for r in response.context["page"].object_list]

    def count(self, **query) -> int:
        response = self.client.get(self.url, query)
        self.assertEqual(response.status_code, 200)
        return response.context["page"].paginator.count

    def test_it_shows_fifty_a_page_and_keeps_the_filters_in_the_page_links(self):
        self.client.force_login(self.oversight)
        response = self.client.get(self.url)
        self.assertEqual(len(self.titles(response)), 50)
        self.assertContains(response, "<caption>62 recommendations, page 1 of 2</caption>")
        response = self.client.get(self.url, {"sector": "none", "page": "abc"})
        self.assertEqual(response.context["page"].number, 1)
        self.assertNotContains(response, "page=2")  # 20 without a lead agency: one page
        response = self.client.get(self.url, {"status": "bogus", "page": "99999"})
        self.assertEqual(response.context["page"].number, 2)
        self.assertContains(response, 'href="?page=1"')
        # 30 generated for Riverside, the cast's 2 and 20 more: the team stays in the links.
        make_recommendations(20, teams=[self.team], agencies=[], by=self.coordinator)
        response = self.client.get(self.url, {"team": self.team.code, "status": "bogus"})
        self.assertContains(response, "<caption>52 recommendations, page 1 of 2</caption>")
        self.assertContains(response, f'href="?team={self.team.code}&amp;page=2"')

    def test_each_filter_lists_what_the_rows_themselves_say(self):
        self.client.force_login(self.oversight)
        today = timezone.localdate()
        rows = list(recommendations_for_user(self.oversight).select_related("lead_agency"))
        implemented = set(
            ProgressUpdate.objects.filter(
                new_status="implemented", reported_on__gte=today - timedelta(days=365)
            ).values_list("recommendation_id", flat=True)
        )
        expected = {
            "status=in_progress": [r for r in rows if r.status == "in_progress"],
            "category=funding": [r for r in rows if r.category == "funding"],
            "sector=law_enforcement": [
                r for r in rows if r.lead_agency and r.lead_agency.sector == "law_enforcement"
            ],
            "sector=none": [r for r in rows if r.lead_agency is None],
            "open=1": [r for r in rows if not r.is_closed],
            "overdue=1": [r for r in rows if r.is_overdue(today)],
            "implemented=1": [r for r in rows if r.pk in implemented],
            f"team={self.other_team.code}&overdue=1": [
                r for r in rows if r.team_id == self.other_team.pk and r.is_overdue(today)
            ],
        }
        for query, matching in expected.items():
            with self.subTest(query=query):
                self.assertTrue(matching)
                self.assertEqual(self.count(**dict(QueryDict(query).items())), len(matching))

    def test_a_team_the_reader_does_not_follow_is_ignored(self):
        self.client.force_login(self.partner)
        everything = self.count()
        # The partner follows Riverside only: Lakeview's code, an unknown code and
        # a malformed one all show the same list, without a hint either exists.
        for code in (self.other_team.code, "6b1a0c3e-0000-4000-8000-000000000000", "x"):
            self.assertEqual(self.count(team=code), everything)
        self.assertEqual(self.count(team=self.team.code), everything)

    def test_a_partner_counts_each_recommendation_once(self):
        # Every fourth generated recommendation has two partner agencies, the
        # partner's among them: the join behind a partner's view has a row per link.
        joined = Recommendation.objects.filter(team=self.team).filter(
            Q(lead_agency=self.health) | Q(partner_links__agency=self.health)
        )
        distinct = set(joined.values_list("pk", flat=True))
        self.assertGreater(joined.count(), len(distinct))
        self.client.force_login(self.partner)
        self.assertEqual(self.count(), len(distinct))

    def test_it_refuses_admins_and_anonymous(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.logout()
        self.assertRedirects(self.client.get(self.url), f"{reverse('login')}?next={self.url}")

    def test_its_query_count_does_not_grow_with_the_recommendations(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.url)
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(self.url, {"page": 2})
        self.client.force_login(self.oversight)
        self.client.get(self.url)
        # Oversight's jurisdictions: 4 more, as on the dashboard.
        with self.assertNumQueries(LIST_QUERIES + 4):
            self.client.get(self.url, {"team": self.team.code, "sector": "public_health"})
        make_recommendations(
            60, teams=[self.team, self.other_team], agencies=[self.sheriff], by=self.coordinator
        )
        with self.assertNumQueries(LIST_QUERIES + 4):
            self.client.get(self.url, {"team": self.team.code, "sector": "public_health"})
        self.client.force_login(self.coordinator)
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(self.url, {"page": 2})

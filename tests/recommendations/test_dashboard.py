"""The recommendations dashboard: figures and SVG charts, no case data."""

from datetime import date

from django.urls import reverse

from recommendations.charts import Bar, bar_chart_svg
from recommendations.models import Recommendation
from tests.base import OFRTestCase, make_recommendations

# Session, user, memberships, the teams to choose from, the key figures, one per
# chart (status, category, sector), the by-team table, the teams whose annual
# reports the user may read; the tracking table's lead agencies, count and page.
DASHBOARD_QUERIES = 13


class DashboardTestCase(OFRTestCase):
    url = reverse("recommendations:dashboard")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.lakeview_recommendation = Recommendation.objects.create(
            team=cls.other_team,
            title="Vending machines",
            statement="s",
            action="a",
            measure="m",
            category="naloxone_distribution",
            level="population",
            due_on=date(2025, 1, 1),
        )
        for status in ("in_progress", "implemented"):
            cls.recommendation.add_update(by=cls.coordinator, new_status=status, narrative="x")

    def test_oversight_sees_the_roll_up_of_its_teams(self):
        self.client.force_login(self.oversight)
        response = self.client.get(self.url)
        page = response.content.decode()
        self.assertContains(response, "All 2 teams you follow")
        self.assertContains(response, "By team")
        self.assertContains(response, "Lakeview OFR")
        self.assertContains(response, 'role="img"')
        self.assertIn('<desc id="chart-status-desc">Proposed: 2; Implemented: 1</desc>', page)
        self.assertNotIn(self.case.reference, page)
        self.assertNotIn(self.other_case.reference, page)
        # Implemented in the last 12 months, and one overdue (Lakeview's).
        self.assertIn('<p class="ofr-figure">1</p><p>implemented in the last 12 months</p>', page)
        self.assertIn('<p class="ofr-figure">1</p><p>overdue', page)

    def test_one_team_when_asked_and_members_see_only_their_team(self):
        self.client.force_login(self.oversight)
        response = self.client.get(self.url, {"team": self.other_team.code})
        self.assertContains(response, '<desc id="chart-status-desc">Proposed: 1</desc>', html=False)
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url)
        self.assertContains(response, "Riverside OFR: recommendations only")
        self.assertNotContains(response, "Lakeview")

    def test_partners_count_their_agencys_recommendations_only(self):
        self.client.force_login(self.partner)
        response = self.client.get(self.url)
        self.assertContains(
            response, '<p class="ofr-figure">1</p><p>recommendations</p>', html=False
        )

    def test_it_refuses_admins_and_anonymous(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.logout()
        self.assertRedirects(self.client.get(self.url), f"{reverse('login')}?next={self.url}")

    def test_its_query_count_is_pinned(self):
        self.client.force_login(self.oversight)
        self.client.get(self.url)
        # Oversight adds its jurisdictions, one query per level below them (state,
        # counties, none below) and the teams there: 4 more, whatever the number of rows.
        with self.assertNumQueries(DASHBOARD_QUERIES + 4):
            self.client.get(self.url)
        Recommendation.objects.create(
            team=self.other_team,
            title="More",
            statement="s",
            action="a",
            measure="m",
            category="other",
            level="system",
        )
        with self.assertNumQueries(DASHBOARD_QUERIES + 4):
            self.client.get(self.url)

    def test_its_query_count_does_not_grow_with_the_recommendations(self):
        self.client.force_login(self.oversight)
        self.client.get(self.url)
        with self.assertNumQueries(DASHBOARD_QUERIES + 4):
            self.client.get(self.url, {"team": self.team.code})
        make_recommendations(
            60,
            teams=[self.team, self.other_team],
            agencies=[self.health, self.sheriff],
            by=self.coordinator,
        )
        with self.assertNumQueries(DASHBOARD_QUERIES + 4):
            self.client.get(self.url, {"team": self.team.code})
        with self.assertNumQueries(DASHBOARD_QUERIES + 4):
            self.client.get(self.url)
        self.client.force_login(self.coordinator)
        self.client.get(self.url)
        with self.assertNumQueries(DASHBOARD_QUERIES):
            self.client.get(self.url)

    def test_every_figure_links_to_the_list_of_exactly_what_it_counts(self):
        make_recommendations(
            60,
            teams=[self.team, self.other_team],
            agencies=[self.health, self.sheriff],
            by=self.coordinator,
        )
        for user, query in (
            (self.oversight, {}),
            (self.oversight, {"team": self.other_team.code}),
            (self.partner, {}),
        ):
            self.client.force_login(user)
            dashboard = self.client.get(self.url, query).context["dashboard"]
            links = [(f.url, f.value) for f in dashboard.figures]
            links += [(bar.url, bar.value) for chart in dashboard.charts for bar in chart.bars]
            links += [(f.url, f.value) for row in dashboard.teams for f in row.figures]
            self.assertGreater(len(links), 20)
            for url, value in links:
                with self.subTest(user=user.username, url=url):
                    if query:
                        self.assertIn(f"team={self.other_team.code}", url)
                    listed = self.client.get(url).context["page"].paginator.count
                    self.assertEqual(listed, value)

    def test_its_links_name_the_filters(self):
        self.client.force_login(self.oversight)
        response = self.client.get(self.url)
        listed = reverse("recommendations:list")
        self.assertContains(response, f'href="{listed}?status=proposed"')
        self.assertContains(response, f'href="{listed}?sector=public_health"')
        self.assertContains(response, f'href="{listed}?team={self.other_team.code}&amp;overdue=1"')
        response = self.client.get(self.url, {"team": self.other_team.code})
        self.assertContains(
            response,
            f'href="{listed}?team={self.other_team.code}&amp;category=naloxone_distribution"',
        )
        self.assertNotContains(response, "By team")


def test_the_chart_escapes_labels_and_scales_bars():
    svg = bar_chart_svg("A <b>", [Bar("x & y", 4), Bar("z", 2)], chart_id="c")
    assert '<title id="c-title">A &lt;b&gt;</title>' in svg
    assert "x &amp; y" in svg
    assert 'width="300" height="22"' in svg and 'width="150" height="22"' in svg

"""Community context: a team's local services by year, who reads and manages
them, their validation, history and CSV, citing them from a recommendation and
their table in the annual report."""

import csv
import io
from datetime import date

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from ofr.models import AccessEvent, Membership
from ofr.roles import Role
from recommendations import community, reports
from recommendations.models import CommunityResource, RecommendationResource
from tests.base import OFRTestCase, make_user

# Session, user, the team, memberships, the resources (agency joined).
LIST_QUERIES = 5


def resource(team, name="Harm reduction SSP", kind="syringe_services", **fields):
    fields.setdefault("started_on", date(2024, 3, 1))
    return CommunityResource.objects.create(team=team, kind=kind, name=name, **fields)


class CommunityTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ssp = resource(cls.team, agency=cls.health, notes="Mobile van.", source="=HYPERLINK(1)")
        cls.ended = resource(
            cls.team,
            "Deflection pilot",
            "deflection",
            started_on=date(2023, 1, 1),
            ended_on=date(2024, 6, 30),
        )
        cls.lakeview_resource = resource(cls.other_team, "Lakeview naloxone mail-out")
        cls.guest = make_user("guest")
        Membership.objects.create(
            user=cls.guest, team=cls.team, role=Role.GUEST, starts_on=date(2024, 1, 1)
        )

    def list_url(self, year=2025, team=None):
        return reverse(
            "recommendations:community", kwargs={"team": (team or self.team).code, "year": year}
        )

    def new_url(self):
        return reverse("recommendations:community_new", kwargs={"team": self.team.code})

    def edit_url(self, item=None):
        return reverse("recommendations:community_edit", kwargs={"code": (item or self.ssp).code})

    def post_data(self, **changes):
        data = {
            "kind": "naloxone_distribution",
            "name": "Library naloxone boxes",
            "agency": "",
            "area_served": "City of Riverside",
            "started_on": "2025-02-01",
            "ended_on": "",
            "notes": "Six branches.",
            "source": "https://example.test/naloxone",
        }
        data.update(changes)
        return data


class AccessTestCase(CommunityTestCase):
    def test_anonymous_is_sent_to_sign_in(self):
        for url in (self.list_url(), self.new_url(), self.edit_url()):
            response = self.client.get(url)
            self.assertRedirects(response, f"{reverse('login')}?next={url}")

    def test_outsiders_get_404(self):
        self.client.force_login(self.outsider)
        for url in (
            self.list_url(),
            self.new_url(),
            self.edit_url(),
            reverse("recommendations:community_csv", kwargs={"team": self.team.code, "year": 2025}),
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)
        self.assertEqual(self.client.post(self.edit_url(), self.post_data()).status_code, 404)

    def test_readers_who_may_not_manage_get_403_on_writes(self):
        for user in (self.reviewer, self.facilitator, self.partner, self.committee_member()):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.list_url()).status_code, 200)
            self.assertEqual(self.client.get(self.new_url()).status_code, 403)
            response = self.client.post(self.edit_url(), self.post_data(opened_version=1))
            self.assertEqual(response.status_code, 403)
        self.ssp.refresh_from_db()
        self.assertEqual(self.ssp.name, "Harm reduction SSP")

    def committee_member(self):
        user = make_user("committee")
        Membership.objects.create(
            user=user, team=self.team, role=Role.GOVERNING_COMMITTEE, starts_on=date(2024, 1, 1)
        )
        return user

    def test_oversight_reads_and_a_guest_of_the_team_is_refused(self):
        self.client.force_login(self.oversight)
        self.assertContains(self.client.get(self.list_url()), "Harm reduction SSP")
        self.assertEqual(self.client.get(self.new_url()).status_code, 403)
        self.client.force_login(self.guest)
        self.assertEqual(self.client.get(self.list_url()).status_code, 403)
        self.assertEqual(
            self.client.get(reverse("recommendations:community_index")).status_code, 403
        )

    def test_years_out_of_range_are_404(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(self.list_url(1899)).status_code, 404)
        next_year = timezone.localdate().year + 1
        self.assertEqual(self.client.get(self.list_url(next_year)).status_code, 200)
        self.assertEqual(self.client.get(self.list_url(next_year + 1)).status_code, 404)


class PagesTestCase(CommunityTestCase):
    def test_the_list_shows_the_resources_of_the_year_and_links_to_other_years(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.list_url(2024))
        self.assertContains(response, "<h1>Community context 2024</h1>", html=True)
        self.assertContains(response, "Harm reduction SSP")
        self.assertContains(response, "Deflection pilot")  # ended mid-2024: still 2024's
        self.assertContains(response, self.list_url(2023))
        self.assertNotContains(response, "Lakeview naloxone")
        self.assertNotContains(response, self.new_url())  # members read only
        response = self.client.get(self.list_url(2025))
        self.assertContains(response, "Harm reduction SSP")
        self.assertNotContains(response, "Deflection pilot")
        response = self.client.get(self.list_url(2022))
        self.assertContains(response, "No community resource is recorded for 2022.")

    def test_it_is_linked_from_the_recommendations_pages(self):
        self.client.force_login(self.partner)
        index = reverse("recommendations:community_index")
        self.assertContains(self.client.get(reverse("recommendations:list")), index)
        self.assertContains(self.client.get(reverse("recommendations:dashboard")), index)
        response = self.client.get(index)
        self.assertContains(response, self.list_url(timezone.localdate().year))
        self.assertNotContains(response, "Lakeview")

    def test_the_list_shows_no_case_data(self):
        self.client.force_login(self.coordinator)
        page = self.client.get(self.list_url()).content.decode()
        for secret in (self.case.reference, "Jordan Example", "Test summary."):
            self.assertNotIn(secret, page)

    def test_its_query_count_is_pinned(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.list_url())
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(self.list_url())
        for n in range(5):
            resource(self.team, f"Extra {n}", agency=self.sheriff)
        with self.assertNumQueries(LIST_QUERIES):
            response = self.client.get(self.list_url())
        self.assertContains(response, "Extra 4")

    def test_oversight_adds_its_jurisdictions_only(self):
        self.client.force_login(self.oversight)
        self.client.get(self.list_url())
        # Its jurisdictions, one query per level below them and the teams there.
        with self.assertNumQueries(LIST_QUERIES + 4):
            self.client.get(self.list_url())


class WritingTestCase(CommunityTestCase):
    def test_a_data_manager_records_one_with_history(self):
        self.client.force_login(self.data_manager)
        response = self.client.post(self.new_url(), self.post_data())
        self.assertRedirects(response, self.list_url(timezone.localdate().year))
        created = CommunityResource.objects.get(name="Library naloxone boxes")
        self.assertEqual(created.team, self.team)
        self.assertEqual(created.created_by, self.data_manager)
        row = created.history.get()
        self.assertEqual(row.history_user, self.data_manager)
        self.assertEqual(row.history_change_reason, "Community resource recorded")

    def test_a_coordinator_edits_one_with_history_and_a_stale_form_is_refused(self):
        self.client.force_login(self.coordinator)
        data = self.post_data(name="Riverside SSP", opened_version=1, started_on="2024-03-01")
        response = self.client.post(self.edit_url(), data)
        self.assertEqual(response.status_code, 302)
        self.ssp.refresh_from_db()
        self.assertEqual((self.ssp.name, self.ssp.version), ("Riverside SSP", 2))
        latest = self.ssp.history.first()
        self.assertEqual(latest.history_user, self.coordinator)
        self.assertEqual(latest.history_change_reason, "Community resource edited")
        response = self.client.post(self.edit_url(), {**data, "name": "Stale"})
        self.assertEqual(response.status_code, 409)
        self.ssp.refresh_from_db()
        self.assertEqual(self.ssp.name, "Riverside SSP")

    def test_dates_are_checked(self):
        self.client.force_login(self.coordinator)
        far = f"{timezone.localdate().year + 2}-01-01"
        for changes, field in (
            ({"started_on": "2025-02-01", "ended_on": "2025-01-31"}, "ended_on"),
            ({"started_on": "1899-12-31"}, "started_on"),
            ({"started_on": far}, "started_on"),
            ({"ended_on": far}, "ended_on"),
        ):
            response = self.client.post(self.new_url(), self.post_data(**changes))
            self.assertEqual(response.status_code, 400, changes)
            self.assertTrue(response.context["form"].errors.get(field), changes)
        self.assertFalse(CommunityResource.objects.filter(name="Library naloxone boxes").exists())
        with self.assertRaises(ValidationError):
            CommunityResource(
                team=self.team,
                kind="other",
                name="x",
                started_on=date(2025, 5, 1),
                ended_on=date(2025, 4, 1),
            ).full_clean()

    def test_hostile_text_is_cleaned_or_refused(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            self.new_url(), self.post_data(name="Boxes\x00\x07\u202e", notes="x" * 100_000)
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors.get("notes"))
        response = self.client.post(self.new_url(), self.post_data(name="Boxes\x00\x07\u202e"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(CommunityResource.objects.filter(name="Boxes").exists())

    def test_a_decedents_name_is_refused(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            self.new_url(), self.post_data(notes="Jordan Example used this van.")
        )
        self.assertEqual(response.status_code, 400)
        self.assertTrue(response.context["form"].errors.get("notes"))


class CsvTestCase(CommunityTestCase):
    def test_the_csv_lists_the_year_neutralised_without_notes_and_is_logged(self):
        self.client.force_login(self.partner)
        url = reverse(
            "recommendations:community_csv", kwargs={"team": self.team.code, "year": 2025}
        )
        before = AccessEvent.objects.count()
        response = self.client.get(url)
        self.assertEqual(response["Content-Type"], "text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[1], list(community.CSV_COLUMNS))
        self.assertEqual(len(rows), 3)  # the SSP only: the pilot ended in 2024
        self.assertEqual(rows[2][1], "Harm reduction SSP")
        self.assertEqual(rows[2][-1], "'=HYPERLINK(1)")
        self.assertNotIn("Mobile van", response.content.decode())
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(AccessEvent.objects.count(), before + 1)
        self.assertEqual((event.action, event.detail), ("export", "community context 2025 (CSV)"))


class CitingTestCase(CommunityTestCase):
    def edit_data(self, **changes):
        r = self.recommendation
        data = {
            "title": r.title,
            "statement": r.statement,
            "action": r.action,
            "measure": r.measure,
            "category": r.category,
            "level": r.level,
            "lead_agency": r.lead_agency_id,
            "opened_version": r.version,
        }
        data.update(changes)
        return data

    def test_a_recommendation_cites_its_teams_resources_with_history(self):
        self.client.force_login(self.coordinator)
        edit = reverse("recommendations:edit", args=[self.recommendation.code])
        page = self.client.get(edit)
        self.assertContains(page, "Harm reduction SSP")
        self.assertNotContains(page, "Lakeview naloxone")
        response = self.client.post(edit, self.edit_data(cited_resources=[self.ssp.pk]))
        self.assertEqual(response.status_code, 302)
        link = RecommendationResource.objects.get(recommendation=self.recommendation)
        self.assertEqual(link.resource, self.ssp)
        self.assertEqual(link.history.get().history_user, self.coordinator)
        self.client.force_login(self.partner)
        detail = self.client.get(reverse("recommendations:detail", args=[self.recommendation.code]))
        self.assertContains(detail, "Community resources it cites")
        self.assertContains(detail, "Harm reduction SSP")

    def test_another_teams_resource_is_refused(self):
        self.client.force_login(self.coordinator)
        edit = reverse("recommendations:edit", args=[self.recommendation.code])
        response = self.client.post(
            edit, self.edit_data(cited_resources=[self.lakeview_resource.pk])
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(RecommendationResource.objects.exists())


class ReportTestCase(CommunityTestCase):
    def test_the_annual_report_counts_the_years_services_by_kind_unsuppressed(self):
        resource(self.team, "Second SSP", started_on=date(2025, 12, 31))
        resource(self.team, "Next year's", started_on=date(2026, 1, 1))
        counts = reports.community_services(self.team, 2025)
        self.assertEqual(
            [(c.kind, c.count) for c in counts], [("syringe_services", 2)]
        )  # below the small-cell threshold, shown as is
        counts = reports.community_services(self.team, 2024)
        self.assertEqual(
            [(c.label, c.count) for c in counts],
            [("Syringe services program", 1), ("Deflection or diversion program", 1)],
        )
        self.client.force_login(self.coordinator)
        url = reverse("recommendations:annual_report", args=[self.team.code, 2025])
        response = self.client.get(url)
        self.assertContains(response, "<h2>Community services in 2025</h2>", html=True)
        self.assertContains(response, '<th scope="row">Syringe services program</th><td>2</td>')
        csv_text = self.client.get(
            reverse("recommendations:annual_report_csv", args=[self.team.code, 2025])
        ).content.decode()
        self.assertIn("Syringe services program,2", csv_text)

    def test_the_model_knows_its_years(self):
        self.assertTrue(self.ended.is_active_in(2023))
        self.assertTrue(self.ended.is_active_in(2024))
        self.assertFalse(self.ended.is_active_in(2025))
        self.assertEqual(
            set(CommunityResource.objects.filter(team=self.team).active_in(2024)),
            {self.ssp, self.ended},
        )

"""Governance of recommendations: the governing committee's role, its recorded
endorsement decisions, the dashboard's tracking table and the meeting packet
that keeps following recommendations whose work goes on."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.access import cases_for_user
from meetings.models import Meeting
from meetings.packets import packet_html, previous_meeting_day
from ofr.roles import CASE_PERMISSIONS, TEAM_PERMISSIONS, Role
from ofr.second_factor import needs_second_factor
from recommendations.access import open_recommendations
from recommendations.models import Endorsement, Recommendation, RecommendationFinding, Status
from tests.base import OFRTestCase, make_member, make_recommendations

# Session, user, memberships, the recommendation, its partner agencies, the
# cases behind it, its updates, tasks, funding, committee decisions, and the
# findings behind it (none shown to the committee) as the detail page reads
# them, and the community resources it cites.
COMMITTEE_DETAIL_QUERIES = 12


class GovernanceTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.committee = make_member("committee", cls.team, Role.GOVERNING_COMMITTEE, cls.health)

    def url(self, name: str, recommendation=None) -> str:
        code = (recommendation or self.recommendation).code
        return reverse(f"recommendations:{name}", kwargs={"code": code})

    def decision(self, **overrides) -> dict:
        return {
            "decision": "endorsed",
            "decided_on": timezone.localdate().isoformat(),
            "notes": "",
            **overrides,
        }


class CommitteeRoleTestCase(GovernanceTestCase):
    def test_the_role_holds_no_case_permission_and_reads_recommendations_and_aggregates(self):
        self.assertEqual(Role.GOVERNING_COMMITTEE.label, "Governing committee")
        self.assertEqual(CASE_PERMISSIONS[Role.GOVERNING_COMMITTEE], frozenset())
        self.assertEqual(
            TEAM_PERMISSIONS[Role.GOVERNING_COMMITTEE],
            {"view_recommendations", "view_aggregates", "record_endorsements"},
        )
        self.assertEqual(cases_for_user(self.committee).count(), 0)

    def test_it_must_enrol_a_second_factor(self):
        self.assertTrue(needs_second_factor(self.committee))

    def test_it_gets_no_case_or_meeting_page(self):
        self.client.force_login(self.committee)
        self.assertEqual(self.client.get(reverse("cases:list")).status_code, 403)
        self.assertEqual(self.client.get(reverse("meetings:list")).status_code, 403)
        detail = reverse("cases:detail", kwargs={"code": self.case.code})
        self.assertEqual(self.client.get(detail).status_code, 404)

    def test_it_reads_the_teams_recommendations_dashboard_and_annual_report(self):
        self.client.force_login(self.committee)
        listed = self.client.get(reverse("recommendations:list"))
        self.assertContains(listed, self.recommendation.title)
        self.assertContains(listed, self.sheriff_recommendation.title)
        self.assertEqual(self.client.get(reverse("recommendations:dashboard")).status_code, 200)
        report = reverse(
            "recommendations:annual_report", kwargs={"team": self.team.code, "year": 2025}
        )
        self.assertEqual(self.client.get(report).status_code, 200)
        other = reverse(
            "recommendations:annual_report", kwargs={"team": self.other_team.code, "year": 2025}
        )
        self.assertEqual(self.client.get(other).status_code, 404)

    def test_it_sees_the_findings_as_partners_and_oversight_do_only_how_many_cases(self):
        RecommendationFinding.objects.create(
            recommendation=self.recommendation, finding=self.finding
        )
        for user in (self.committee, self.partner, self.oversight):
            self.client.force_login(user)
            response = self.client.get(self.url("detail"))
            with self.subTest(user=user.username):
                self.assertNotContains(response, "Findings behind it")
                self.assertNotContains(response, self.case.reference)
                self.assertNotContains(response, self.finding.description)
                self.assertContains(response, "<dt>Cases behind it</dt><dd>1</dd>")
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(self.url("detail")), self.case.reference)

    def test_it_is_never_offered_for_a_meeting_roster(self):
        from meetings.forms.meetings import AddMembersForm

        meeting = Meeting.objects.create(
            team=self.team, title="Later", starts_at=timezone.now() + timedelta(days=30)
        )
        offered = AddMembersForm(meeting=meeting).fields["users"].queryset
        self.assertNotIn(self.committee, offered)
        self.assertNotIn(self.partner, offered)

    def test_its_detail_page_query_count_is_pinned(self):
        self.client.force_login(self.committee)
        self.client.get(self.url("detail"))
        with self.assertNumQueries(COMMITTEE_DETAIL_QUERIES):
            self.client.get(self.url("detail"))
        for days in (3, 2, 1):
            Endorsement.record(
                self.recommendation,
                by=self.committee,
                decision="returned",
                decided_on=timezone.localdate() - timedelta(days=days),
                notes="Name a measure.",
            )
        with self.assertNumQueries(COMMITTEE_DETAIL_QUERIES):
            self.client.get(self.url("detail"))


class EndorsementTestCase(GovernanceTestCase):
    def test_a_committee_member_records_a_decision_with_its_history(self):
        self.client.force_login(self.committee)
        page = self.client.get(self.url("detail"))
        self.assertContains(page, "No decision yet")
        self.assertContains(page, f'href="{self.url("endorse")}"')
        response = self.client.post(
            self.url("endorse"),
            self.decision(decision="endorsed_with_changes", notes="Add the jail's medical unit."),
        )
        self.assertRedirects(response, self.url("detail") + "#endorsement")
        endorsement = self.recommendation.endorsements.get()
        self.assertEqual(endorsement.decision, "endorsed_with_changes")
        self.assertEqual(endorsement.recorded_by, self.committee)
        entry = endorsement.history.get()
        self.assertEqual(entry.history_user, self.committee)
        self.assertIn("Governing committee: Endorsed with changes", entry.history_change_reason)
        page = self.client.get(self.url("detail"))
        self.assertContains(page, "Add the jail&#x27;s medical unit.")
        self.assertContains(page, f"Endorsed with changes, {timezone.localdate():%Y-%m-%d}")
        history = self.client.get(self.url("history"))
        self.assertContains(history, "Committee decision")

    def test_a_coordinator_records_it_on_the_committees_behalf_and_decisions_accumulate(self):
        self.client.force_login(self.coordinator)
        today = timezone.localdate()
        self.client.post(
            self.url("endorse"),
            self.decision(
                decision="returned",
                decided_on=(today - timedelta(days=30)).isoformat(),
                notes="No measure.",
            ),
        )
        self.client.post(self.url("endorse"), self.decision())
        decisions = list(self.recommendation.endorsements.values_list("decision", flat=True))
        self.assertEqual(decisions, ["endorsed", "returned"])  # newest first
        self.assertContains(self.client.get(self.url("detail")), f"Endorsed, {today:%Y-%m-%d}")

    def test_it_refuses_other_roles_outsiders_and_anonymous(self):
        for user, status in (
            (self.facilitator, 403),
            (self.data_manager, 403),
            (self.reviewer, 403),
            (self.partner, 403),
            (self.oversight, 403),
            (self.outsider, 404),
            (self.admin, 404),
        ):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url("endorse")).status_code, status)
                self.assertEqual(
                    self.client.post(self.url("endorse"), self.decision()).status_code, status
                )
                page = self.client.get(self.url("detail"))
                if page.status_code == 200:
                    self.assertNotContains(page, self.url("endorse"))
        self.client.logout()
        response = self.client.get(self.url("endorse"))
        self.assertRedirects(response, f"{reverse('login')}?next={self.url('endorse')}")
        self.assertFalse(Endorsement.objects.exists())

    def test_a_decision_other_than_endorsed_needs_notes_and_none_is_dated_ahead(self):
        self.client.force_login(self.committee)
        for decision in ("endorsed_with_changes", "returned", "not_endorsed"):
            response = self.client.post(self.url("endorse"), self.decision(decision=decision))
            self.assertEqual(response.status_code, 400, decision)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client.post(self.url("endorse"), self.decision(decided_on=tomorrow))
        self.assertContains(response, "cannot be dated in the future", status_code=400)
        response = self.client.post(self.url("endorse"), self.decision(decision="rubber_stamped"))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Endorsement.objects.exists())
        with self.assertRaises(ValidationError):
            Endorsement.record(
                self.recommendation,
                by=self.committee,
                decision="not_endorsed",
                decided_on=timezone.localdate(),
            )

    def test_it_does_not_gate_adoption(self):
        """A recommendation is adopted and worked on before the committee meets."""
        self.assertFalse(self.recommendation.endorsements.exists())
        self.recommendation.add_update(by=self.coordinator, new_status="in_progress", narrative="x")
        self.assertEqual(self.recommendation.status, Status.IN_PROGRESS)


class TrackingTableTestCase(GovernanceTestCase):
    url_name = reverse("recommendations:dashboard")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        cls.recommendation.due_on = today - timedelta(days=10)
        cls.recommendation.save()
        cls.sheriff_recommendation.due_on = today + timedelta(days=10)
        cls.sheriff_recommendation.save()
        cls.unled = Recommendation.objects.create(
            team=cls.team,
            title="Peer coaches",
            statement="s",
            action="a",
            measure="m",
            category="treatment_moud",
            level="agency",
        )
        cls.sheriff_recommendation.add_update(
            by=cls.coordinator,
            new_status="adopted",
            narrative="Adopted.",
            reported_on=today - timedelta(days=40),
        )

    def rows(self, **query) -> list[Recommendation]:
        response = self.client.get(self.url_name, query)
        self.assertEqual(response.status_code, 200)
        return list(response.context["tracking"].page.object_list)

    def test_it_lists_lead_agency_status_due_date_and_last_update(self):
        self.client.force_login(self.committee)
        response = self.client.get(self.url_name)
        table = response.content.decode()
        table = table[table.index('id="tracking-table"') :]
        for heading in ("Recommendation", "Lead agency", "Status", "Due", "Last update"):
            self.assertIn(f">{heading}<span", table)
        self.assertIn(f"{timezone.localdate() - timedelta(days=40):%Y-%m-%d}", table)
        self.assertIn(f"{self.update.reported_on:%Y-%m-%d}", table)  # the cast's update
        self.assertIn("no update yet", table)
        self.assertIn("(overdue)", table)

    def test_it_sorts_on_the_server_with_aria_sort(self):
        self.client.force_login(self.committee)
        health, sheriff, unled = self.recommendation, self.sheriff_recommendation, self.unled
        # Empty values (no due date, lead agency or update) come last either way.
        for sort, expected in (
            ("", [health, sheriff, unled]),  # by due date
            ("-due", [sheriff, health, unled]),
            ("title", [sheriff, health, unled]),
            ("-title", [unled, health, sheriff]),
            ("lead", [health, sheriff, unled]),
            ("-lead", [sheriff, health, unled]),
            ("updated", [sheriff, health, unled]),
            ("-updated", [health, sheriff, unled]),
        ):
            with self.subTest(sort=sort):
                self.assertEqual(self.rows(sort=sort), expected)
        # Status in the lifecycle's order: proposed before adopted.
        self.assertEqual(self.rows(sort="status")[0], unled)
        self.assertEqual(self.rows(sort="-status")[-1], unled)
        response = self.client.get(self.url_name, {"sort": "-due", "status": "adopted"})
        self.assertContains(response, 'aria-sort="descending"', count=1)
        self.assertContains(response, 'href="?status=adopted&amp;sort=due#tracking-heading"')
        self.assertContains(response, 'href="?status=adopted&amp;sort=title#tracking-heading"')
        response = self.client.get(self.url_name)
        self.assertContains(response, 'aria-sort="ascending"', count=1)  # due, the default
        self.assertContains(response, 'href="?sort=-due#tracking-heading"')

    def test_it_filters_by_status_lead_agency_and_overdue(self):
        self.client.force_login(self.committee)
        self.assertEqual(self.rows(status="proposed"), [self.unled])
        self.assertEqual(self.rows(lead=str(self.sheriff.pk)), [self.sheriff_recommendation])
        self.assertEqual(self.rows(lead="none"), [self.unled])
        self.assertEqual(self.rows(overdue="1"), [self.recommendation])
        self.assertEqual(
            self.rows(status="adopted", lead=str(self.health.pk)), [self.recommendation]
        )

    def test_hostile_parameters_are_ignored(self):
        self.client.force_login(self.committee)
        everything = self.rows()
        for query in (
            {"sort": "password"},
            {"sort": "-"},
            {"sort": "title; DROP TABLE"},
            {"sort": "__class__"},
            {"lead": "9999999"},
            {"lead": "abc"},
            {"status": "<script>"},
            {"page": "-1"},
            {"page": "x" * 500},
        ):
            with self.subTest(query=query):
                self.assertEqual(self.rows(**query), everything)

    def test_the_committee_sees_only_its_teams_rows_and_the_partner_its_agencys(self):
        make_recommendations(
            6, teams=[self.other_team], agencies=[self.health], by=self.coordinator
        )
        self.client.force_login(self.committee)
        self.assertEqual(len(self.rows()), 3)
        self.client.force_login(self.partner)
        self.assertEqual(self.rows(), [self.recommendation])

    def test_the_chosen_team_is_kept_by_the_sort_and_filter_links(self):
        make_recommendations(1, teams=[self.other_team], agencies=[], by=self.coordinator)
        self.client.force_login(self.oversight)  # follows both county teams
        self.assertEqual(len(self.rows()), 4)
        code = self.team.code
        response = self.client.get(self.url_name, {"team": code, "sort": "title"})
        self.assertContains(response, f'href="?team={code}&amp;sort=-title#tracking-heading"')
        self.assertContains(response, f'<option value="{code}" selected>')
        self.assertEqual(len(self.rows(team=str(code))), 3)
        self.assertEqual(self.rows(team=str(self.other_team.code))[0].title, "Generated 0")

    def test_its_query_count_does_not_grow_with_the_rows(self):
        from tests.recommendations.test_dashboard import DASHBOARD_QUERIES

        self.client.force_login(self.committee)
        self.client.get(self.url_name)
        with self.assertNumQueries(DASHBOARD_QUERIES):
            self.client.get(self.url_name, {"sort": "-updated"})
        make_recommendations(
            60, teams=[self.team], agencies=[self.health, self.sheriff], by=self.coordinator
        )
        with self.assertNumQueries(DASHBOARD_QUERIES):
            page = self.client.get(self.url_name, {"sort": "-updated", "page": "2"})
        self.assertEqual(page.context["tracking"].page.number, 2)


class PacketFollowsOngoingWorkTestCase(GovernanceTestCase):
    """A partially implemented recommendation stays in the next meeting's packet
    with its updates; implemented, not implemented and no longer applicable
    ones leave it."""

    def packet(self, meeting: Meeting) -> str:
        return packet_html(
            team=self.team,
            cases=[],
            recipient=self.coordinator,
            viewers={},
            copy_number=1,
            prepared_on=date(2026, 12, 1),
            recommendations_since=previous_meeting_day(meeting),
        )

    def test_a_partially_implemented_recommendation_stays_in_the_next_packet(self):
        Meeting.objects.create(
            team=self.team, title="Autumn", starts_at=self.meeting.starts_at - timedelta(days=60)
        )
        since = previous_meeting_day(self.meeting)
        self.recommendation.add_update(
            by=self.coordinator,
            new_status="partially_implemented",
            narrative="Two of three jails hand out kits.",
            reported_on=since - timedelta(days=20),
        )
        self.recommendation.add_update(
            by=self.partner,
            new_status="partially_implemented",
            narrative="Third jail's pharmacy contract signed.",
            reported_on=since + timedelta(days=5),
        )
        self.sheriff_recommendation.add_update(
            by=self.coordinator, new_status="no_longer_applicable", narrative="x", reason="Moot"
        )
        html = " ".join(self.packet(self.meeting).split())
        section = html[html.index("Recommendations in progress</h2>") :]
        self.assertIn(self.recommendation.title, section)
        self.assertIn("Partially implemented · lead: Health Dept", section)
        self.assertIn("Third jail&#x27;s pharmacy contract signed.", section)
        self.assertNotIn("Two of three jails", section)  # before the previous meeting
        self.assertNotIn(self.sheriff_recommendation.title, section)

        rows = open_recommendations(self.coordinator, self.team, since)
        self.assertEqual([row.recommendation for row in rows], [self.recommendation])

    def test_it_leaves_the_packet_once_the_work_ends(self):
        for status in ("in_progress", "partially_implemented", "implemented"):
            self.recommendation.add_update(by=self.coordinator, new_status=status, narrative="x")
        self.assertNotIn(self.recommendation.title, self.packet(self.meeting))
        self.recommendation.add_update(
            by=self.coordinator, new_status="in_progress", narrative="Reopened."
        )
        self.recommendation.add_update(
            by=self.coordinator,
            new_status="not_implemented",
            narrative="x",
            reason="No funding.",
        )
        self.assertNotIn(self.recommendation.title, self.packet(self.meeting))

    def test_every_status_with_work_going_on_stays(self):
        followed = set()
        for status in Status.values:
            # Set directly, as a fixture: this checks the selection, not the lifecycle.
            self.recommendation.status = status
            self.recommendation._history_user = self.coordinator
            self.recommendation.save()
            if self.recommendation.title in self.packet(self.meeting):
                followed.add(status)
        self.assertEqual(followed, {"proposed", "adopted", "in_progress", "partially_implemented"})

"""Completeness of the case file, the review gate on it, and form versions."""

from datetime import UTC, date, datetime
from unittest import mock

from django.db import connection
from django.urls import reverse

from cases import completeness, formversions
from cases.models import Case
from meetings.models import AgendaItem, Meeting
from ofr.models import AccessEvent, Team
from ofr.roles import Role
from recommendations import reports
from tests.base import OFRTestCase, make_member


class HandComputedReportTestCase(OFRTestCase):
    """Three cases with known answers; the figures below are worked out by hand.

    Fourteen items always apply (the ten tri-states, education, date last seen
    alive, route of use, drugs on scene); a follow-up applies when its parent is yes."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.hill = Team.objects.create(name="Hillside OFR", short_code="HIL")
        cls.hill_coordinator = make_member("hill-coordinator", cls.hill, Role.COORDINATOR)
        # A: the ten tri-states "no"; 4 of 14 not collected (28.6%).
        cls.a = Case.objects.create(team=cls.hill, reference="HIL-A")
        cls.died(cls.a, date(2025, 1, 15))
        for section, names in (
            ("decedent", ["homeless", "veteran"]),
            (
                "circumstances",
                [
                    "bystander_present",
                    "naloxone_administered",
                    "no_pulse_at_arrival",
                    "prior_overdose_past_year",
                    "recent_ed_visit",
                    "recent_release",
                    "current_sud_treatment",
                    "mental_health_diagnosis",
                ],
            ),
        ):
            row = getattr(cls.a, section)
            for name in names:
                setattr(row, name, "no")
            row.save()
        # B: naloxone yes, given by EMS (doses not recorded): 16 items apply;
        # 2 answered, 2 unknown, 12 not collected (75%).
        cls.b = Case.objects.create(team=cls.hill, reference="HIL-B")
        cls.died(cls.b, date(2025, 1, 30))
        cls.b.circumstances.naloxone_administered = "yes"
        cls.b.circumstances.naloxone_administered_by = ["ems"]
        cls.b.circumstances.save()
        cls.b.decedent.homeless = "unknown"
        cls.b.decedent.veteran = "unknown"
        cls.b.decedent.save()
        # C: nothing collected (100%).
        cls.c = Case.objects.create(team=cls.hill, reference="HIL-C")
        cls.died(cls.c, date(2025, 3, 2))
        meeting = Meeting.objects.create(
            team=cls.hill, title="Hillside review", starts_at=datetime(2025, 6, 1, 15, tzinfo=UTC)
        )
        AgendaItem.objects.create(meeting=meeting, case=cls.a, position=1)
        AgendaItem.objects.create(meeting=meeting, case=cls.c, position=2)

    @staticmethod
    def died(case, day) -> None:
        case.death.date_of_death = day
        case.death.save()

    def report(self):
        return completeness.team_completeness(self.hill, Case.objects.filter(team=self.hill))

    def figures(self, tally) -> tuple:
        return (
            tally.cases,
            tally.asked,
            tally.answered,
            tally.unknown,
            tally.not_collected,
            tally.answered_percent,
            tally.unknown_percent,
            tally.not_collected_percent,
        )

    def test_each_case(self):
        by_reference = {row.case.reference: row.tally for row in self.report().cases}
        self.assertEqual(self.figures(by_reference["HIL-A"]), (1, 14, 10, 0, 4, 71.4, 0.0, 28.6))
        self.assertEqual(self.figures(by_reference["HIL-B"]), (1, 16, 2, 2, 12, 12.5, 12.5, 75.0))
        self.assertEqual(self.figures(by_reference["HIL-C"]), (1, 14, 0, 0, 14, 0.0, 0.0, 100.0))

    def test_the_team_overall_and_over_the_threshold(self):
        report = self.report()
        self.assertEqual(self.figures(report.overall), (3, 44, 12, 2, 30, 27.3, 4.5, 68.2))
        self.assertEqual(report.most_not_collected, 50)
        self.assertEqual(report.over_threshold, 2)

    def test_by_month_of_death(self):
        months = [(b.label, self.figures(b.tally)) for b in self.report().by_month]
        self.assertEqual(
            months,
            [
                ("January 2025", (2, 30, 12, 2, 16, 40.0, 6.7, 53.3)),
                ("March 2025", (1, 14, 0, 0, 14, 0.0, 0.0, 100.0)),
            ],
        )

    def test_by_meeting(self):
        meetings = [(b.label, self.figures(b.tally)) for b in self.report().by_meeting]
        self.assertEqual(
            meetings, [("Hillside review (2025-06-01)", (2, 28, 10, 0, 18, 35.7, 0.0, 64.3))]
        )

    def test_by_item(self):
        items = {item.name: tally for item, tally in self.report().by_item}
        naloxone = items["naloxone_given"]
        self.assertEqual((naloxone.cases, naloxone.answered, naloxone.not_collected), (3, 2, 1))
        given_by = items["naloxone_given_by"]
        self.assertEqual((given_by.cases, given_by.answered, given_by.not_collected), (1, 1, 0))
        doses = items["naloxone_doses"]
        self.assertEqual((doses.cases, doses.not_collected), (1, 1))

    def test_the_items_come_from_the_sudors_mapping_and_the_circumstances_form(self):
        names = [item.name for item in completeness.completeness_items()]
        self.assertEqual(names[:4], ["homeless", "veteran", "education", "date_last_seen_alive"])
        self.assertIn("naloxone_given_by", names)
        self.assertNotIn("legal_name", names)
        self.assertEqual(len(names), 20)

    def test_the_work_queue_lists_blocked_cases(self):
        for case in (self.b, self.c):
            case.status = Case.Status.READY_FOR_REVIEW
            case.save()
        self.a.status = Case.Status.READY_FOR_REVIEW
        self.a.save()
        blocked = completeness.cases_blocked_by_completeness(self.hill)
        self.assertEqual([case.reference for case in blocked], ["HIL-B", "HIL-C"])
        self.client.force_login(self.hill_coordinator)
        home = self.client.get(reverse("home")).content.decode()
        row = home[home.index('id="queue-completeness"') :]
        row = row[: row.index("</tr>")]
        self.assertIn(reverse("cases:completeness_report", args=[self.hill.code]), row)
        self.assertIn("<strong>2</strong>", row)

    def test_the_report_page_shows_the_figures(self):
        self.client.force_login(self.hill_coordinator)
        url = reverse("cases:completeness_report", args=[self.hill.code])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "27.3% answered, 4.5% unknown, 68.2% not collected")
        self.assertContains(response, "Hillside review (2025-06-01)")
        self.assertContains(response, "2 cases are above that")
        self.assertTrue(
            AccessEvent.objects.filter(
                user=self.hill_coordinator, detail="completeness report"
            ).exists()
        )


class ReviewGateTestCase(OFRTestCase):
    """A demo-like case with every circumstance not collected."""

    def setUp(self) -> None:
        self.team.max_not_collected_percent = 50
        self.team.save()
        self.case.status = Case.Status.REVIEWED
        self.case.save()
        self.url = reverse("cases:status", args=[self.case.code])

    def post(self, status="closed", **extra):
        self.case.refresh_from_db()
        data = {
            "status": status,
            "note": "",
            "exclusion_reason": "",
            "deferral_reason": "",
            "opened_version": self.case.version,
            **extra,
        }
        return self.client.post(self.url, data)

    def test_closing_is_refused_with_the_share_and_the_threshold_and_a_reason_offered(self):
        self.client.force_login(self.coordinator)
        response = self.post()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "100% of the case file&#x27;s items are not collected")
        self.assertContains(response, "(14 of 14); the team allows at most 50%")
        self.assertContains(response, 'name="completeness_reason"')
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, Case.Status.REVIEWED)

    def test_a_coordinator_closes_it_with_a_reason_kept_with_history(self):
        self.client.force_login(self.coordinator)
        response = self.post(completeness_reason="ME records unavailable; family declined.")
        self.assertRedirects(response, reverse("cases:detail", args=[self.case.code]))
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, Case.Status.CLOSED)
        self.assertEqual(
            self.case.completeness_override_reason, "ME records unavailable; family declined."
        )
        last = self.case.history.latest("history_date")
        self.assertEqual(last.history_user, self.coordinator)
        self.assertIn("completeness override: ME records unavailable", last.history_change_reason)
        page = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(page, "ME records unavailable; family declined.")

    def test_a_data_manager_is_refused_and_offered_no_reason(self):
        self.client.force_login(self.data_manager)
        response = self.post(completeness_reason="Because.")
        self.assertContains(response, "ask a coordinator to go ahead anyway")
        self.assertNotContains(response, 'name="completeness_reason"')
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, Case.Status.REVIEWED)

    def test_a_complete_enough_case_closes_without_a_reason(self):
        c = self.case.circumstances
        for name in (
            "bystander_present",
            "naloxone_administered",
            "no_pulse_at_arrival",
            "prior_overdose_past_year",
            "recent_ed_visit",
            "recent_release",
            "current_sud_treatment",
            "mental_health_diagnosis",
        ):
            setattr(c, name, "unknown")
        c.save()
        self.client.force_login(self.data_manager)
        self.assertEqual(self.post().status_code, 302)
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, Case.Status.CLOSED)
        self.assertEqual(self.case.completeness_override_reason, "")

    def test_the_model_refuses_too(self):
        from django.core.exceptions import ValidationError

        with self.assertRaisesMessage(ValidationError, "the team allows at most 50%"):
            self.case.move_to(Case.Status.CLOSED, by=self.coordinator)

    def test_a_meeting_cannot_mark_it_reviewed_either(self):
        from django.core.exceptions import ValidationError

        self.case.status = Case.Status.READY_FOR_REVIEW
        self.case.save()
        item = AgendaItem.objects.get(meeting=self.meeting, case=self.case)
        with self.assertRaisesMessage(ValidationError, "the team allows at most 50%"):
            item.mark_reviewed(by=self.facilitator)
        item.refresh_from_db()
        self.assertIsNone(item.reviewed_at)

    def test_the_case_page_shows_its_completeness(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "14 not collected (100.0%)")
        self.assertContains(response, "at most 50% not collected")


@mock.patch.dict(formversions.ITEM_VERSIONS, {"prior_overdose_past_year": 2})
class FormVersionTestCase(OFRTestCase):
    """An item added in version 2; the case was reviewed under version 1 and
    holds "no" there (as a migration's default would)."""

    def setUp(self) -> None:
        self.case.form_version = 1
        self.case.save()
        self.case.circumstances.prior_overdose_past_year = "no"
        self.case.circumstances.save()

    def test_the_current_version_is_the_highest(self):
        self.assertEqual(formversions.current_version(), 2)

    def test_item_answer(self):
        answer = completeness.item_answer(self.case, "prior_overdose_past_year")
        self.assertEqual(answer.state, completeness.NOT_IN_VERSION)
        self.assertEqual(answer.label, "Not collected (added in version 2)")
        self.assertEqual(
            completeness.item_answer(self.case, "recent_ed_visit").state,
            completeness.NOT_COLLECTED,
        )

    def test_the_case_page_shows_not_collected_never_no(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(
            response,
            "<dt>Prior overdose in the past year</dt><dd>Not collected (added in version 2)</dd>",
            html=False,
        )

    def test_the_redcap_records_carry_the_not_collected_code(self):
        self.client.force_login(self.coordinator)
        url = reverse("cases:redcap_records", args=[self.team.code])
        body = b"".join(self.client.get(url + "?level=deidentified").streaming_content).decode()
        header, first = body.splitlines()[:2]
        column = header.split(",").index("prior_overdose_past_year")
        self.assertEqual(first.split(",")[column], "not_collected")

    def test_the_sudors_csv_carries_the_not_collected_code(self):
        self.client.force_login(self.coordinator)
        body = self.client.get(reverse("cases:sudors_export", args=[self.team.code]))
        header, first = body.content.decode().splitlines()[:2]
        column = header.split(",").index("PreviousOverdose")
        self.assertEqual(first.split(",")[column], "not_collected")

    def test_the_report_tables_and_csv_count_it_as_not_collected_in_its_version(self):
        self.case.status = Case.Status.REVIEWED
        self.case.save()
        year = self.case.death.date_of_death.year
        report = reports.annual_report(self.team, year)
        table = next(t for t in report.sudors if "prior overdose" in t.title.lower())
        rows = {label: cells for label, cells, _ in table.table.rows}
        self.assertIn("Not collected (added in version 2)", rows)
        self.assertEqual(rows["No"][0].value, 0)  # never counted as its stored "no"
        csv_text = reports.annual_report_csv(report)
        self.assertIn("Not collected (added in version 2)", csv_text)
        self.client.force_login(self.coordinator)
        page = self.client.get(
            reverse("recommendations:annual_report", args=[self.team.code, year])
        )
        self.assertContains(page, "Not collected (added in version 2)")

    def test_completeness_counts_it_apart(self):
        tally = completeness.case_completeness(self.case).tally
        self.assertEqual((tally.asked, tally.not_in_version), (13, 1))

    def test_review_records_the_current_version(self):
        self.case.status = Case.Status.READY_FOR_REVIEW
        self.case.save()
        self.case.move_to(Case.Status.REVIEWED, by=self.coordinator)
        self.case.refresh_from_db()
        self.assertEqual(self.case.form_version, 2)
        answer = completeness.item_answer(self.case, "prior_overdose_past_year")
        self.assertEqual((answer.state, answer.label), (completeness.ANSWERED, "No"))


class ReportAccessTestCase(OFRTestCase):
    def urls(self, team=None):
        code = (team or self.team).code
        return [
            reverse("cases:completeness_report", args=[code]),
            reverse("cases:open_queries", args=[code]),
        ]

    def test_anonymous_is_sent_to_sign_in(self):
        for url in self.urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("login"), response["Location"])

    def test_an_outsider_gets_404(self):
        self.client.force_login(self.outsider)
        for url in self.urls():
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_a_review_member_gets_403(self):
        for user in (self.reviewer, self.officer):
            self.client.force_login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 403)

    def test_report_readers_get_the_pages(self):
        for user in (self.coordinator, self.data_manager, self.facilitator):
            self.client.force_login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_case_list_links_them(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:list"))
        for url in self.urls():
            self.assertContains(response, url)

    def test_query_counts_are_pinned_and_do_not_grow_with_the_cases(self):
        self.client.force_login(self.coordinator)
        report, queries = self.urls()
        self.client.get(report)  # warm the content-type cache
        lock = connection.vendor == "postgresql"
        with self.assertNumQueries(REPORT_QUERIES + lock):
            self.client.get(report)
        with self.assertNumQueries(QUERIES_QUERIES + lock):
            self.client.get(queries)
        for number in range(3):
            Case.objects.create(team=self.team, reference=f"RIV-EXTRA-{number}")
        with self.assertNumQueries(REPORT_QUERIES + lock):
            self.client.get(report)
        with self.assertNumQueries(QUERIES_QUERIES + lock):
            self.client.get(queries)


# session, user, team, memberships, the user's groups, cases with their
# sections, the agenda links, access event (savepoint, chain head, insert, release).
REPORT_QUERIES = 11
# session, user, team, memberships, the user's groups, cases with their
# sections, touchpoints, case permissions, Part 2 programs, access event
# (savepoint, chain head, insert, release).
QUERIES_QUERIES = 13

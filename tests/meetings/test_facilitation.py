from datetime import UTC, date, datetime

from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse

from cases.models import Case, Finding, FindingEvent, TimelineEvent
from meetings.models import AgendaItem, Meeting
from ofr.models import AccessEvent
from tests.base import PART2_TEXT, OFRTestCase

# session, user, meeting, memberships, attendance, agenda, case with its
# sections, its permissions, access event (savepoint, chain head, insert,
# release), timeline and its notes, case notes, findings and their
# touchpoints, who last changed the status, toxicology, the touchpoints
# offered in the finding form; the previous meeting, the open recommendations
# and their updates.
CASE_QUERIES = 25

IDENTIFYING = ("Jordan", "1990-06-15", "15 June 1990", "June 15, 1990", "06/15/1990")


def make_ready(case: Case, by) -> None:
    for status in ("selected", "summary_in_preparation", "ready_for_review"):
        case.move_to(status, by=by)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class FacilitationTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_ready(cls.case, cls.coordinator)
        cls.item = AgendaItem.objects.get(meeting=cls.meeting, case=cls.case)
        cls.case2 = Case.objects.create(team=cls.team, reference="RIV-2025-002", summary="Second.")
        make_ready(cls.case2, cls.coordinator)
        cls.item2 = AgendaItem.objects.create(meeting=cls.meeting, case=cls.case2, position=2)

    def url(self, name="facilitate_case", item=None, meeting=None):
        meeting = meeting or self.meeting
        if name == "facilitate":
            return reverse("meetings:facilitate", args=[meeting.code])
        return reverse(f"meetings:{name}", args=[meeting.code, (item or self.item).pk])

    def finding_data(self, **changes):
        return {
            "finding-kind": "system_gap",
            "finding-system": "criminal_legal",
            "finding-description": "Release planning did not include naloxone.",
            "finding-sensitivity": "",
            **changes,
        }

    def discussion_data(self, **changes):
        self.item.refresh_from_db()
        return {
            "discussion-discussion_notes": "The team discussed the release without naloxone.",
            "discussion-recommendation_ideas": "Naloxone at every jail release.",
            "discussion-opened_version": self.item.version,
            **changes,
        }

    def close_meeting(self):
        for status in ("in_session", "adjourned", "closed"):
            self.meeting.move_to(status, by=self.coordinator)

    def mark(self, item, user):
        item.reviewed_at = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
        item.reviewed_by = user
        item.save()

    # --- access, for every view ---

    def requests(self):
        """(method, url, data) of every facilitator-mode request."""
        return [
            ("get", self.url("facilitate"), {}),
            ("get", self.url(), {}),
            ("post", self.url("quick_finding"), self.finding_data()),
            ("post", self.url("save_discussion"), self.discussion_data()),
            ("post", self.url("mark_reviewed"), {}),
        ]

    def assert_nothing_changed(self):
        self.case.refresh_from_db()
        self.item.refresh_from_db()
        self.assertEqual(self.case.status, "ready_for_review")
        self.assertEqual((self.item.version, self.item.reviewed_at), (1, None))
        self.assertEqual(self.item.discussion_notes, "")
        self.assertEqual(Finding.objects.count(), 1)

    def test_it_hides_the_meeting_from_outsiders(self):
        self.client.force_login(self.outsider)
        for method, url, data in self.requests():
            response = getattr(self.client, method)(url, data)
            self.assertEqual(response.status_code, 404, url)
        self.assert_nothing_changed()

    def test_it_forbids_attendees_who_do_not_manage_the_meeting(self):
        for user in (self.reviewer, self.officer, self.data_manager):
            self.client.force_login(user)
            for method, url, data in self.requests():
                response = getattr(self.client, method)(url, data)
                self.assertEqual(response.status_code, 403, (user, url))
        self.assertEqual(AccessEvent.objects.order_by("-seq").first().action, "denied")
        self.assert_nothing_changed()

    def test_it_redirects_anonymous_to_login(self):
        for method, url, data in self.requests():
            response = getattr(self.client, method)(url, data)
            self.assertRedirects(response, f"{reverse('login')}?next={url}")
        self.assert_nothing_changed()

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.facilitator)
        self.assertEqual(self.client.post(self.url("facilitate")).status_code, 405)
        self.assertEqual(self.client.post(self.url()).status_code, 405)
        for name in ("quick_finding", "save_discussion", "mark_reviewed"):
            self.assertEqual(self.client.get(self.url(name)).status_code, 405)

    def test_an_agenda_item_of_another_meeting_is_not_found(self):
        other = Meeting.objects.create(
            team=self.team, title="Other review", starts_at=datetime(2026, 12, 10, tzinfo=UTC)
        )
        other_item = AgendaItem.objects.create(meeting=other, case=self.case2, position=1)
        self.client.force_login(self.facilitator)
        self.assertEqual(self.client.get(self.url(item=other_item)).status_code, 404)
        response = self.client.post(self.url("mark_reviewed", item=other_item))
        self.assertEqual(response.status_code, 404)
        other_item.refresh_from_db()
        self.assertIsNone(other_item.reviewed_at)

    # --- facilitate ---

    def test_it_starts_at_the_first_case_not_yet_reviewed(self):
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url("facilitate"))
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.mark(self.item, self.facilitator)
        response = self.client.get(self.url("facilitate"))
        self.assertRedirects(response, self.url(item=self.item2), fetch_redirect_response=False)
        self.mark(self.item2, self.facilitator)
        response = self.client.get(self.url("facilitate"))
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)

    def test_a_meeting_without_cases_says_so(self):
        summary = Meeting.objects.create(
            team=self.team,
            title="Public summary",
            kind="public_summary",
            starts_at=datetime(2026, 12, 10, tzinfo=UTC),
        )
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("facilitate", meeting=summary))
        self.assertContains(response, "No cases on the agenda")
        self.assertContains(response, "carries no cases")

    # --- facilitate_case ---

    def test_it_shows_one_agenda_case_and_logs_the_view(self):
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url())
        self.assertContains(response, "<h1>Case RIV-2025-001</h1>", html=True)
        self.assertContains(response, "case 1 of 2")
        self.assertContains(response, "Next case: RIV-2025-002")
        self.assertNotContains(response, "Previous case")
        self.assertContains(response, "Test summary.")
        self.assertContains(response, "Released from county jail without naloxone.")
        # The facilitator's sector sees Part 2 content, with its notice.
        self.assertContains(response, PART2_TEXT)
        self.assertContains(response, "42 CFR §2.32 notice")
        self.assertContains(response, "EMS gave naloxone.")
        self.assertContains(response, "No naloxone offered at release.")
        self.assertContains(response, 'name="finding-confirmed"')
        self.assertContains(response, "Mark case RIV-2025-001 reviewed")
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(
            (event.user, event.action, event.object_id, event.detail),
            (self.facilitator, "view", str(self.case.code), "facilitator mode"),
        )
        response = self.client.get(self.url(item=self.item2))
        self.assertContains(response, "case 2 of 2")
        self.assertContains(response, "Previous case: RIV-2025-001")
        self.assertNotContains(response, "Next case")

    def test_it_never_shows_the_decedent_identifiers(self):
        # Not to the facilitator (no view_identifiers), nor to a coordinator who has it.
        for user in (self.facilitator, self.coordinator):
            self.client.force_login(user)
            response = self.client.get(self.url())
            self.assertEqual(response.status_code, 200)
            for text in IDENTIFYING:
                self.assertNotContains(response, text)

    def test_it_explains_why_a_case_cannot_be_marked_reviewed(self):
        self.case2.move_to("summary_in_preparation", by=self.coordinator)
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url(item=self.item2))
        self.assertContains(response, "only a case that is ready for review can be marked")
        self.assertNotContains(response, "Mark case RIV-2025-002 reviewed")

    def test_its_query_count_is_pinned_and_does_not_grow_with_the_timeline(self):
        self.client.force_login(self.facilitator)
        self.client.get(self.url())  # warm the content-type cache
        expected = CASE_QUERIES + (1 if connection.vendor == "postgresql" else 0)
        with self.assertNumQueries(expected):
            self.client.get(self.url())
        for day in range(1, 6):
            event = TimelineEvent.objects.create(
                case=self.case,
                date=date(2024, 6, day),
                system="ems",
                touchpoint_type="ems_overdose_response",
                description=f"Overdose response {day}.",
            )
            finding = Finding.objects.create(
                case=self.case,
                kind="risk_factor",
                system="ems",
                description=f"Risk {day}.",
                proposed_by=self.reviewer,
            )
            FindingEvent.objects.create(finding=finding, event=event)
        with self.assertNumQueries(expected):
            response = self.client.get(self.url())
        self.assertContains(response, "Overdose response 5.")

    def test_a_closed_meeting_is_read_only(self):
        self.close_meeting()
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url())
        self.assertContains(response, "The meeting is closed")
        self.assertNotContains(response, "Record the finding")
        self.assertNotContains(response, "Save the discussion notes")
        self.assertNotContains(response, "Mark case RIV-2025-001 reviewed")

    # --- quick_finding ---

    def test_the_facilitator_records_a_finding_confirmed_by_the_team(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url("quick_finding"),
            self.finding_data(
                **{"finding-linked_events": [self.event.pk], "finding-confirmed": "on"}
            ),
        )
        finding = Finding.objects.get(kind="system_gap")
        self.assertRedirects(
            response, self.url() + f"#finding-{finding.code}", fetch_redirect_response=False
        )
        self.assertEqual(
            (finding.status, finding.proposed_by, finding.confirmed_by),
            ("confirmed", self.facilitator, self.facilitator),
        )
        self.assertEqual(list(finding.events.all()), [self.event])
        self.assertEqual(
            [
                (h.history_change_reason, h.history_user)
                for h in finding.history.order_by("history_id")
            ],
            [
                ("Finding proposed at Riverside case review", self.facilitator),
                ("Finding confirmed", self.facilitator),
            ],
        )
        self.assertEqual(FindingEvent.history.filter(finding_id=finding.pk).count(), 1)
        self.assertIn("Finding recorded and confirmed.", messages_of(response))

    def test_a_finding_left_unconfirmed_is_proposed(self):
        self.client.force_login(self.coordinator)
        self.client.post(self.url("quick_finding"), self.finding_data())
        finding = Finding.objects.get(kind="system_gap")
        self.assertEqual((finding.status, finding.proposed_by), ("proposed", self.coordinator))
        self.assertIsNone(finding.confirmed_by)

    def test_a_linked_part2_touchpoint_makes_the_finding_part2(self):
        self.client.force_login(self.facilitator)
        self.client.post(
            self.url("quick_finding"),
            self.finding_data(**{"finding-linked_events": [self.part2_event.pk]}),
        )
        self.assertEqual(Finding.objects.get(kind="system_gap").sensitivity, "part2_sud")

    def test_an_invalid_finding_is_shown_again_and_nothing_saved(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url("quick_finding"),
            self.finding_data(**{"finding-description": " ", "finding-kind": "blame"}),
        )
        self.assertContains(response, "The finding was not recorded", status_code=400)
        self.assertContains(response, "Select a valid choice", status_code=400)
        self.assertContains(response, "Test summary.", status_code=400)
        response = self.client.post(
            self.url("quick_finding"),
            self.finding_data(**{"finding-description": "Jordan was released without a kit."}),
        )
        # The facilitator may not see identifiers: told only that it was refused.
        self.assertContains(response, "may identify a decedent", status_code=400)
        self.assertNotContains(response, "Jordan Example", status_code=400)
        self.assertEqual(Finding.objects.count(), 1)

    # --- save_discussion ---

    def test_the_facilitator_saves_the_discussion_with_history(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url("save_discussion"), self.discussion_data())
        self.assertRedirects(response, self.url() + "#discussion", fetch_redirect_response=False)
        self.item.refresh_from_db()
        self.assertEqual(
            (self.item.discussion_notes, self.item.recommendation_ideas, self.item.version),
            (
                "The team discussed the release without naloxone.",
                "Naloxone at every jail release.",
                2,
            ),
        )
        latest = self.item.history.first()
        self.assertEqual(
            (latest.history_change_reason, latest.history_user),
            ("Discussion notes saved at Riverside case review", self.facilitator),
        )
        response = self.client.get(self.url())
        self.assertContains(response, "Naloxone at every jail release.")

    def test_minutes_with_the_decedents_name_or_birth_date_are_refused(self):
        # The coordinator may see the identifiers, and is told what matched.
        self.client.force_login(self.coordinator)
        for text, what in (
            ("Jordan had been released two days before.", "name"),
            ("Mr example's family attended.", "name"),
            ("Born 15 June 1990.", "date of birth"),
            ("DOB 06/15/1990, seen at the ED.", "date of birth"),
            ("Born on June 15th, 1990", "date of birth"),
            ("1990-06-15", "date of birth"),
        ):
            response = self.client.post(
                self.url("save_discussion"),
                self.discussion_data(**{"discussion-discussion_notes": text}),
            )
            self.assertContains(
                response, f"contains the decedent&#x27;s {what}", status_code=400, msg_prefix=text
            )
        response = self.client.post(
            self.url("save_discussion"),
            self.discussion_data(**{"discussion-recommendation_ideas": "Call Jordan's family."}),
        )
        self.assertContains(response, "The discussion notes were not saved", status_code=400)
        self.assert_nothing_changed()
        self.assertEqual(self.item.history.count(), 1)

    def test_the_check_is_no_way_to_look_identifiers_up(self):
        # The facilitator may not see the identifiers: a refusal says nothing of
        # what matched, is logged, and after three in a day nothing is checked.
        self.client.force_login(self.facilitator)
        before = AccessEvent.objects.filter(action="denied").count()
        for text in ("Jordan came in.", "Born 15 June 1990.", "Example family."):
            response = self.client.post(
                self.url("save_discussion"),
                self.discussion_data(**{"discussion-discussion_notes": text}),
            )
            self.assertContains(response, "may identify a decedent", status_code=400)
            self.assertNotContains(response, "date of birth", status_code=400)
        refusals = AccessEvent.objects.filter(action="denied").count() - before
        self.assertEqual(refusals, 3)
        response = self.client.post(
            self.url("save_discussion"),
            self.discussion_data(**{"discussion-discussion_notes": "Nothing identifying."}),
        )
        self.assertContains(response, "no text of yours can be saved here", status_code=400)
        self.assert_nothing_changed()

    def test_dates_that_are_not_the_birth_date_are_accepted(self):
        self.client.force_login(self.facilitator)
        text = "ED visit 2025-01-10; jail release 10 January 2025; in June 1990 nothing."
        response = self.client.post(
            self.url("save_discussion"),
            self.discussion_data(**{"discussion-discussion_notes": text}),
        )
        self.assertEqual(response.status_code, 302)
        self.item.refresh_from_db()
        self.assertEqual(self.item.discussion_notes, text)

    def test_a_stale_discussion_form_is_refused(self):
        self.client.force_login(self.facilitator)
        stale = self.discussion_data()
        self.client.post(self.url("save_discussion"), self.discussion_data())
        response = self.client.post(
            self.url("save_discussion"),
            {**stale, "discussion-discussion_notes": "Overwrite."},
        )
        self.assertContains(response, "Not saved", status_code=409)
        self.item.refresh_from_db()
        self.assertEqual(self.item.version, 2)
        self.assertNotEqual(self.item.discussion_notes, "Overwrite.")

    # --- mark_reviewed ---

    def test_it_marks_the_case_reviewed_and_opens_the_next(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url("mark_reviewed"))
        self.assertRedirects(response, self.url(item=self.item2), fetch_redirect_response=False)
        self.case.refresh_from_db()
        self.item.refresh_from_db()
        self.assertEqual(
            (self.case.status, self.case.status_note, self.case.status_changed_by),
            ("reviewed", "Reviewed at Riverside case review", self.facilitator),
        )
        self.assertEqual(
            self.case.history.first().history_change_reason,
            "Status: Reviewed (Reviewed at Riverside case review)",
        )
        self.assertIsNotNone(self.item.reviewed_at)
        self.assertEqual((self.item.reviewed_by, self.item.version), (self.facilitator, 2))
        latest = self.item.history.first()
        self.assertEqual(
            (latest.history_change_reason, latest.history_user),
            ("Marked reviewed", self.facilitator),
        )
        self.assertIn("Case RIV-2025-001 reviewed.", messages_of(response))

    def test_the_last_case_reviewed_returns_to_the_meeting(self):
        self.mark(self.item2, self.facilitator)
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url("mark_reviewed"))
        self.assertRedirects(
            response,
            reverse("meetings:detail", args=[self.meeting.code]),
            fetch_redirect_response=False,
        )
        self.assertIn("Every case on the agenda is reviewed.", messages_of(response))

    def test_a_case_that_cannot_move_to_reviewed_is_left_alone(self):
        self.case.move_to("summary_in_preparation", by=self.coordinator)
        history = self.case.history.count()
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url("mark_reviewed"))
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        self.assertIn(
            "Not marked reviewed: A case that is summary in preparation cannot move to "
            "reviewed. Nothing was changed.",
            messages_of(response),
        )
        self.case.refresh_from_db()
        self.item.refresh_from_db()
        self.assertEqual(self.case.status, "summary_in_preparation")
        self.assertEqual(self.case.history.count(), history)
        self.assertIsNone(self.item.reviewed_at)
        self.assertEqual(self.item.history.count(), 1)

    def test_a_case_marked_reviewed_twice_is_refused(self):
        self.client.force_login(self.facilitator)
        self.client.post(self.url("mark_reviewed"))
        response = self.client.post(self.url("mark_reviewed"))
        self.assertIn(
            "Not marked reviewed: Case RIV-2025-001 is already marked reviewed. "
            "Nothing was changed.",
            messages_of(response),
        )
        self.item.refresh_from_db()
        self.assertEqual(self.item.version, 2)

    # --- a closed meeting ---

    def test_a_closed_meeting_refuses_every_change(self):
        self.close_meeting()
        self.client.force_login(self.facilitator)
        for name, data in (
            ("quick_finding", self.finding_data()),
            ("save_discussion", self.discussion_data()),
            ("mark_reviewed", {}),
        ):
            response = self.client.post(self.url(name), data)
            self.assertRedirects(response, self.url(), fetch_redirect_response=False)
            self.assertIn(
                "The meeting is closed: its cases can no longer be changed in facilitator mode.",
                messages_of(response),
            )
        self.assert_nothing_changed()


class FacilitatorRecommendationsTestCase(OFRTestCase):
    def test_each_case_screen_shows_the_open_recommendations(self):
        item = self.meeting.agenda_items.first()
        self.client.force_login(self.facilitator)
        response = self.client.get(
            reverse("meetings:facilitate_case", args=[self.meeting.code, item.pk])
        )
        self.assertContains(response, "Recommendations: status since the last meeting")
        self.assertContains(response, self.recommendation.title)
        self.assertContains(response, "Adopted at the meeting.")

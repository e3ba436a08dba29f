"""What a meeting records of the team's recommendations: one adopted there,
a progress update reported there. The links live on the meeting's side."""

from unittest import mock

from django.core.exceptions import ValidationError
from django.urls import reverse

from meetings.models import AdoptedRecommendation, Attendance, ReportedUpdate
from recommendations.models import Recommendation
from tests.base import OFRTestCase, make_user


class MeetingRecordsTestCase(OFRTestCase):
    def url(self, meeting=None) -> str:
        return reverse("meetings:record", kwargs={"code": (meeting or self.meeting).code})

    def test_the_facilitator_records_an_adoption_and_a_report_with_history(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url(),
            {"adopted": self.recommendation.code, "reported": self.update.code},
        )
        self.assertRedirects(
            response,
            reverse("meetings:detail", kwargs={"code": self.meeting.code}) + "#recommendations",
            fetch_redirect_response=False,
        )
        adopted = AdoptedRecommendation.objects.get(recommendation=self.recommendation)
        reported = ReportedUpdate.objects.get(update=self.update)
        for link in (adopted, reported):
            self.assertEqual(link.meeting, self.meeting)
            self.assertEqual(link.recorded_by, self.facilitator)
            row = link.history.get()
            self.assertEqual((row.history_type, row.history_user), ("+", self.facilitator))
        page = self.client.get(reverse("meetings:detail", kwargs={"code": self.meeting.code}))
        self.assertContains(page, "Adopted: Naloxone at jail release")
        self.assertContains(page, "Progress reported: Naloxone at jail release")

    def adopt_the_sheriffs(self) -> None:
        self.sheriff_recommendation.add_update(
            by=self.coordinator, new_status="adopted", narrative="Adopted by the team."
        )

    def test_each_is_recorded_at_one_meeting_only(self):
        self.adopt_the_sheriffs()
        self.meeting.record_adoption(self.recommendation, by=self.coordinator)
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url())
        choices = [str(code) for code, _ in response.context["form"].fields["adopted"].choices]
        self.assertNotIn(str(self.recommendation.code), choices)
        self.assertIn(str(self.sheriff_recommendation.code), choices)
        with self.assertRaises(ValidationError) as refused:
            self.meeting.record_adoption(self.recommendation, by=self.coordinator)
        self.assertEqual(
            refused.exception.message_dict,
            {"recommendation": ["That recommendation's adoption is already recorded."]},
        )
        self.assertEqual(AdoptedRecommendation.objects.count(), 1)

    def test_only_an_adopted_recommendation_can_be_recorded_as_adopted_here(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url(), {"adopted": self.sheriff_recommendation.code})
        self.assertContains(response, "Select a valid choice", status_code=400)
        with self.assertRaises(ValidationError) as refused:
            self.meeting.record_adoption(self.sheriff_recommendation, by=self.facilitator)
        self.assertIn("not adopted yet", refused.exception.message_dict["recommendation"][0])
        self.assertFalse(AdoptedRecommendation.objects.exists())

    def test_two_people_recording_at_once_get_a_message_not_an_error(self):
        self.meeting.record_report(self.update, by=self.coordinator)
        # The second one passed the check before the first one's row existed.
        nothing_yet = ReportedUpdate.objects.none()
        with mock.patch.object(ReportedUpdate.objects, "filter", return_value=nothing_yet):
            with self.assertRaises(ValidationError) as refused:
                self.meeting.record_report(self.update, by=self.facilitator)
        self.assertEqual(
            refused.exception.message_dict,
            {"update": ["That update is already recorded at a meeting."]},
        )
        self.assertEqual(ReportedUpdate.objects.count(), 1)

    def test_another_teams_recommendation_is_refused(self):
        theirs = Recommendation.objects.create(
            team=self.other_team,
            title="Lakeview's own",
            statement="-",
            action="-",
            measure="-",
            category="other",
            level="agency",
        )
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url(), {"adopted": theirs.code})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Select a valid choice", status_code=400)
        self.assertFalse(AdoptedRecommendation.objects.exists())

    def test_an_empty_form_says_what_is_missing(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url(), {})
        self.assertContains(
            response, "Choose a recommendation, an update, or both.", status_code=400
        )

    def test_a_closed_meeting_still_records_what_it_adopted(self):
        # The recommendation is often written up after the meeting that adopted it.
        for status in ("in_session", "adjourned", "closed"):
            self.meeting.move_to(status, by=self.facilitator)
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url(), {"adopted": self.recommendation.code})
        self.assertEqual(response.status_code, 302)
        link = AdoptedRecommendation.objects.get(recommendation=self.recommendation)
        self.assertEqual(link.history.get().history_change_reason, f"Adopted at {self.meeting}")

    def test_the_meeting_page_shows_each_reader_only_the_recommendations_they_may_read(self):
        self.adopt_the_sheriffs()
        self.meeting.record_adoption(self.recommendation, by=self.coordinator)
        self.meeting.record_adoption(self.sheriff_recommendation, by=self.coordinator)
        Attendance.objects.create(meeting=self.meeting, user=self.partner)
        guest = make_user("guest")
        Attendance.invite_guest(self.meeting, guest, kind="guest", by=self.coordinator)
        page = reverse("meetings:detail", kwargs={"code": self.meeting.code})
        expected = {
            self.reviewer: {"Naloxone at jail release", "Deflection at first contact"},
            self.partner: {"Naloxone at jail release"},  # the health department's only
            guest: set(),
        }
        for user, titles in expected.items():
            with self.subTest(user=user.username):
                self.client.force_login(user)
                response = self.client.get(page)
                self.assertEqual(response.status_code, 200)
                for title in ("Naloxone at jail release", "Deflection at first contact"):
                    if title in titles:
                        self.assertContains(response, f"Adopted: {title}")
                    else:
                        self.assertNotContains(response, title)

    def test_who_may_record(self):
        cases = [
            (None, 302),  # anonymous: to the sign-in page
            (self.outsider, 404),
            (self.reviewer, 403),  # on the roster: sees the meeting, does not manage it
            (self.partner, 404),
            (self.coordinator, 200),
        ]
        for user, status in cases:
            with self.subTest(user=user):
                self.client.logout()
                if user is not None:
                    self.client.force_login(user)
                response = self.client.get(self.url())
                self.assertEqual(response.status_code, status)
                if user is None:
                    self.assertIn(reverse("login"), response["Location"])

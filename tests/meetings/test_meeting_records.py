"""What a meeting records of the team's recommendations: one adopted there,
a progress update reported there. The links live on the meeting's side."""

from django.urls import reverse

from meetings.models import AdoptedRecommendation, ReportedUpdate
from recommendations.models import Recommendation
from tests.base import OFRTestCase


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

    def test_each_is_recorded_at_one_meeting_only(self):
        self.meeting.record_adoption(self.recommendation, by=self.coordinator)
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url())
        choices = [str(code) for code, _ in response.context["form"].fields["adopted"].choices]
        self.assertNotIn(str(self.recommendation.code), choices)
        self.assertIn(str(self.sheriff_recommendation.code), choices)
        response = self.client.post(self.url(), {"adopted": self.recommendation.code})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(AdoptedRecommendation.objects.count(), 1)

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

    def test_a_closed_meeting_records_nothing(self):
        for status in ("in_session", "adjourned", "closed"):
            self.meeting.move_to(status, by=self.facilitator)
        self.client.force_login(self.facilitator)
        response = self.client.post(self.url(), {"adopted": self.recommendation.code})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AdoptedRecommendation.objects.exists())

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

"""Meetings: list, plan, agenda, roster, signatures and gating, status, copies."""

from datetime import UTC, date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.access import cases_for_user
from cases.models import Case
from meetings.models import (
    AgendaItem,
    Attendance,
    ConfidentialityAgreement,
    Meeting,
    PacketCopy,
    Signature,
)
from ofr.models import Membership
from ofr.roles import Role
from tests.base import PART2_TEXT, PDF_BYTES, OFRTestCase, make_member, make_user

# session, user, memberships, meetings to come, past meetings: count and page
# (the roster as EXISTS)
LIST_QUERIES = 6
DETAIL_QUERIES = 13  # + previous meeting, open recommendations, their updates, the
# recommendations adopted and the updates reported at the meeting


def ready_case(team, reference: str) -> Case:
    return Case.objects.create(team=team, reference=reference, status="ready_for_review")


class MeetingsTestCase(OFRTestCase):
    def url(self, name: str, meeting=None, **kwargs) -> str:
        return reverse(
            f"meetings:{name}", kwargs={"code": (meeting or self.meeting).code, **kwargs}
        )

    def make_copy(self, recipient, number: int = 1) -> PacketCopy:
        copy = PacketCopy(
            meeting=self.meeting,
            number=number,
            recipient=recipient,
            requested_by=self.facilitator,
            status=PacketCopy.Status.READY,
        )
        copy.file.save("packet.pdf", ContentFile(PDF_BYTES), save=False)
        copy.save()
        return copy

    def move_meeting(self, *statuses: str) -> None:
        for status in statuses:
            self.meeting.move_to(status, by=self.facilitator)


class MeetingListTestCase(MeetingsTestCase):
    def test_members_see_the_meetings_they_attend(self):
        other = Meeting.objects.create(
            team=self.team, title="Without the reviewer", starts_at=self.meeting.starts_at
        )
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("meetings:list"))
        self.assertContains(response, "Riverside case review")
        self.assertNotContains(response, other.title)
        self.assertNotContains(response, "Plan a meeting")
        self.client.force_login(self.data_manager)
        self.assertContains(self.client.get(reverse("meetings:list")), other.title)

    def test_it_refuses_partners_oversight_and_anonymous(self):
        for user in (self.partner, self.oversight, self.admin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(reverse("meetings:list")).status_code, 403)
        self.client.logout()
        response = self.client.get(reverse("meetings:list"))
        self.assertRedirects(response, f"{reverse('login')}?next={reverse('meetings:list')}")

    def test_outsiders_do_not_see_other_teams_meetings(self):
        self.client.force_login(self.outsider)
        self.assertNotContains(self.client.get(reverse("meetings:list")), self.meeting.title)

    def test_its_query_count_is_pinned(self):
        for number in range(5):
            meeting = Meeting.objects.create(
                team=self.team, title=f"Extra {number}", starts_at=self.meeting.starts_at
            )
            Attendance.objects.create(meeting=meeting, user=self.reviewer)
        self.client.force_login(self.reviewer)
        with self.assertNumQueries(LIST_QUERIES):
            self.client.get(reverse("meetings:list"))

    def test_past_meetings_come_fifty_a_page(self):
        past = self.meeting.starts_at - timedelta(days=400)
        for number in range(55):
            Meeting.objects.create(
                team=self.team,
                title=f"Past review {number:02}",
                starts_at=past + timedelta(days=number),
            )
        Meeting.objects.create(
            team=self.team,
            title="Review next month",
            starts_at=timezone.now() + timedelta(days=30),
        )
        self.client.force_login(self.coordinator)
        first = self.client.get(reverse("meetings:list"))
        self.assertContains(first, "Past review 54")
        self.assertNotContains(first, "Past review 04")
        self.assertContains(first, "Page 1 of 2")
        with self.assertNumQueries(LIST_QUERIES):
            second = self.client.get(reverse("meetings:list"), {"page": "2"})
        self.assertContains(second, "Past review 04")
        self.assertNotContains(second, "Past review 54")
        self.assertContains(second, "Review next month")  # coming up: on every page
        for page in ("abc", "99"):
            self.assertEqual(
                self.client.get(reverse("meetings:list"), {"page": page}).status_code, 200
            )


class MeetingPlanTestCase(MeetingsTestCase):
    def form(self, **overrides):
        data = {
            "team": self.team.pk,
            "title": "January review",
            "kind": "case_review",
            "starts_at": "2027-01-14T13:00",
            "place": "Room 2",
            "video_link": "",
        }
        return {**data, **overrides}

    def test_a_facilitator_plans_a_meeting_with_history(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(reverse("meetings:new"), self.form())
        meeting = Meeting.objects.get(title="January review")
        self.assertRedirects(response, self.url("detail", meeting))
        self.assertEqual(meeting.status, "planned")
        self.assertEqual(meeting.history.count(), 1)
        self.assertEqual(meeting.history.first().history_user, self.facilitator)

    def test_bad_input_is_explained_and_nothing_is_saved(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(
            reverse("meetings:new"), self.form(place="", starts_at="next week")
        )
        self.assertContains(response, "Give a place or a video link.")
        self.assertContains(response, "Enter a valid date/time.")
        self.assertFalse(Meeting.objects.filter(title="January review").exists())

    def test_it_refuses_another_teams_team_and_members(self):
        self.client.force_login(self.outsider)
        self.client.post(reverse("meetings:new"), self.form())
        self.assertFalse(Meeting.objects.filter(title="January review").exists())
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.post(reverse("meetings:new"), self.form()).status_code, 403)

    def test_minutes_never_name_a_decedent(self):
        self.client.force_login(self.facilitator)
        data = self.form(minutes="We discussed Jordan's release.", opened_version=1)
        del data["team"]
        response = self.client.post(self.url("edit"), data)
        self.assertContains(response, "may identify a decedent")
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.minutes, "")
        data["minutes"] = "Three cases reviewed; jail release was a theme."
        self.assertEqual(self.client.post(self.url("edit"), data).status_code, 302)
        self.meeting.refresh_from_db()
        self.assertIn("jail release", self.meeting.minutes)

    def test_a_public_summary_names_no_case_and_carries_none(self):
        summary = Meeting.objects.create(
            team=self.team,
            title="Public summary",
            kind="public_summary",
            starts_at=self.meeting.starts_at,
        )
        self.client.force_login(self.coordinator)
        data = self.form(
            kind="public_summary", minutes="RIV-2025-001 was discussed.", opened_version=1
        )
        del data["team"]
        response = self.client.post(self.url("edit", summary), data)
        self.assertContains(response, "A public summary cannot refer to a case")
        case = ready_case(self.team, "RIV-2025-050")
        response = self.client.post(self.url("add_agenda_case", summary), {"case": case.code})
        self.assertContains(response, "public-summary meeting carries no cases", status_code=400)
        self.assertFalse(summary.agenda_items.exists())
        # A case-review meeting with cases cannot become a public summary.
        data = self.form(kind="public_summary", minutes="", opened_version=1)
        del data["team"]
        response = self.client.post(self.url("edit"), data)
        self.assertContains(response, "take the cases off the agenda first")


class MeetingDetailTestCase(MeetingsTestCase):
    def test_signed_attendees_get_links_to_the_cases(self):
        self.client.force_login(self.officer)
        response = self.client.get(self.url("detail"))
        self.assertContains(response, reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "Opening remarks and introductions")
        self.assertContains(response, "Get my packet")
        self.assertNotContains(response, "Change status")

    def test_managers_see_the_roster_with_signatures(self):
        newcomer = make_member("newcomer", self.team, Role.MEMBER)
        Attendance.objects.create(meeting=self.meeting, user=newcomer)
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url("detail"))
        self.assertContains(response, "4 on the roster, 3 signed")
        self.assertContains(response, "Not signed")
        self.assertContains(response, "Facilitator mode")

    def test_outsiders_get_404_and_anonymous_the_sign_in_page(self):
        for user in (self.outsider, self.partner, self.oversight, self.admin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url("detail")).status_code, 404)
        self.client.logout()
        self.assertRedirects(
            self.client.get(self.url("detail")), f"{reverse('login')}?next={self.url('detail')}"
        )

    def test_its_query_count_is_pinned_and_does_not_grow(self):
        self.client.force_login(self.facilitator)
        self.client.get(self.url("detail"))
        with self.assertNumQueries(DETAIL_QUERIES):
            self.client.get(self.url("detail"))
        for number in range(4):
            AgendaItem.objects.create(
                meeting=self.meeting,
                case=ready_case(self.team, f"RIV-2025-{60 + number}"),
                position=2 + number,
            )
            user = make_member(f"extra{number}", self.team, Role.MEMBER)
            Attendance.objects.create(meeting=self.meeting, user=user)
            self.make_copy(user, number=number + 1)
        with self.assertNumQueries(DETAIL_QUERIES):
            self.client.get(self.url("detail"))


class SignatureGatingTestCase(MeetingsTestCase):
    def setUp(self):
        self.member = make_member("newmember", self.team, Role.MEMBER, self.health)
        self.member.last_name = "Member"
        self.member.save()
        self.attendance = Attendance.objects.create(meeting=self.meeting, user=self.member)
        self.case_url = reverse("cases:detail", args=[self.case.code])

    def test_an_unsigned_attendee_cannot_open_the_cases_until_signing(self):
        self.client.force_login(self.member)
        self.assertEqual(self.client.get(self.case_url).status_code, 404)
        response = self.client.get(self.url("detail"))
        self.assertContains(response, "Sign the confidentiality agreement")
        self.assertNotContains(response, self.case_url)
        response = self.client.post(
            self.url("sign"),
            {"typed_name": "Newmember Member", "confirm": "on"},
            REMOTE_ADDR="10.1.2.3",
        )
        self.assertRedirects(response, self.url("detail"))
        signature = Signature.objects.get(attendance=self.attendance)
        agreement = ConfidentialityAgreement.current(self.team)
        self.assertEqual(signature.ip_address, "10.1.2.3")
        self.assertEqual(signature.agreement, agreement)
        self.assertEqual(signature.text_sha256, agreement.sha256)
        self.assertEqual(signature.history.count(), 1)
        self.assertEqual(self.client.get(self.case_url).status_code, 200)
        self.assertIn(self.case, cases_for_user(self.member))

    def test_the_home_page_reminds_an_unsigned_attendee(self):
        self.client.force_login(self.member)
        response = self.client.get(reverse("home"))
        self.assertContains(response, "Your meetings")
        self.assertContains(response, "agreement not signed yet")
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("home"))
        self.assertContains(response, self.meeting.title)
        self.assertNotContains(response, "agreement not signed yet")

    def test_the_home_page_leaves_out_meetings_of_a_team_the_person_has_left(self):
        membership = Membership.objects.get(user=self.member, team=self.team)
        membership.ends_on = timezone.localdate() - timedelta(days=1)
        membership.save()
        self.client.force_login(self.member)
        response = self.client.get(reverse("home"))
        self.assertNotContains(response, self.meeting.title)
        self.assertEqual(self.client.get(self.url("detail")).status_code, 404)

    def test_a_wrong_name_or_no_confirmation_signs_nothing(self):
        self.client.force_login(self.member)
        response = self.client.post(
            self.url("sign"), {"typed_name": "Someone Else", "confirm": "on"}
        )
        self.assertContains(response, "Type your full name exactly", status_code=400)
        response = self.client.post(self.url("sign"), {"typed_name": "Newmember Member"})
        self.assertContains(response, "Tick the box", status_code=400)
        self.assertFalse(Signature.objects.filter(attendance=self.attendance).exists())

    def test_a_second_signature_is_refused(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(self.url("sign"), {"typed_name": "Reviewer", "confirm": "on"})
        self.assertContains(response, "already signed", status_code=400)
        self.assertEqual(Signature.objects.filter(attendance__user=self.reviewer).count(), 1)

    def test_someone_not_on_the_roster_cannot_sign(self):
        self.client.force_login(self.data_manager)
        response = self.client.post(
            self.url("sign"), {"typed_name": "Datamanager", "confirm": "on"}
        )
        self.assertContains(response, "not on this meeting&#x27;s roster", status_code=400)
        self.assertFalse(Signature.objects.filter(attendance__user=self.data_manager).exists())

    def test_a_signature_keeps_the_version_it_signed(self):
        ConfidentialityAgreement.current(self.team)
        self.client.force_login(self.coordinator)
        url = reverse("meetings:edit_agreement", kwargs={"team": self.team.code})
        response = self.client.post(url, {"text": "A new agreement text."})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(ConfidentialityAgreement.current(self.team).version, 2)
        self.assertEqual(Signature.objects.get(attendance__user=self.reviewer).agreement.version, 1)
        response = self.client.post(url, {"text": "A new agreement text."})
        self.assertContains(response, "same as the current version", status_code=400)
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(url).status_code, 404)


class AgendaTestCase(MeetingsTestCase):
    def test_a_ready_case_goes_on_the_agenda_in_order(self):
        case = ready_case(self.team, "RIV-2025-070")
        self.client.force_login(self.coordinator)
        response = self.client.post(self.url("add_agenda_case"), {"case": case.code})
        self.assertRedirects(response, self.url("detail"))
        item = AgendaItem.objects.get(meeting=self.meeting, case=case)
        self.assertEqual(item.position, 2)
        self.assertEqual(item.history.first().history_user, self.coordinator)

    def test_it_refuses_a_case_not_ready_or_of_another_team_or_twice(self):
        self.client.force_login(self.coordinator)
        identified = Case.objects.create(team=self.team, reference="RIV-2025-071")
        response = self.client.post(self.url("add_agenda_case"), {"case": identified.code})
        self.assertContains(response, "only cases that are ready for review", status_code=400)
        self.other_case.status = "ready_for_review"
        self.other_case.save()
        response = self.client.post(self.url("add_agenda_case"), {"case": self.other_case.code})
        self.assertContains(response, "not one of this team&#x27;s cases", status_code=400)
        response = self.client.post(self.url("add_agenda_case"), {"case": self.case.code})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.meeting.agenda_items.count(), 1)

    def test_the_add_page_shows_why_other_cases_wait(self):
        Case.objects.create(
            team=self.team,
            reference="RIV-2025-072",
            status="deferred",
            deferral_reason="active_investigation",
        )
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("add_agenda_case"))
        self.assertContains(response, "RIV-2025-072")
        self.assertContains(response, "Deferred")

    def test_cases_move_and_come_off_the_agenda(self):
        second = AgendaItem.objects.create(
            meeting=self.meeting, case=ready_case(self.team, "RIV-2025-073"), position=2
        )
        self.client.force_login(self.facilitator)
        self.client.post(self.url("move_agenda_case", item=second.pk), {"direction": "up"})
        second.refresh_from_db()
        self.assertEqual(second.position, 1)
        self.client.post(self.url("remove_agenda_case", item=second.pk))
        self.assertFalse(AgendaItem.objects.filter(pk=second.pk).exists())
        self.assertEqual(AgendaItem.history.filter(id=second.pk, history_type="-").count(), 1)

    def test_members_may_not_change_the_agenda(self):
        case = ready_case(self.team, "RIV-2025-074")
        self.client.force_login(self.reviewer)
        response = self.client.post(self.url("add_agenda_case"), {"case": case.code})
        self.assertEqual(response.status_code, 403)
        self.client.force_login(self.outsider)
        response = self.client.post(self.url("add_agenda_case"), {"case": case.code})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(AgendaItem.objects.filter(case=case).exists())


class GuestTestCase(MeetingsTestCase):
    def test_a_guest_sees_the_meetings_cases_after_signing_until_it_closes(self):
        guest = make_user("visitor", last_name="Guest", email="visitor@example.org")
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url("add_attendee"),
            {"form": "guest", "account": "visitor@example.org", "kind": "guest"},
        )
        self.assertRedirects(response, self.url("detail") + "#roster")
        attendance = Attendance.objects.get(meeting=self.meeting, user=guest)
        membership = attendance.guest_membership
        self.assertEqual(membership.role, Role.GUEST)
        case_url = reverse("cases:detail", args=[self.case.code])

        self.client.force_login(guest)
        self.assertEqual(self.client.get(case_url).status_code, 404)  # not signed yet
        self.client.post(self.url("sign"), {"typed_name": "Visitor Guest", "confirm": "on"})
        response = self.client.get(case_url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, PART2_TEXT)  # guests get no sensitive category

        self.move_meeting("in_session", "adjourned", "closed")
        attendance.refresh_from_db()
        self.assertIsNotNone(attendance.access_revoked_at)
        self.assertIn("guest access revoked", attendance.history.first().history_change_reason)
        membership.refresh_from_db()
        self.assertIsNotNone(membership.ends_on)
        self.assertEqual(self.client.get(case_url).status_code, 404)
        self.assertNotIn(self.case, cases_for_user(guest))

    def test_it_refuses_an_unknown_account_or_a_team_member_as_guest(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url("add_attendee"), {"form": "guest", "account": "nobody", "kind": "guest"}
        )
        self.assertContains(response, "No active account", status_code=400)
        response = self.client.post(
            self.url("add_attendee"), {"form": "guest", "account": "datamanager", "kind": "guest"}
        )
        self.assertContains(response, "add them as a team member", status_code=400)
        self.assertFalse(Membership.objects.filter(role=Role.GUEST).exists())

    def test_team_members_go_on_the_roster_and_unsigned_ones_come_off(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            self.url("add_attendee"), {"form": "members", "users": [self.data_manager.pk]}
        )
        self.assertEqual(response.status_code, 302)
        attendance = Attendance.objects.get(meeting=self.meeting, user=self.data_manager)
        self.client.post(self.url("remove_attendee", attendance=attendance.pk))
        self.assertFalse(Attendance.objects.filter(pk=attendance.pk).exists())
        signed = Attendance.objects.get(meeting=self.meeting, user=self.reviewer)
        self.client.post(self.url("remove_attendee", attendance=signed.pk))
        self.assertTrue(Attendance.objects.filter(pk=signed.pk).exists())


class MeetingStatusTestCase(MeetingsTestCase):
    def post_status(self, status: str, note: str = ""):
        self.meeting.refresh_from_db()
        return self.client.post(
            self.url("status"),
            {"status": status, "note": note, "opened_version": self.meeting.version},
        )

    def test_a_meeting_with_copies_outstanding_closes_only_with_a_reason(self):
        copy = self.make_copy(self.reviewer)
        self.client.force_login(self.facilitator)
        self.assertEqual(self.post_status("in_session").status_code, 302)
        self.assertEqual(self.post_status("adjourned").status_code, 302)
        response = self.post_status("closed")
        self.assertContains(response, "1 packet copy is still outstanding", status_code=400)
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.status, "adjourned")
        response = self.post_status("closed", "Reviewer left early; copy to be returned by mail.")
        self.assertEqual(response.status_code, 302)
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.status, "closed")
        self.assertIn("Reviewer left early", self.meeting.closing_note)
        copy.refresh_from_db()
        self.assertFalse(copy.file)  # the electronic copy is deleted; the row stays
        self.assertEqual(copy.sha256, "")  # (this test copy had none)

    def test_collected_copies_let_the_meeting_close_silently(self):
        copy = self.make_copy(self.reviewer)
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url("dispose_copy", copy=copy.code), {"disposition": "collected"}
        )
        copy.refresh_from_db()
        self.assertEqual(copy.disposition, "outstanding")  # not before adjournment
        self.move_meeting("in_session", "adjourned")
        response = self.client.post(
            self.url("dispose_copy", copy=copy.code), {"disposition": "collected"}
        )
        self.assertRedirects(response, self.url("detail") + "#copies")
        copy.refresh_from_db()
        self.assertEqual(copy.disposition, "collected")
        self.assertEqual(copy.disposition_by, self.facilitator)
        self.assertEqual(copy.history.first().history_change_reason, "Copy 1: collected")
        self.assertEqual(self.post_status("closed").status_code, 302)

    def test_a_stale_form_or_a_wrong_move_changes_nothing(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(
            self.url("status"), {"status": "in_session", "opened_version": 99}
        )
        self.assertEqual(response.status_code, 409)
        response = self.post_status("closed")
        self.assertEqual(response.status_code, 400)
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.status, "planned")

    def test_members_and_outsiders_cannot_change_it(self):
        self.client.force_login(self.reviewer)
        self.assertEqual(self.post_status("in_session").status_code, 403)
        self.client.force_login(self.outsider)
        self.assertEqual(self.post_status("in_session").status_code, 404)
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.status, "planned")


class SignInSheetAndHistoryTestCase(MeetingsTestCase):
    def test_the_sign_in_sheet_lists_the_roster_for_managers(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("sign_in_sheet"))
        self.assertContains(response, "Officer")
        self.assertContains(response, "version 1")
        self.assertContains(response, ConfidentialityAgreement.current(self.team).sha256)
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(self.url("sign_in_sheet")).status_code, 403)

    def test_the_history_merges_the_meeting_records(self):
        self.client.force_login(self.facilitator)
        self.move_meeting("in_session")
        response = self.client.get(self.url("history"))
        self.assertContains(response, "Status: In session")
        self.assertContains(response, "Signature")
        self.assertContains(response, "Roster")
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get(self.url("history")).status_code, 403)


class GatingTestCase(MeetingsTestCase):
    def test_a_member_sees_only_cases_of_signed_meetings(self):
        other = ready_case(self.team, "RIV-2025-080")
        self.assertNotIn(other, cases_for_user(self.reviewer))
        planned = Meeting.objects.create(
            team=self.team, title="Later", starts_at=datetime(2027, 1, 1, tzinfo=UTC)
        )
        AgendaItem.objects.create(meeting=planned, case=other, position=1)
        attendance = Attendance.objects.create(meeting=planned, user=self.reviewer)
        self.assertNotIn(other, cases_for_user(self.reviewer))
        attendance.sign(typed_name="Reviewer", confirmed=True)
        self.assertIn(other, cases_for_user(self.reviewer))
        # Coordinators and facilitators prepare the review: no signature needed.
        self.assertIn(other, cases_for_user(self.coordinator))
        self.assertIn(other, cases_for_user(self.facilitator))


class RecommendationsSinceLastMeetingTestCase(MeetingsTestCase):
    def test_the_meeting_and_its_packet_show_open_recommendations_since_the_last_meeting(self):
        from meetings.packets import packet_html, previous_meeting_day
        from recommendations.access import open_recommendations

        earlier = Meeting.objects.create(
            team=self.team, title="Earlier", starts_at=datetime(2026, 9, 1, 14, tzinfo=UTC)
        )
        self.assertEqual(previous_meeting_day(self.meeting), date(2026, 9, 1))
        self.assertIsNone(previous_meeting_day(earlier))
        self.recommendation.add_update(
            by=self.coordinator,
            new_status="in_progress",
            narrative="Kits ordered for the jail.",
            reported_on=date(2026, 10, 1),
        )
        self.sheriff_recommendation.add_update(
            by=self.coordinator, new_status="no_longer_applicable", narrative="x", reason="Moot"
        )
        rows = open_recommendations(self.coordinator, self.team, date(2026, 9, 1))
        self.assertEqual([row.recommendation for row in rows], [self.recommendation])
        self.assertEqual(
            [u.narrative for u in rows[0].updates_since],
            ["Kits ordered for the jail.", "Adopted at the meeting."],  # by date reported
        )
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("detail"))
        self.assertContains(response, "Recommendations: status since the last meeting")
        self.assertContains(response, "(Adopted → In progress): Kits ordered for the jail.")
        self.assertNotContains(response, self.sheriff_recommendation.title)
        html = packet_html(
            team=self.team,
            cases=[],
            recipient=self.reviewer,
            viewers={},
            copy_number=1,
            prepared_on=date(2026, 12, 1),
            recommendations_since=date(2026, 9, 1),
        )
        self.assertIn("Kits ordered for the jail.", html)
        self.assertIn("since the last meeting (2026-09-01)", html)


class AgendaOtherCasesTestCase(MeetingsTestCase):
    """The agenda page's list of the team's other open cases (excluded and
    deferred among them) gives the month of death, never the exact date."""

    def test_it_shows_month_and_year_only(self):
        excluded = Case.objects.create(team=self.team, reference="RIV-2025-060")
        excluded.death.date_of_death = date(2025, 8, 17)
        excluded.death.save()
        excluded.move_to("excluded", by=self.coordinator, exclusion_reason="duplicate")
        deferred = Case.objects.create(team=self.team, reference="RIV-2025-061")
        deferred.death.date_of_death = date(2024, 12, 5)
        deferred.death.save()
        deferred.move_to("deferred", by=self.coordinator, deferral_reason="active_investigation")
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("add_agenda_case"))
        self.assertContains(response, '<td data-label="Month of death">August 2025</td>')
        self.assertContains(response, '<td data-label="Month of death">December 2024</td>')
        self.assertContains(response, "Duplicate of another case")
        body = response.content.decode()
        for exact in ("2025-08-17", "2024-12-05", "08/17", "12/05", "August 17", "Dec. 5"):
            self.assertNotIn(exact, body)
        self.assertNotIn("2025-03-01", body)  # the cast's case, on the agenda already

    def test_its_queries_do_not_grow_with_the_cases(self):
        self.client.force_login(self.coordinator)
        url = self.url("add_agenda_case")
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for n in range(3):
            case = Case.objects.create(team=self.team, reference=f"RIV-2025-07{n}")
            case.move_to("excluded", by=self.coordinator, exclusion_reason="other")
        with self.assertNumQueries(len(before.captured_queries)):
            self.client.get(url)

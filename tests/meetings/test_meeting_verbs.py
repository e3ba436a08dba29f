"""The meeting verbs called directly: what they change, the history rows they
leave and the errors they raise, keyed by the form field they belong to."""

from unittest import mock

from django.core.exceptions import ValidationError

from cases.models import Case, CaseUserObjectPermission
from meetings.models import AgendaItem, Attendance, Meeting
from ofr.models import Membership
from ofr.roles import Role
from tests.base import OFRTestCase, make_user


def ready_case(team, reference: str) -> Case:
    return Case.objects.create(team=team, reference=reference, status="ready_for_review")


class MeetingVerbsTestCase(OFRTestCase):
    def close_meeting(self) -> None:
        for status in ("in_session", "adjourned", "closed"):
            self.meeting.move_to(status, by=self.facilitator)

    def invite(self, username: str = "guest") -> Attendance:
        guest = make_user(username)
        return Attendance.invite_guest(self.meeting, guest, kind="guest", by=self.coordinator)

    def has_grant(self, user, case: Case) -> bool:
        return CaseUserObjectPermission.objects.filter(user=user, content_object=case).exists()


class OpenMeetingsTestCase(MeetingVerbsTestCase):
    def test_open_leaves_out_closed_meetings(self):
        other = Meeting.objects.create(
            team=self.team, title="Later review", starts_at=self.meeting.starts_at
        )
        self.assertEqual(set(Meeting.objects.open()), {self.meeting, other})
        self.close_meeting()
        self.assertEqual(list(Meeting.objects.open()), [other])


class AddToAgendaTestCase(MeetingVerbsTestCase):
    def test_it_puts_the_case_last_with_history_and_grants_the_guests(self):
        attendance = self.invite()
        case = ready_case(self.team, "RIV-2025-080")
        item = self.meeting.add_to_agenda(case, by=self.coordinator)
        self.assertEqual((item.meeting, item.case, item.position), (self.meeting, case, 2))
        row = item.history.get()
        self.assertEqual(
            (row.history_user, row.history_change_reason),
            (self.coordinator, "Case RIV-2025-080 put on the agenda"),
        )
        self.assertTrue(self.has_grant(attendance.user, case))
        self.assertFalse(self.has_grant(self.reviewer, case))  # members need no grant

    def test_it_refuses_a_case_that_is_not_ready(self):
        case = Case.objects.create(team=self.team, reference="RIV-2025-081")
        with self.assertRaises(ValidationError) as refused:
            self.meeting.add_to_agenda(case, by=self.coordinator)
        self.assertEqual(list(refused.exception.message_dict), ["case"])
        self.assertIn("only cases that are ready for review", refused.exception.messages[0])
        self.assertFalse(AgendaItem.objects.filter(case=case).exists())

    def test_it_refuses_a_case_already_on_the_agenda(self):
        self.case.status = "ready_for_review"
        self.case.save()
        with self.assertRaises(ValidationError) as refused:
            self.meeting.add_to_agenda(self.case, by=self.coordinator)
        self.assertEqual(
            refused.exception.message_dict,
            {"case": ["Case RIV-2025-001 is already on the agenda."]},
        )

    def test_a_race_to_the_agenda_is_refused_the_same_way(self):
        self.case.status = "ready_for_review"
        self.case.save()
        # The other request's item lands between the check and the save.
        with mock.patch("meetings.models.check_agenda_case"):
            with self.assertRaises(ValidationError) as refused:
                self.meeting.add_to_agenda(self.case, by=self.coordinator)
        self.assertEqual(
            refused.exception.message_dict,
            {"case": ["Case RIV-2025-001 is already on the agenda."]},
        )
        self.assertEqual(self.meeting.agenda_items.count(), 1)

    def test_it_refuses_another_teams_case_and_a_closed_meeting(self):
        self.other_case.status = "ready_for_review"
        self.other_case.save()
        with self.assertRaises(ValidationError) as refused:
            self.meeting.add_to_agenda(self.other_case, by=self.coordinator)
        self.assertEqual(
            refused.exception.message_dict, {"case": ["That case belongs to another team."]}
        )
        case = ready_case(self.team, "RIV-2025-082")
        self.close_meeting()
        with self.assertRaises(ValidationError) as refused:
            self.meeting.add_to_agenda(case, by=self.coordinator)
        self.assertEqual(
            refused.exception.message_dict,
            {"case": ["The meeting is closed; its agenda cannot change."]},
        )

    def test_a_public_summary_carries_no_cases(self):
        summary = Meeting.objects.create(
            team=self.team,
            title="Annual summary",
            kind="public_summary",
            starts_at=self.meeting.starts_at,
        )
        with self.assertRaises(ValidationError) as refused:
            summary.add_to_agenda(ready_case(self.team, "RIV-2025-083"), by=self.coordinator)
        self.assertIn("carries no cases", refused.exception.message_dict["case"][0])


class MoveOnAgendaTestCase(MeetingVerbsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.first = AgendaItem.objects.get(meeting=cls.meeting, case=cls.case)
        cls.second = AgendaItem.objects.create(
            meeting=cls.meeting, case=ready_case(cls.team, "RIV-2025-084"), position=2
        )

    def positions(self) -> list[int]:
        return list(self.meeting.agenda_items.order_by("position").values_list("pk", flat=True))

    def test_it_swaps_neighbours_with_a_history_row_each(self):
        self.meeting.move_on_agenda(self.second, "up", by=self.facilitator)
        self.assertEqual(self.positions(), [self.second.pk, self.first.pk])
        for item in (self.first, self.second):
            row = item.history.first()
            self.assertEqual(
                (row.history_user, row.history_change_reason),
                (self.facilitator, "Agenda reordered"),
            )

    def test_at_either_end_nothing_moves(self):
        self.meeting.move_on_agenda(self.first, "up", by=self.facilitator)
        self.meeting.move_on_agenda(self.second, "down", by=self.facilitator)
        self.assertEqual(self.positions(), [self.first.pk, self.second.pk])
        self.assertEqual(AgendaItem.history.filter(history_type="~").count(), 0)

    def test_it_refuses_a_bad_direction_and_a_closed_meeting(self):
        with self.assertRaises(ValidationError) as refused:
            self.meeting.move_on_agenda(self.second, "sideways", by=self.facilitator)
        self.assertEqual(list(refused.exception.message_dict), ["direction"])
        self.close_meeting()
        with self.assertRaisesMessage(ValidationError, "its agenda cannot change"):
            self.meeting.move_on_agenda(self.second, "up", by=self.facilitator)
        self.assertEqual(self.positions(), [self.first.pk, self.second.pk])

    def test_an_item_of_another_meeting_is_a_mistake(self):
        other = Meeting.objects.create(
            team=self.team, title="Later review", starts_at=self.meeting.starts_at
        )
        with self.assertRaises(ValueError):
            other.move_on_agenda(self.second, "up", by=self.facilitator)


class RemoveFromAgendaTestCase(MeetingVerbsTestCase):
    def test_it_takes_the_case_off_with_history_and_ends_guest_grants(self):
        attendance = self.invite()
        item = self.meeting.agenda_items.get(case=self.case)
        item_id = item.pk  # deleting clears it
        self.assertTrue(self.has_grant(attendance.user, self.case))
        self.meeting.remove_from_agenda(item, by=self.coordinator)
        self.assertFalse(self.meeting.agenda_items.exists())
        row = AgendaItem.history.get(id=item_id, history_type="-")
        self.assertEqual(
            (row.history_user, row.history_change_reason),
            (self.coordinator, "Case RIV-2025-001 taken off the agenda"),
        )
        self.assertFalse(self.has_grant(attendance.user, self.case))

    def test_a_guest_invited_to_another_open_meeting_keeps_the_grant(self):
        attendance = self.invite()
        other = Meeting.objects.create(
            team=self.team, title="Later review", starts_at=self.meeting.starts_at
        )
        AgendaItem.objects.create(meeting=other, case=self.case, position=1)
        Attendance.objects.create(meeting=other, user=attendance.user, kind="guest")
        self.meeting.remove_from_agenda(
            self.meeting.agenda_items.get(case=self.case), by=self.coordinator
        )
        self.assertTrue(self.has_grant(attendance.user, self.case))

    def test_a_reviewed_case_stays(self):
        item = self.meeting.agenda_items.get(case=self.case)
        item.reviewed_at = self.meeting.starts_at
        item.save()
        with self.assertRaises(ValidationError) as refused:
            self.meeting.remove_from_agenda(item, by=self.coordinator)
        self.assertEqual(
            refused.exception.messages, ["A reviewed case stays on the agenda of its meeting."]
        )
        self.assertTrue(AgendaItem.objects.filter(pk=item.pk).exists())

    def test_a_closed_meetings_agenda_stays(self):
        item = self.meeting.agenda_items.get(case=self.case)
        self.close_meeting()
        with self.assertRaises(ValidationError) as refused:
            self.meeting.remove_from_agenda(item, by=self.coordinator)
        self.assertEqual(
            refused.exception.messages, ["The meeting is closed; its agenda cannot change."]
        )
        self.assertTrue(AgendaItem.objects.filter(pk=item.pk).exists())


class AddAttendeesTestCase(MeetingVerbsTestCase):
    def test_it_puts_members_on_the_roster_with_history(self):
        added = self.meeting.add_attendees(
            [self.coordinator, self.data_manager], by=self.coordinator
        )
        self.assertEqual([a.user for a in added], [self.coordinator, self.data_manager])
        for attendance in added:
            self.assertEqual((attendance.kind, attendance.added_by), ("member", self.coordinator))
            row = attendance.history.get()
            self.assertEqual((row.history_user, row.history_type), (self.coordinator, "+"))

    def test_someone_already_on_the_roster_stops_the_lot(self):
        with self.assertRaises(ValidationError) as refused:
            self.meeting.add_attendees([self.data_manager, self.reviewer], by=self.coordinator)
        self.assertEqual(
            refused.exception.message_dict, {"users": ["Reviewer is already on the roster."]}
        )
        self.assertFalse(self.meeting.attendances.filter(user=self.data_manager).exists())

    def test_a_closed_meetings_roster_stays(self):
        self.close_meeting()
        with self.assertRaises(ValidationError) as refused:
            self.meeting.add_attendees([self.data_manager], by=self.coordinator)
        self.assertEqual(
            refused.exception.messages, ["The meeting is closed; its roster cannot change."]
        )
        self.assertFalse(self.meeting.attendances.filter(user=self.data_manager).exists())


class InviteGuestTestCase(MeetingVerbsTestCase):
    def test_a_guest_invited_twice_is_refused_and_nothing_changes(self):
        attendance = self.invite()
        membership = Membership.objects.get(user=attendance.user, role=Role.GUEST)
        history = membership.history.count()
        with self.assertRaises(ValidationError) as refused:
            Attendance.invite_guest(
                self.meeting, attendance.user, kind="observer", by=self.coordinator
            )
        self.assertEqual(
            refused.exception.message_dict, {"account": ["That person is already on the roster."]}
        )
        self.assertEqual(membership.history.count(), history)
        self.assertEqual(self.meeting.attendances.filter(user=attendance.user).count(), 1)

    def test_a_closed_meeting_takes_no_guests(self):
        self.close_meeting()
        guest = make_user("late")
        with self.assertRaisesMessage(ValidationError, "its roster cannot change"):
            Attendance.invite_guest(self.meeting, guest, kind="guest", by=self.coordinator)
        self.assertFalse(Membership.objects.filter(user=guest).exists())


class MarkReviewedTestCase(MeetingVerbsTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for status in ("selected", "summary_in_preparation", "ready_for_review"):
            cls.case.move_to(status, by=cls.coordinator)
        cls.item = AgendaItem.objects.get(meeting=cls.meeting, case=cls.case)

    def test_it_moves_the_case_to_reviewed_and_marks_the_item(self):
        self.item.mark_reviewed(by=self.facilitator)
        self.assertIsNotNone(self.item.reviewed_at)
        self.assertEqual((self.item.reviewed_by, self.item.version), (self.facilitator, 2))
        self.item.refresh_from_db()
        self.assertEqual((self.item.reviewed_by, self.item.version), (self.facilitator, 2))
        row = self.item.history.first()
        self.assertEqual(
            (row.history_user, row.history_change_reason), (self.facilitator, "Marked reviewed")
        )
        self.case.refresh_from_db()
        self.assertEqual(self.case.status, "reviewed")
        self.assertEqual(
            self.case.history.first().history_change_reason,
            "Status: Reviewed (Reviewed at Riverside case review)",
        )

    def test_a_case_already_reviewed_is_only_marked(self):
        self.case.move_to("reviewed", by=self.coordinator)
        history = self.case.history.count()
        self.item.mark_reviewed(by=self.facilitator)
        self.assertEqual(self.case.history.count(), history)
        self.item.refresh_from_db()
        self.assertIsNotNone(self.item.reviewed_at)

    def test_twice_is_refused(self):
        self.item.mark_reviewed(by=self.facilitator)
        stale = AgendaItem.objects.get(pk=self.item.pk)
        stale.reviewed_at = None  # another screen opened before the first mark
        with self.assertRaisesMessage(
            ValidationError, "Case RIV-2025-001 is already marked reviewed."
        ):
            stale.mark_reviewed(by=self.coordinator)
        self.item.refresh_from_db()
        self.assertEqual((self.item.reviewed_by, self.item.version), (self.facilitator, 2))

    def test_a_case_that_cannot_move_to_reviewed_is_left_alone(self):
        self.case.move_to("summary_in_preparation", by=self.coordinator)
        with self.assertRaisesMessage(ValidationError, "cannot move to reviewed"):
            self.item.mark_reviewed(by=self.facilitator)
        self.item.refresh_from_db()
        self.assertIsNone(self.item.reviewed_at)
        self.assertEqual(self.item.history.count(), 1)

    def test_a_closed_meeting_refuses_it(self):
        self.close_meeting()
        self.item.meeting = self.meeting
        with self.assertRaisesMessage(ValidationError, "The meeting is closed"):
            self.item.mark_reviewed(by=self.facilitator)
        self.item.refresh_from_db()
        self.assertIsNone(self.item.reviewed_at)

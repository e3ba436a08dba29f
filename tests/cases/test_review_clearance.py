"""Review members see a case once cleared for its review; the rule is the
meetings app's, named by CASE_REVIEW_CLEARANCE. Without it nobody is cleared."""

from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cases.access import case_permissions, cases_for_user
from cases.checks import review_clearance_loads
from cases.models import Case
from meetings.models import AgendaItem, Attendance, ReviewClearance
from tests.base import OFRTestCase


class ReviewClearanceTestCase(OFRTestCase):
    def test_a_signed_member_is_cleared_by_the_meetings_rule(self):
        self.assertIn(self.case, cases_for_user(self.reviewer))
        self.assertIn("view_case", case_permissions(self.reviewer, self.case))

    def test_without_a_clearance_rule_no_member_is_cleared(self):
        with override_settings(CASE_REVIEW_CLEARANCE=""):
            self.assertNotIn(self.case, cases_for_user(self.reviewer))
            self.assertEqual(case_permissions(self.reviewer, self.case), frozenset())
            # Those who prepare the review need no clearance.
            self.assertIn(self.case, cases_for_user(self.coordinator))
        self.assertIn(self.case, cases_for_user(self.reviewer))

    def test_a_rule_that_cannot_be_loaded_is_reported_at_startup(self):
        self.assertEqual(review_clearance_loads(None), [])
        with override_settings(CASE_REVIEW_CLEARANCE="meetings.access.NoSuchRule"):
            errors = review_clearance_loads(None)
        self.assertEqual([error.id for error in errors], ["cases.E001"])
        self.assertIn("NoSuchRule", errors[0].msg)


class ClearanceRowsTestCase(OFRTestCase):
    """The clearance rows follow every change of signatures, agendas and meetings."""

    def rows(self, user) -> dict[int, bool]:
        return dict(
            ReviewClearance.objects.filter(user=user).values_list("case_id", "meeting_open")
        )

    def assert_in_line(self) -> None:
        for user in (self.reviewer, self.officer, self.facilitator, self.coordinator):
            self.assertEqual(self.rows(user), ReviewClearance.expected(user.pk), user)

    def second_case(self) -> Case:
        case = Case.objects.create(team=self.team, reference="RIV-2025-002")
        case.status = Case.Status.READY_FOR_REVIEW
        case.save()
        return case

    def test_signing_clears_and_the_agenda_follows(self):
        self.assertEqual(self.rows(self.reviewer), {self.case.pk: True})
        case = self.second_case()
        self.assertNotIn(case, cases_for_user(self.reviewer))
        item = self.meeting.add_to_agenda(case, by=self.coordinator)
        self.assertEqual(self.rows(self.reviewer), {self.case.pk: True, case.pk: True})
        self.assertIn(case, cases_for_user(self.reviewer))
        self.meeting.remove_from_agenda(item, by=self.coordinator)
        self.assertNotIn(case, cases_for_user(self.reviewer))
        self.assert_in_line()

    def test_reordering_the_agenda_leaves_the_clearances_alone(self):
        second = self.meeting.add_to_agenda(self.second_case(), by=self.coordinator)
        with CaptureQueriesContext(connection) as queries:
            self.meeting.move_on_agenda(second, "up", by=self.coordinator)
        table = ReviewClearance._meta.db_table
        self.assertFalse([q for q in queries if table in q["sql"]])
        self.assert_in_line()

    def test_a_new_signature_clears_only_its_signer(self):
        partner_attendance = Attendance.objects.create(meeting=self.meeting, user=self.data_manager)
        self.assertEqual(self.rows(self.data_manager), {})
        partner_attendance.sign(typed_name=self.data_manager.get_full_name(), confirmed=True)
        self.assertEqual(self.rows(self.data_manager), {self.case.pk: True})
        self.assert_in_line()

    def test_closing_the_meeting_ends_what_it_clears_for_guests_only(self):
        for status in ("in_session", "adjourned", "closed"):
            self.meeting.move_to(status, by=self.coordinator)
        self.assertEqual(self.rows(self.reviewer), {self.case.pk: False})
        # Members stay cleared for a case they reviewed.
        self.assertIn(self.case, cases_for_user(self.reviewer))
        self.assert_in_line()

    def test_sync_clearances_rebuilds_lost_or_planted_rows(self):
        ReviewClearance.objects.filter(user=self.reviewer).delete()
        ReviewClearance.objects.create(user=self.partner, case=self.case, meeting_open=True)
        self.assertNotIn(self.case, cases_for_user(self.reviewer))
        with self.assertRaisesMessage(CommandError, "2 review clearance rows"):
            call_command("sync_clearances", stdout=StringIO())
        self.assertIn(self.case, cases_for_user(self.reviewer))
        self.assertEqual(self.rows(self.partner), {})
        out = StringIO()
        call_command("sync_clearances", stdout=out)
        self.assertIn("in line", out.getvalue())

    def test_the_migration_builds_the_same_rows(self):
        from importlib import import_module

        from django.apps import apps

        migration = import_module("meetings.migrations.0003_review_clearance")
        expected = {
            user.pk: self.rows(user)
            for user in (self.reviewer, self.officer, self.facilitator, self.coordinator)
        }
        ReviewClearance.objects.all().delete()
        migration.build_clearances(apps, None)
        for user_id, rows in expected.items():
            self.assertEqual(
                dict(
                    ReviewClearance.objects.filter(user_id=user_id).values_list(
                        "case_id", "meeting_open"
                    )
                ),
                rows,
            )

    def test_a_review_members_list_is_driven_by_their_clearances(self):
        # The member's branch names the clearance rows, not every case of the team
        # through the agendas: the list's count grows with what they may see.
        sql = str(cases_for_user(self.reviewer).query)
        self.assertIn(ReviewClearance._meta.db_table, sql)
        self.assertNotIn(AgendaItem._meta.db_table, sql)
        self.assertNotIn(" OR ", sql)

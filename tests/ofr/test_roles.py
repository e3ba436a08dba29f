from datetime import timedelta
from unittest import mock

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from cases.access import case_permissions, cases_for_user
from meetings.models import Attendance
from ofr.models import Membership, sync_user_groups
from ofr.roles import CASE_PERMISSIONS, Role, Sector, SensitiveCategory, case_permissions_for
from tests.base import OFRTestCase


class RolesTestCase(OFRTestCase):
    def test_every_role_has_an_entry_in_every_table(self):
        from ofr.roles import CASE_CATEGORIES, TEAM_PERMISSIONS

        for table in (CASE_PERMISSIONS, CASE_CATEGORIES, TEAM_PERMISSIONS):
            self.assertEqual(set(table), set(Role.values))

    def test_law_enforcement_and_prosecutors_get_no_part2_by_default(self):
        for sector in (Sector.LAW_ENFORCEMENT, Sector.PROSECUTOR):
            self.assertNotIn("view_part2_sud", case_permissions_for(Role.MEMBER, sector))
        self.assertIn("view_part2_sud", case_permissions_for(Role.MEMBER, Sector.PUBLIC_HEALTH))

    def test_the_officer_holds_no_part2_permission_on_the_case(self):
        officer = case_permissions(self.officer, self.case)
        reviewer = case_permissions(self.reviewer, self.case)
        self.assertNotIn("view_part2_sud", officer)
        self.assertIn("view_le_investigative", officer)
        self.assertIn("view_part2_sud", reviewer)

    def test_held_permissions_match_the_matrix(self):
        self.assertEqual(
            case_permissions(self.coordinator, self.case),
            case_permissions_for(Role.COORDINATOR, Sector.PUBLIC_HEALTH),
        )
        self.assertEqual(
            case_permissions(self.reviewer, self.case),
            case_permissions_for(Role.MEMBER, Sector.PUBLIC_HEALTH),
        )
        self.assertEqual(case_permissions(self.partner, self.case), frozenset())
        self.assertEqual(case_permissions(self.admin, self.case), frozenset())

    def test_only_coordinators_and_data_managers_see_identifiers(self):
        holders = {r for r, perms in CASE_PERMISSIONS.items() if "view_identifiers" in perms}
        self.assertEqual(holders, {Role.COORDINATOR, Role.DATA_MANAGER})
        self.assertNotIn("view_identifiers", case_permissions(self.facilitator, self.case))

    def test_every_category_has_a_case_permission(self):
        perms = case_permissions(self.coordinator, self.case)
        for category in SensitiveCategory:
            self.assertIn(f"view_{category}", perms)

    def test_ending_a_membership_removes_access_at_once(self):
        membership = Membership.objects.get(user=self.reviewer, team=self.team)
        membership.end(on=timezone.localdate() - timedelta(days=1), reason="Left the agency")
        self.assertNotIn(self.case, cases_for_user(self.reviewer))
        self.assertEqual(membership.history.first().history_change_reason, "Left the agency")

    def test_a_future_membership_grants_nothing_until_it_starts(self):
        # Signed for the meeting already: the membership's groups alone decide.
        Attendance.objects.create(meeting=self.meeting, user=self.outsider).sign(
            typed_name=self.outsider.get_full_name(), confirmed=True
        )
        newcomer = Membership.objects.create(
            user=self.outsider,
            team=self.team,
            role=Role.MEMBER,
            agency=self.health,
            starts_on=timezone.localdate() + timedelta(days=3),
        )
        # Groups synced for the start day grant nothing before it: access
        # follows the memberships active today.
        sync_user_groups(self.outsider, on=newcomer.starts_on)
        self.assertNotIn(self.case, cases_for_user(User.objects.get(pk=self.outsider.pk)))
        with mock.patch("django.utils.timezone.localdate", return_value=newcomer.starts_on):
            self.assertIn(self.case, cases_for_user(User.objects.get(pk=self.outsider.pk)))

    def test_an_ended_membership_ends_access_on_the_next_request(self):
        self.client.force_login(self.reviewer)
        url = reverse("cases:detail", args=[self.case.code])
        self.assertEqual(self.client.get(url).status_code, 200)
        membership = Membership.objects.get(user=self.reviewer, team=self.team)
        groups = list(self.reviewer.groups.all())
        membership.end(on=timezone.localdate() - timedelta(days=1))
        # Left in the team's groups, as if the sync had not run yet.
        self.reviewer.groups.add(*groups)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get(reverse("recommendations:list")).status_code, 403)

    def test_moving_a_case_moves_its_grants(self):
        self.case.team = self.other_team
        self.case.save()
        self.assertNotIn(self.case, cases_for_user(self.reviewer))
        self.assertIn(self.case, cases_for_user(self.outsider))
        self.assertEqual(self.case.history.count(), 2)

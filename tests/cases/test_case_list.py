from unittest import mock

from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from meetings.models import AgendaItem
from tests.base import OFRTestCase


class CaseListTestCase(OFRTestCase):
    url = reverse("cases:list")

    def test_it_lists_the_team_cases_only(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url)
        self.assertContains(response, "RIV-2025-001")
        self.assertNotContains(response, "LKV-2025-001")

    def test_outsider_sees_only_their_own_team(self):
        self.client.force_login(self.outsider)
        response = self.client.get(self.url)
        self.assertContains(response, "LKV-2025-001")
        self.assertNotContains(response, "RIV-2025-001")

    def test_it_redirects_anonymous_to_login(self):
        response = self.client.get(self.url)
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")

    def test_partner_oversight_and_admin_get_no_case_pages(self):
        for user in (self.partner, self.oversight, self.admin):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_global_permission_and_superuser_do_not_widen_the_list(self):
        # A model-level view_case (guardian's default accept_global_perms=True
        # would honour it) must not reveal another team's cases.
        self.outsider.user_permissions.add(Permission.objects.get(codename="view_case"))
        self.outsider.is_superuser = True
        self.outsider.save()
        self.client.force_login(self.outsider)
        response = self.client.get(self.url)
        self.assertNotContains(response, "RIV-2025-001")

    def test_it_filters_by_status(self):
        Case.objects.create(team=self.team, reference="RIV-2025-002", status="closed")
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url, {"status": "closed"})
        self.assertContains(response, "RIV-2025-002")
        self.assertNotContains(response, "RIV-2025-001")

    def test_it_paginates(self):
        for number in range(2, 56):
            Case.objects.create(team=self.team, reference=f"RIV-2025-{number:03}")
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url)
        self.assertContains(response, "page 1 of 2")
        response = self.client.get(self.url, {"page": 2})
        self.assertContains(response, "page 2 of 2")

    def test_its_query_count_does_not_grow_with_the_data(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.url)  # warm the content-type cache
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url)
        for number in range(2, 40):
            Case.objects.create(team=self.team, reference=f"RIV-2025-{number:03}")
        with CaptureQueriesContext(connection) as many:
            self.client.get(self.url)
        self.assertEqual(len(few), len(many))
        # session, user, memberships, their team groups, count, page
        with self.assertNumQueries(6):
            self.client.get(self.url)

    def test_it_counts_no_further_than_the_cap(self):
        for number in range(2, 8):
            Case.objects.create(team=self.team, reference=f"RIV-2025-{number:03}")
        self.client.force_login(self.coordinator)
        with mock.patch("ofr.paging.COUNT_CAP", 3):
            response = self.client.get(self.url)
        self.assertContains(
            response, "More than 3 cases found, page 1 of the first 1: search or sort"
        )
        self.assertEqual(len(response.context["page"].object_list), 3)
        with mock.patch("ofr.paging.COUNT_CAP", 7):
            response = self.client.get(self.url)
        self.assertContains(response, "7 cases found<")

    def test_a_members_list_is_sorted_not_walked_in_the_same_order(self):
        # A member's cleared cases are sorted by an expression no index serves;
        # a coordinator's list walks the date index. Same order either way.
        later = Case.objects.create(team=self.team, reference="RIV-2025-002")
        AgendaItem.objects.create(meeting=self.meeting, case=later, position=2)
        queries = {}
        for user in (self.reviewer, self.coordinator):
            self.client.force_login(user)
            with CaptureQueriesContext(connection) as captured:
                response = self.client.get(self.url)
            page = [case.reference for case in response.context["page"].object_list]
            self.assertEqual(page, ["RIV-2025-002", "RIV-2025-001"], user)
            queries[user] = captured[-1]["sql"]
        self.assertIn("COALESCE", queries[self.reviewer])
        self.assertNotIn("COALESCE", queries[self.coordinator])

    def test_it_refuses_other_methods(self):
        # POST is the search box (tests/cases/test_case_search.py).
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.put(self.url).status_code, 405)
        self.assertEqual(self.client.delete(self.url).status_code, 405)

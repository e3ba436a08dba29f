from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from cases.business_days import business_days_between
from cases.models import Case, RecordRequest
from ofr.models import Holiday
from ofr.roles import Role
from tests.base import OFRTestCase, make_member

URL = reverse("cases:overdue_requests")


class OverdueRequestsTestCase(OFRTestCase):
    def make_request(self, case, requested_on, **fields):
        return RecordRequest.objects.create(
            case=case,
            agency=fields.pop("agency", self.sheriff),
            record_types=fields.pop("record_types", ["law_enforcement_report"]),
            legal_basis="ofr_statute",
            window_start=date(2023, 3, 1),
            window_end=date(2025, 3, 1),
            requested_on=requested_on,
            **fields,
        )

    def edit_url(self, record_request):
        return reverse("cases:edit_request", args=[record_request.case.code, record_request.code])

    def test_it_lists_the_casts_overdue_request(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        days = business_days_between(date(2025, 5, 13), timezone.localdate())
        self.assertContains(response, "RIV-2025-001")
        self.assertContains(response, reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "Health Dept")
        self.assertContains(response, "Hospital / ED record")
        self.assertContains(response, "2025-04-01")
        self.assertContains(response, "2025-05-13")
        self.assertContains(response, f"Overdue</span> {days}<")
        self.assertContains(response, self.edit_url(self.record_request))
        self.assertContains(response, "1 overdue request<")

    def test_it_drops_a_request_once_it_is_answered(self):
        self.record_request.outcome = RecordRequest.Outcome.RECEIVED
        self.record_request.answered_on = date(2025, 5, 20)
        self.record_request._change_reason = "Received"
        self.record_request.save()
        self.client.force_login(self.coordinator)
        response = self.client.get(URL)
        self.assertNotContains(response, self.edit_url(self.record_request))
        self.assertContains(response, "No record request is overdue.")

    def test_it_leaves_out_requests_not_yet_due(self):
        fresh = self.make_request(self.case, timezone.localdate())
        self.client.force_login(self.coordinator)
        response = self.client.get(URL)
        self.assertNotContains(response, self.edit_url(fresh))
        self.assertContains(response, self.edit_url(self.record_request))

    def test_it_lists_the_oldest_due_first(self):
        older = self.make_request(self.case, date(2025, 1, 6))
        newer = self.make_request(self.case, date(2025, 8, 1))
        self.client.force_login(self.data_manager)
        content = self.client.get(URL).content.decode()
        positions = [content.index(self.edit_url(r)) for r in (older, self.record_request, newer)]
        self.assertEqual(positions, sorted(positions))

    def test_it_does_not_count_team_holidays_as_overdue_days(self):
        due = self.make_request(self.case, date(2025, 6, 2)).due_on  # 2025-06-09
        today = timezone.localdate()
        Holiday.objects.create(team=self.team, date=date(2025, 7, 4), name="Independence Day")
        days = business_days_between(due, today, [date(2025, 7, 4)])
        self.assertEqual(days, business_days_between(due, today) - 1)
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(URL), f"Overdue</span> {days}<")

    def test_it_shows_only_the_users_own_teams_requests(self):
        theirs = self.make_request(self.other_case, date(2025, 4, 1))
        self.client.force_login(self.outsider)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.edit_url(theirs))
        self.assertNotContains(response, "RIV-2025-001")
        self.client.force_login(self.coordinator)
        self.assertNotContains(self.client.get(URL), "LKV-2025-001")

    def test_its_query_count_does_not_grow_with_the_rows(self):
        Holiday.objects.create(team=self.team, date=date(2025, 7, 4), name="Independence Day")
        self.client.force_login(self.coordinator)
        self.client.get(URL)  # warm the session
        with self.assertNumQueries(8):
            self.client.get(URL)
        for number in range(2, 8):
            case = Case.objects.create(team=self.team, reference=f"RIV-2025-{number:03}")
            self.make_request(case, date(2025, 4, 1) + timedelta(days=number))
            self.make_request(case, date(2025, 2, 1), agency=self.health)
        with self.assertNumQueries(8):
            response = self.client.get(URL)
        self.assertContains(response, "13 overdue requests<")

    def test_members_without_change_case_get_403_and_the_denial_is_logged(self):
        for user in (self.facilitator, self.reviewer, self.officer, self.partner, self.oversight):
            self.client.force_login(user)
            before = self.events(action="denied").count()
            self.assertEqual(self.client.get(URL).status_code, 403)
            self.assertEqual(self.events(action="denied").count(), before + 1)

    def test_it_redirects_anonymous_to_login(self):
        self.assertRedirects(self.client.get(URL), f"{reverse('login')}?next={URL}")

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.post(URL).status_code, 405)


class OverdueRequestsPagesTestCase(OFRTestCase):
    def test_fifty_a_page_with_a_next_link_and_hidden_requests_left_out_of_every_page(self):
        hidden = []
        for number in range(60):
            requested_on = date(2025, 1, 1) + timedelta(days=number)
            OverdueRequestsTestCase.make_request(self, self.case, requested_on)
            # SUD treatment records: law enforcement may not see them.
            if number % 10 == 0:
                hidden.append(
                    OverdueRequestsTestCase.make_request(
                        self, self.case, requested_on, record_types=["sud_treatment"]
                    )
                )
        # A data manager from the sheriff's office keeps the requests but sees no Part 2.
        self.client.force_login(
            make_member("sheriffdm", self.team, Role.DATA_MANAGER, self.sheriff)
        )
        first = self.client.get(URL)
        rows = first.context["rows"]
        self.assertEqual(len(rows), 50)
        next_after = first.context["page"].next_after
        self.assertContains(first, f'?after={next_after}"')
        self.assertContains(first, "50 overdue requests on this page")
        second = self.client.get(URL, {"after": next_after})
        self.assertContains(second, "First page")
        shown = [r for r, _ in rows] + [r for r, _ in second.context["rows"]]
        self.assertEqual(len(shown), len(set(shown)))
        visible = RecordRequest.objects.filter(
            outcome="pending", due_on__lt=timezone.localdate()
        ).exclude(pk__in=[r.pk for r in hidden])
        self.assertEqual(sorted(r.pk for r in shown), sorted(visible.values_list("pk", flat=True)))
        self.assertEqual(second.context["page"].next_after, "")
        # A stale or forged key gives the first page, never an error.
        for after in ("garbage", "2999-01-01.1"):
            response = self.client.get(URL, {"after": after})
            self.assertEqual(response.status_code, 200)

from datetime import date

from django.db import connection
from django.urls import reverse

from cases.models import Finding, FindingEvent, Note, RecordRequest, TimelineEvent, ToxicologyResult
from ofr.models import AccessEvent
from tests.base import OFRTestCase

# The reviewer is a member: one more query checks they signed for a meeting with the case.
DETAIL_QUERIES = 20


class CaseDetailTestCase(OFRTestCase):
    def url(self, case=None):
        return reverse("cases:detail", args=[(case or self.case).code])

    def test_it_shows_the_case_and_logs_the_view(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url())
        self.assertContains(response, "RIV-2025-001")
        self.assertContains(response, "Test summary.")
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(
            (event.user, event.action, event.object_type, event.object_id),
            (self.reviewer, "view", "cases.case", str(self.case.code)),
        )

    def test_it_redirects_anonymous_to_login(self):
        response = self.client.get(self.url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.url()}")

    def test_it_hides_the_case_from_outsiders_and_logs_the_denial(self):
        self.client.force_login(self.outsider)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, "RIV-2025-001", status_code=404)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.user, event.action), (self.outsider, "denied"))
        self.assertTrue(event.detail.startswith("404 view_case GET"))

    def test_it_hides_the_case_from_a_superuser_without_membership(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_hides_the_case_from_partner_and_oversight(self):
        for user in (self.partner, self.oversight):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_it_refuses_post(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.post(self.url()).status_code, 405)

    def test_it_shows_the_edit_button_only_to_editors(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(self.url()), "Edit reference and summary")
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get(self.url()), "Edit reference and summary")

    def test_its_query_count_is_pinned_and_does_not_grow_with_the_case_file(self):
        self.client.force_login(self.reviewer)
        self.client.get(self.url())  # warm the content-type cache
        # session, user, case with its sections, memberships, groups, permissions,
        # access event (savepoint, [advisory lock,] chain head, insert,
        # release), timeline, notes, Part 2 programs, findings, their events,
        # documents, toxicology, record requests, next-of-kin interviews.
        expected = DETAIL_QUERIES + (1 if connection.vendor == "postgresql" else 0)
        with self.assertNumQueries(expected):
            self.client.get(self.url())
        self.grow_case_file()
        with self.assertNumQueries(expected):
            response = self.client.get(self.url())
        self.assertContains(response, "Second overdose")

    def grow_case_file(self):
        for day in range(1, 6):
            event = TimelineEvent.objects.create(
                case=self.case,
                date=date(2024, 6, day),
                system="ems",
                touchpoint_type="nonfatal_overdose",
                description="Second overdose",
                agency=self.health,
            )
            Note.objects.create(
                case=self.case, timeline_event=event, author=self.coordinator, text="n"
            )
            Note.objects.create(case=self.case, author=self.facilitator, text="case note")
            finding = Finding.objects.create(
                case=self.case,
                kind="system_gap",
                system="ems",
                description="No referral.",
                proposed_by=self.facilitator,
            )
            FindingEvent.objects.create(finding=finding, event=event)
            ToxicologyResult.objects.create(case=self.case, substance="xylazine")
            RecordRequest.objects.create(
                case=self.case,
                agency=self.sheriff,
                record_types=["law_enforcement_report"],
                legal_basis="ofr_statute",
                window_start=date(2023, 3, 1),
                window_end=date(2025, 3, 1),
                requested_on=date(2025, 4, day),
            )


class ItemUrlTestCase(OFRTestCase):
    def test_it_gives_what_reverse_gives_under_any_script_prefix(self):
        from django.urls import set_script_prefix

        from cases.templatetags.case_file import item_url

        event = self.case.timeline_events.first()
        try:
            for prefix in ("/", "/ofr/"):
                set_script_prefix(prefix)
                for name in ("cases:edit_event", "cases:edit_note", "cases:download_document"):
                    self.assertEqual(
                        item_url(name, self.case, event.code),
                        reverse(name, args=[self.case.code, event.code]),
                    )
        finally:
            set_script_prefix("/")

from django.db import connection
from django.urls import reverse

from ofr.models import AccessEvent
from tests.base import OFRTestCase


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
        self.assertContains(self.client.get(self.url()), "Edit case")
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get(self.url()), "Edit case")

    def test_its_query_count_is_pinned(self):
        self.client.force_login(self.reviewer)
        self.client.get(self.url())  # warm the content-type cache
        # session, user, case, permissions, access event (savepoint, [advisory lock,]
        # chain head, insert, release), memberships for the header.
        expected = 10 if connection.vendor == "postgresql" else 9
        with self.assertNumQueries(expected):
            self.client.get(self.url())

from django.urls import reverse

from tests.base import OFRTestCase


class NavigationTestCase(OFRTestCase):
    """The header offers only what the person may open: a link to a 403 is a broken link."""

    def nav_links(self, user):
        self.client.force_login(user)
        html = self.client.get(reverse("home")).content.decode()
        return {
            "cases": f'href="{reverse("cases:list")}" class="usa-nav__link' in html,
            "admin": f'href="{reverse("admin:index")}" class="usa-nav__link' in html,
        }

    def test_case_roles_see_the_cases_link(self):
        for user in (self.coordinator, self.reviewer, self.officer, self.outsider):
            self.assertEqual(self.nav_links(user), {"cases": True, "admin": False}, user)

    def test_partner_and_oversight_see_no_cases_link(self):
        for user in (self.partner, self.oversight):
            self.assertEqual(self.nav_links(user), {"cases": False, "admin": False}, user)

    def test_administrator_sees_administration_not_cases(self):
        self.assertEqual(self.nav_links(self.admin), {"cases": False, "admin": True})


class AdminTestCase(OFRTestCase):
    def test_groups_follow_memberships_and_cannot_be_edited_by_hand(self):
        self.client.force_login(self.admin)
        group = self.team.role_group("coordinator")
        self.assertEqual(self.client.get(reverse("admin:auth_group_add")).status_code, 403)
        response = self.client.post(
            reverse("admin:auth_group_change", args=[group.pk]), {"name": "renamed"}
        )
        group.refresh_from_db()
        self.assertNotEqual(group.name, "renamed")
        self.assertIn(response.status_code, (200, 302))
        user_page = self.client.get(reverse("admin:auth_user_change", args=[self.coordinator.pk]))
        self.assertNotContains(user_page, 'name="groups"')
        self.assertNotContains(user_page, 'name="user_permissions"')
        self.assertContains(user_page, group.name)

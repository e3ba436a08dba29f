from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase, override_settings

from cases.access import cases_for_user
from cases.models import Case
from ofr.models import Team


class DemoCommandTestCase(TestCase):
    def test_it_refuses_outside_debug_without_force(self):
        with self.assertRaisesMessage(CommandError, "DEBUG"):
            call_command("demo", stdout=StringIO())
        self.assertFalse(Team.objects.exists())

    @override_settings(DEBUG=True)
    def test_it_loads_the_demo_once_and_keeps_existing_data(self):
        out = StringIO()
        call_command("demo", stdout=out)
        self.assertIn("ofr-demo-2024", out.getvalue())
        riverside = Team.objects.get(name="Riverside County OFR Team")
        lakeview = Team.objects.get(name="Lakeview County OFR Team")
        self.assertGreaterEqual(Case.objects.filter(team=riverside).count(), 12)
        self.assertGreaterEqual(Case.objects.filter(team=lakeview).count(), 4)
        users = {u.username: u for u in User.objects.all()}
        for name in (
            "coordinator",
            "facilitator",
            "reviewer",
            "officer",
            "partner",
            "oversight",
            "outsider",
            "admin",
        ):
            self.assertTrue(users[name].check_password("ofr-demo-2024"), name)
        self.assertEqual(cases_for_user(users["outsider"]).filter(team=riverside).count(), 0)
        self.assertEqual(
            cases_for_user(users["reviewer"]).count(), Case.objects.filter(team=riverside).count()
        )
        self.assertEqual(cases_for_user(users["partner"]).count(), 0)
        self.assertEqual(cases_for_user(users["admin"]).count(), 0)

        count = Case.objects.count()
        again = StringIO()
        call_command("demo", "--if-empty", stdout=again)
        self.assertIn("not loaded", again.getvalue())
        self.assertEqual(Case.objects.count(), count)
        with self.assertRaises(CommandError):
            call_command("demo", stdout=StringIO())

    def test_force_loads_outside_debug(self):
        call_command("demo", "--force", stdout=StringIO())
        self.assertTrue(Team.objects.exists())

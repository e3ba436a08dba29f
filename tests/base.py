"""The shared cast: one state, two county teams, a user for every role, a case on each team."""

from datetime import date

from django.contrib.auth.models import User
from django.db import connection
from django.test import TestCase, TransactionTestCase

from cases.models import Case
from ofr.audit import drop_append_only_triggers, install_append_only_triggers
from ofr.models import AccessEvent, Agency, Jurisdiction, Membership, Team, TeamJurisdiction
from ofr.roles import Role, Sector

PASSWORD = "correct horse battery staple"


def make_user(username: str, **fields) -> User:
    user = User(username=username, first_name=username.title(), **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_member(username: str, team: Team, role: str, agency: Agency | None = None) -> User:
    user = make_user(username)
    Membership.objects.create(
        user=user, team=team, role=role, agency=agency, starts_on=date(2024, 1, 1)
    )
    return user


class Cast:
    """Builds the cast on a test class (called from setUpTestData)."""

    @classmethod
    def build_cast(cls) -> None:
        cls.state = Jurisdiction.objects.create(name="Test State", level="state")
        cls.riverside_county = Jurisdiction.objects.create(
            name="Riverside", level="county", parent=cls.state
        )
        cls.lakeview_county = Jurisdiction.objects.create(
            name="Lakeview", level="county", parent=cls.state
        )
        cls.health = Agency.objects.create(name="Health Dept", sector=Sector.PUBLIC_HEALTH)
        cls.sheriff = Agency.objects.create(name="Sheriff", sector=Sector.LAW_ENFORCEMENT)
        cls.team = Team.objects.create(name="Riverside OFR", short_code="RIV")
        cls.other_team = Team.objects.create(name="Lakeview OFR", short_code="LKV")
        cls.oversight_team = Team.objects.create(name="State Oversight", short_code="ST")
        TeamJurisdiction.objects.create(team=cls.team, jurisdiction=cls.riverside_county)
        TeamJurisdiction.objects.create(team=cls.other_team, jurisdiction=cls.lakeview_county)
        TeamJurisdiction.objects.create(team=cls.oversight_team, jurisdiction=cls.state)

        cls.coordinator = make_member("coordinator", cls.team, Role.COORDINATOR, cls.health)
        cls.data_manager = make_member("datamanager", cls.team, Role.DATA_MANAGER, cls.health)
        cls.facilitator = make_member("facilitator", cls.team, Role.FACILITATOR, cls.health)
        cls.reviewer = make_member("reviewer", cls.team, Role.MEMBER, cls.health)
        cls.officer = make_member("officer", cls.team, Role.MEMBER, cls.sheriff)
        cls.partner = make_member("partner", cls.team, Role.AGENCY_PARTNER, cls.health)
        cls.oversight = make_member("oversight", cls.oversight_team, Role.OVERSIGHT, cls.health)
        cls.outsider = make_member("outsider", cls.other_team, Role.COORDINATOR, cls.health)
        cls.admin = make_user("admin", is_staff=True, is_superuser=True)

        cls.case = Case.objects.create(
            team=cls.team, reference="RIV-2025-001", summary="Test summary."
        )
        cls.other_case = Case.objects.create(team=cls.other_team, reference="LKV-2025-001")


class OFRTestCase(Cast, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.build_cast()

    def events(self, **filters):
        return AccessEvent.objects.filter(**filters)


class OFRTransactionTestCase(Cast, TransactionTestCase):
    """For tests that need real commits (concurrency, failing requests).

    The access log refuses DELETE, so the flush between tests would fail: the
    triggers are lifted just long enough to empty it, then put back."""

    def setUp(self) -> None:
        self.build_cast()

    def _fixture_teardown(self) -> None:
        vendor = connection.vendor
        with connection.cursor() as cursor:
            drop_append_only_triggers(vendor, cursor.execute)
            cursor.execute("DELETE FROM ofr_accessevent")
            install_append_only_triggers(vendor, cursor.execute)
        super()._fixture_teardown()

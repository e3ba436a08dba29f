"""The shared cast: one state, two county teams, a user for every role, a case on each team."""

import errno
import hashlib
from datetime import UTC, date, datetime, timedelta
from unittest import mock

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from cases.models import (
    Case,
    Finding,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
    ToxicologyResult,
)
from meetings.models import AgendaItem, Attendance, Meeting
from ofr.audit import drop_append_only_triggers, install_append_only_triggers
from ofr.files import private_storage
from ofr.models import AccessEvent, Agency, Jurisdiction, Membership, Team, TeamJurisdiction
from ofr.roles import Role, Sector, SensitiveCategory
from recommendations.models import (
    Category,
    ProgressUpdate,
    Recommendation,
    RecommendationPartner,
    Status,
    WorkPlanTask,
)

PASSWORD = "correct horse battery staple"
PART2_TEXT = "Methadone clinic intake; dose 80 mg daily."
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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


def make_recommendations(count: int, *, teams: list[Team], agencies: list[Agency], by: User):
    """`count` recommendations spread over `teams`, the statuses and the
    categories, led by each of `agencies` in turn or by none, every other one
    past due, every fourth with all `agencies` as partners; an implemented one
    carries its update, some of the last 12 months and some older. Statuses are
    set directly: these fill pages, they do not walk the lifecycle."""
    today = timezone.localdate()
    leads = [*agencies, None]
    for i in range(count):
        status = Status.values[i % len(Status.values)]
        recommendation = Recommendation.objects.create(
            team=teams[i % len(teams)],
            title=f"Generated {i}",
            statement="s",
            action="a",
            measure="m",
            category=Category.values[i % len(Category.values)],
            level="system",
            status=status,
            lead_agency=leads[i % len(leads)],
            due_on=today + timedelta(days=-30 if i % 2 else 30),
        )
        if i % 4 == 0:
            for agency in agencies:
                RecommendationPartner.objects.create(recommendation=recommendation, agency=agency)
        if status == Status.IMPLEMENTED:
            ProgressUpdate.objects.create(
                recommendation=recommendation,
                author=by,
                previous_status=Status.IN_PROGRESS,
                new_status=status,
                narrative="Done.",
                reported_on=today - timedelta(days=400 if i % 3 == 0 else 10),
            )


def stored_content(name: str) -> bytes:
    with private_storage.open(name, "rb") as handle:
        return handle.read()


def replace_stored(name: str, content: bytes) -> None:
    """Change a stored file behind the app's back (on disk or in the bucket)."""
    private_storage.delete(name)
    private_storage.save(name, ContentFile(content))


def full_disk():
    """Patch the private storage so that the disk fills up part-way through
    writing a file: its first bytes are written, then ENOSPC."""
    storage_class = private_storage.__class__
    real_save = storage_class._save

    def _save(self, name, content):
        real_save(self, name, ContentFile(content.read()[:10]))
        raise OSError(errno.ENOSPC, "No space left on device")

    return mock.patch.object(storage_class, "_save", _save)


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
        # The cast's cases are bare; the completeness check (tests/cases/
        # test_completeness.py sets its own maximum) would refuse every review.
        cls.team = Team.objects.create(
            name="Riverside OFR", short_code="RIV", max_not_collected_percent=100
        )
        cls.other_team = Team.objects.create(
            name="Lakeview OFR", short_code="LKV", max_not_collected_percent=100
        )
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
        cls.build_case_file()
        cls.build_meeting()
        cls.build_recommendation()

    @classmethod
    def build_recommendation(cls) -> None:
        """A Riverside recommendation led by the health department (the
        partner's agency), with one update carrying evidence and one task."""
        cls.recommendation = Recommendation.objects.create(
            team=cls.team,
            title="Naloxone at jail release",
            statement="Every person leaving jail gets naloxone.",
            action="The jail hands out naloxone kits at release.",
            measure="Share of releases with a kit",
            category="naloxone_distribution",
            level="agency",
            lead_agency=cls.health,
            created_by=cls.coordinator,
        )
        cls.sheriff_recommendation = Recommendation.objects.create(
            team=cls.team,
            title="Deflection at first contact",
            statement="Officers refer people to treatment instead of arrest.",
            action="Sheriff's deflection protocol.",
            measure="Referrals a month",
            category="deflection_diversion",
            level="agency",
            lead_agency=cls.sheriff,
            created_by=cls.coordinator,
        )
        cls.update = cls.recommendation.add_update(
            by=cls.coordinator,
            new_status="adopted",
            narrative="Adopted at the meeting.",
            evidence=ContentFile(PDF_BYTES, name="minutes.pdf"),
        )
        cls.task = WorkPlanTask.objects.create(
            recommendation=cls.recommendation, task="Order kits", owner="Jail health unit"
        )

    @classmethod
    def build_meeting(cls) -> None:
        """A planned review of cls.case: members see a case only once they have
        signed for a meeting with it on the agenda, so reviewer and officer sign."""
        cls.meeting = Meeting.objects.create(
            team=cls.team,
            title="Riverside case review",
            starts_at=datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
            place="Health department, room 2",
            created_by=cls.coordinator,
        )
        AgendaItem.objects.create(meeting=cls.meeting, case=cls.case, position=1)
        for user in (cls.facilitator, cls.reviewer, cls.officer):
            attendance = Attendance.objects.create(meeting=cls.meeting, user=user)
            attendance.sign(typed_name=user.get_full_name(), confirmed=True)

    @classmethod
    def build_case_file(cls) -> None:
        """One of each item on cls.case, among them a Part 2 timeline event."""
        case = cls.case
        case.identifiers.legal_name = "Jordan Example"
        case.identifiers.date_of_birth = date(1990, 6, 15)
        case.identifiers.save()
        case.death.date_of_death = date(2025, 3, 1)
        case.death.manner = "accident"
        case.death.save()
        cls.event = TimelineEvent.objects.create(
            case=case,
            date=date(2025, 1, 10),
            system="criminal_legal",
            touchpoint_type="jail_release",
            description="Released from county jail without naloxone.",
            agency=cls.sheriff,
            missed_opportunity=True,
            created_by=cls.coordinator,
        )
        cls.part2_event = TimelineEvent.objects.create(
            case=case,
            date=date(2024, 11, 20),
            system="sud_treatment",
            touchpoint_type="treatment_admission",
            description=PART2_TEXT,
            sensitivity=SensitiveCategory.PART2_SUD,
            created_by=cls.coordinator,
        )
        cls.toxicology = ToxicologyResult.objects.create(
            case=case, substance="fentanyl", caused_death=True
        )
        cls.note = Note.objects.create(case=case, author=cls.reviewer, text="EMS gave naloxone.")
        cls.finding = Finding.objects.create(
            case=case,
            kind="missed_opportunity",
            system="criminal_legal",
            description="No naloxone offered at release.",
            proposed_by=cls.reviewer,
        )
        cls.record_request = RecordRequest.objects.create(
            case=case,
            agency=cls.health,
            record_types=["hospital_ed"],
            legal_basis="ofr_statute",
            window_start=date(2023, 3, 1),
            window_end=date(2025, 3, 1),
            requested_on=date(2025, 4, 1),
            created_by=cls.coordinator,
        )
        cls.document = SourceDocument(
            case=case,
            title="ED record",
            document_type="hospital_ed",
            original_name="ed-record.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            uploaded_by=cls.coordinator,
        )
        cls.document.file.save("ed-record.pdf", ContentFile(PDF_BYTES), save=False)
        cls.document.save()


class OFRTestCase(Cast, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        # As if each step committed: new files move from their temporary names.
        with cls.captureOnCommitCallbacks(execute=True):
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

from datetime import date, timedelta
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cases.access import cases_for_user
from cases.models import (
    Case,
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    DeferralRequest,
    Finding,
    FindingEvent,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
    ToxicologyResult,
)
from ofr.models import Team

CASE_FILE_MODELS = [
    Case,
    Decedent,
    DecedentIdentifiers,
    DeathDetails,
    Circumstances,
    ToxicologyResult,
    TimelineEvent,
    RecordRequest,
    SourceDocument,
    Note,
    Finding,
    FindingEvent,
]


class Rollback(Exception):
    pass


def load_demo() -> None:
    call_command("demo", "--force", stdout=StringIO())


def snapshot() -> dict:
    """What the demo built, without the random codes and timestamps."""
    events = TimelineEvent.objects.order_by("case__reference", "date", "id")
    return {
        "counts": {model.__name__: model.objects.count() for model in CASE_FILE_MODELS},
        "events": list(
            events.values_list("case__reference", "date", "touchpoint_type", "description")
        ),
        "identifiers": list(
            DecedentIdentifiers.objects.order_by("case__reference").values_list(
                "legal_name", "date_of_birth", "me_case_number"
            )
        ),
        "toxicology": list(
            ToxicologyResult.objects.order_by("case__reference", "substance").values_list(
                "substance", "concentration"
            )
        ),
    }


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
            "committee",
            "outsider",
            "admin",
        ):
            self.assertTrue(users[name].check_password("ofr-demo-2024"), name)
        self.assertEqual(cases_for_user(users["outsider"]).filter(team=riverside).count(), 0)
        # Members see the cases of the meetings they signed for: reviewer signed
        # both demo meetings (3 + 4 cases), officer only the past one.
        self.assertEqual(cases_for_user(users["reviewer"]).count(), 7)
        self.assertEqual(
            sorted(cases_for_user(users["officer"]).values_list("reference", flat=True)),
            ["RIV-2025-001", "RIV-2025-002", "RIV-2025-003"],
        )
        self.assertEqual(
            cases_for_user(users["facilitator"]).count(),
            Case.objects.filter(team=riverside).count(),
        )
        self.assertEqual(cases_for_user(users["partner"]).count(), 0)
        self.assertEqual(cases_for_user(users["committee"]).count(), 0)
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

    def test_it_builds_a_rich_case_file_for_every_riverside_case(self):
        load_demo()
        riverside = Case.objects.filter(team__short_code="RIV").select_related("death")
        self.assertEqual(riverside.count(), 12)
        for case in riverside:
            with self.subTest(case=case.reference):
                self.assertTrue(10 <= case.timeline_events.count() <= 40)
                self.assertTrue(
                    2 <= case.timeline_events.filter(missed_opportunity=True).count() <= 5
                )
                self.assertTrue(case.toxicology.exists())
                self.assertTrue(case.record_requests.exists())
                self.assertTrue(case.documents.exists())
                self.assertTrue(case.notes.exists())
                self.assertTrue(case.findings.exists())
                self.assertTrue(FindingEvent.objects.filter(finding__case=case).exists())
                death = case.death.date_of_death
                self.assertEqual(str(death.year), case.reference.split("-")[1])
                self.assertLess(death, date(2026, 10, 31))
                identifiers = case.identifiers
                self.assertTrue(identifiers.legal_name)
                born = identifiers.date_of_birth
                age = death.year - born.year - ((death.month, death.day) < (born.month, born.day))
                self.assertEqual(age, case.decedent.age_at_death)
                self.assertRegex(case.decedent.residence_zip, r"^\d{5}$")
        lakeview = Case.objects.filter(team__short_code="LKV")
        for case in lakeview:
            self.assertTrue(5 <= case.timeline_events.count() <= 10, case.reference)
            self.assertTrue(case.toxicology.exists())
        events = TimelineEvent.objects.all()
        self.assertTrue(events.filter(sensitivity="part2_sud", system="sud_treatment").exists())
        self.assertTrue(events.filter(sensitivity="le_investigative").exists())
        self.assertTrue(events.filter(sensitivity="mental_health").exists())
        self.assertTrue(
            Note.objects.filter(sensitivity="part2_sud", author__username="reviewer").exists()
        )
        officer_notes = Note.objects.filter(author__username="officer")
        self.assertFalse(officer_notes.filter(timeline_event__sensitivity="part2_sud").exists())
        for event in events.select_related("case__death"):
            self.assertLessEqual(event.date, event.case.death.date_of_death, event)
            self.assertLessEqual(event.case.death.date_of_death - event.date, timedelta(days=731))
        for document in SourceDocument.objects.all():
            content = document.file.read()
            self.assertEqual(len(content), document.size)
            self.assertTrue(content.startswith(b"%PDF-") or document.extension == ".txt")
        # Reviewed and closed cases have their findings confirmed; the others proposed.
        self.assertFalse(
            Finding.objects.filter(case__status="reviewed", status="proposed").exists()
        )
        self.assertFalse(
            Finding.objects.filter(case__status="selected", status="confirmed").exists()
        )

    def test_it_writes_a_history_row_for_every_row(self):
        load_demo()
        for model in CASE_FILE_MODELS:
            with self.subTest(model=model.__name__):
                rows = set(model.objects.values_list("id", flat=True))
                self.assertTrue(rows)
                self.assertEqual(set(model.history.values_list("id", flat=True)), rows)
                self.assertFalse(model.history.filter(history_user=None).exists())
        riverside = TimelineEvent.history.filter(case__team__short_code="RIV")
        self.assertEqual(
            set(riverside.values_list("history_user__username", "history_change_reason")),
            {("coordinator", "Demo data")},
        )
        authors = set(Note.objects.values_list("author__username", flat=True))
        self.assertLessEqual(authors, {"reviewer", "officer", "facilitator"})
        self.assertEqual(
            set(Note.history.values_list("history_user__username", flat=True)), authors
        )

    def test_it_has_exactly_one_overdue_record_request(self):
        load_demo()
        today = timezone.localdate()
        overdue = [r for r in RecordRequest.objects.select_related("case") if r.is_overdue(today)]
        self.assertEqual(len(overdue), 1)
        self.assertEqual(overdue[0].case.reference, "RIV-2025-007")
        self.assertEqual(overdue[0].case.status, "records_requested")
        pending = RecordRequest.objects.filter(outcome="pending").exclude(pk=overdue[0].pk)
        self.assertEqual([r.case.reference for r in pending], ["RIV-2025-008"])
        self.assertGreaterEqual(pending[0].due_on, today)
        for request in RecordRequest.objects.exclude(outcome="pending"):
            self.assertIsNotNone(request.answered_on)
            self.assertEqual(request.legal_basis, "ofr_statute")
            self.assertEqual(
                (request.window_start, request.window_end),
                RecordRequest.default_window(request.case.death.date_of_death),
            )
        withheld = RecordRequest.objects.filter(outcome="withheld")
        self.assertTrue(withheld.filter(withheld_reason="pending_investigation").exists())
        self.assertTrue(RecordRequest.objects.filter(outcome="unavailable").exists())

    def test_it_builds_the_same_data_every_time(self):
        def build() -> dict:
            try:
                with transaction.atomic():
                    load_demo()
                    built = snapshot()
                    raise Rollback
            except Rollback:
                return built

        first = build()
        self.assertFalse(TimelineEvent.objects.exists())
        second = build()
        self.assertGreater(first["counts"]["TimelineEvent"], 200)
        self.assertEqual(first, second)

    def test_it_never_shows_part2_events_to_the_officer(self):
        load_demo()
        officer = User.objects.get(username="officer")
        reviewer = User.objects.get(username="reviewer")
        self.client.force_login(officer)
        visible = cases_for_user(officer)
        self.assertEqual(visible.count(), 3)
        for case in visible:
            texts = case.timeline_events.filter(sensitivity="part2_sud").values_list(
                "description", flat=True
            )
            self.assertTrue(texts, case.reference)
            response = self.client.get(reverse("cases:detail", args=[case.code]))
            self.assertEqual(response.status_code, 200)
            page = response.content.decode()
            for text in texts:
                self.assertNotIn(text, page, case.reference)
                self.assertNotIn(escape(text), page, case.reference)
        # The same texts are on the page for a member who may see Part 2 records.
        self.client.force_login(reviewer)
        page = self.client.get(reverse("cases:detail", args=[case.code])).content.decode()
        self.assertTrue(all(escape(text) in page for text in texts))

    def test_it_has_recommendations_in_every_state_with_partner_updates(self):
        from recommendations.models import Recommendation, Status

        load_demo()
        riverside = Recommendation.objects.filter(team__short_code="RIV")
        self.assertGreaterEqual(riverside.count(), 8)
        self.assertEqual(set(riverside.values_list("status", flat=True)), set(Status.values))
        self.assertTrue(any(r.is_overdue() for r in riverside))
        partner = User.objects.get(username="partner")
        self.assertTrue(riverside.filter(updates__author=partner).exists())
        self.assertEqual(Recommendation.objects.filter(team__short_code="LKV").count(), 3)
        self.assertTrue(riverside.filter(findings__isnull=False).exists())
        committee = User.objects.get(username="committee")
        decided = riverside.filter(endorsements__recorded_by=committee).distinct()
        self.assertTrue(decided.filter(endorsements__decision="returned").exists())
        self.assertLess(decided.count(), riverside.count())  # some still before the committee
        self.assertEqual(
            set(committee.memberships.values_list("team__short_code", "role")),
            {("RIV", "governing_committee"), ("LKV", "governing_committee")},
        )

    def test_it_shows_the_coordinator_a_deferral_due_and_an_open_request(self):
        load_demo()
        deferred = Case.objects.get(reference="RIV-2026-004")
        self.assertEqual(
            (deferred.status, deferred.deferral_reason), ("deferred", "active_investigation")
        )
        self.assertLess(deferred.deferral_review_on, timezone.localdate())
        request = DeferralRequest.objects.open().get()
        self.assertEqual(
            (request.case.reference, request.requested_by.username),
            ("RIV-2026-001", "officer"),
        )
        # The case asked about is on the December agenda: deferring it would take it off.
        self.assertTrue(request.case.agenda_items.filter(meeting__status="planned").exists())
        self.client.force_login(User.objects.get(username="coordinator"))
        page = self.client.get(reverse("home")).content.decode()
        self.assertIn("Deferrals to decide", page)
        self.assertIn(f"review by {deferred.deferral_review_on:%Y-%m-%d}", page)
        self.assertIn("RIV-2026-001</a>: prosecution pending, asked by Tom Keller", page)
        for username in ("facilitator", "officer", "outsider"):
            self.client.force_login(User.objects.get(username=username))
            page = self.client.get(reverse("home")).content.decode()
            self.assertNotIn("Deferrals to decide", page, username)

    def test_it_has_an_agreement_per_agency_and_the_sheriffs_expired_last_month(self):
        from cases.models import DataSharingAgreement, agreement_problem
        from ofr.models import Agency

        load_demo()
        today = timezone.localdate()
        agreements = DataSharingAgreement.objects.select_related("agency", "team")
        self.assertEqual(
            sorted(a.agency.name for a in agreements),
            sorted(Agency.objects.values_list("name", flat=True)),
        )
        self.assertFalse(DataSharingAgreement.history.filter(history_user=None).exists())
        sheriff = agreements.get(agency__name="Riverside County Sheriff's Office")
        self.assertEqual(sheriff.expires_on, today - timedelta(days=30))
        problem = agreement_problem(sheriff.team, sheriff.agency, ["law_enforcement_report"])
        self.assertIn("expired on", problem.message)
        # The coordinator's work queue asks for its renewal (and the EMS one's).
        self.client.force_login(User.objects.get(username="coordinator"))
        page = self.client.get(reverse("home")).content.decode()
        self.assertIn("Your work queue", page)
        ended = f"{sheriff.expires_on:%Y-%m-%d}"
        self.assertIn(f"Riverside County Sheriff&#x27;s Office: expired {ended}", page)
        self.assertIn("Riverside Fire and EMS: expires", page)

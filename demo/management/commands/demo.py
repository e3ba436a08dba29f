"""Fictitious but realistic demo data: one state, two county teams, their agencies,
cases and users. Every name, place and case below is invented."""

import random
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases.models import Case, DataSharingAgreement
from demo.case_files import build_case_file
from demo.meetings import build_meetings
from demo.nok import build_nok_interview
from demo.recommendations import build_recommendations
from demo.second_factor import DEMO_SECOND_FACTOR_SECRET, demo_key
from ofr.models import Agency, Jurisdiction, Membership, SecondFactor, Team, TeamJurisdiction
from ofr.roles import Role, Sector

DEMO_PASSWORD = "ofr-demo-2024"  # noqa: S105  (printed for the demo; refused outside DEBUG)

RIVERSIDE_CASES = [
    (
        "RIV-2025-001",
        "reviewed",
        "34-year-old man found unresponsive at home. Fentanyl and xylazine detected. Released from county jail 11 days before death; no MOUD at release.",
    ),
    (
        "RIV-2025-002",
        "reviewed",
        "27-year-old woman; two non-fatal overdoses in the prior year, both with EMS naloxone and no ED follow-up referral.",
    ),
    (
        "RIV-2025-003",
        "closed",
        "52-year-old man with chronic back pain; prescription opioids tapered abruptly eight months before death.",
    ),
    (
        "RIV-2025-004",
        "ready_for_review",
        "41-year-old man experiencing homelessness; found in a park shelter. Fentanyl and methamphetamine detected.",
    ),
    (
        "RIV-2025-005",
        "ready_for_review",
        "23-year-old woman; discharged from residential treatment 9 days before death.",
    ),
    (
        "RIV-2025-006",
        "ready_for_review",
        "45-year-old man; ED visit for an abscess 3 weeks before death; no naloxone dispensed.",
    ),
    (
        "RIV-2025-007",
        "records_requested",
        "38-year-old woman on probation; missed two MOUD appointments in the month before death.",
    ),
    (
        "RIV-2025-008",
        "records_requested",
        "61-year-old man; cocaine and fentanyl detected; lived alone, last seen alive two days before.",
    ),
    (
        "RIV-2026-001",
        "ready_for_review",
        "30-year-old man; recently moved from a neighbouring county; one prior arrest for possession.",
    ),
    (
        "RIV-2026-002",
        "awaiting_information",
        "Toxicology pending; 19-year-old found at a friend's home. Bystander present.",
    ),
    ("RIV-2026-003", "identified", "47-year-old woman; ME case received this week."),
    ("RIV-2026-004", "deferred", "Deferred: active investigation by the sheriff's office."),
]

LAKEVIEW_CASES = [
    (
        "LKV-2025-001",
        "reviewed",
        "36-year-old man; released from state prison 14 days before death.",
    ),
    ("LKV-2025-002", "ready_for_review", "29-year-old woman; postpartum, 5 months after delivery."),
    ("LKV-2026-001", "selected", "55-year-old man; benzodiazepines and fentanyl detected."),
    ("LKV-2026-002", "identified", "Toxicology pending."),
]


class Command(BaseCommand):
    help = (
        "Load fictitious demo data into an empty database (refused outside DEBUG unless --force)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already holds teams.",
        )

    def handle(self, *args, force: bool, if_empty: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "The demo creates users with a published password. It runs only with DEBUG on; "
                "use --force to load it anyway (never on a real deployment)."
            )
        if Team.objects.exists() or get_user_model().objects.exists():
            message = (
                "The database already holds data; the demo was not loaded and nothing changed."
            )
            if if_empty:
                self.stdout.write(message)
                return
            raise CommandError(message)
        with transaction.atomic():
            self.create()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded. Users (password: {DEMO_PASSWORD}):")
        )
        for username, description in USERS:
            self.stdout.write(f"  {username:<12} {description}")
        self.stdout.write(
            "Second factor: every demo user is enrolled with the authenticator secret "
            f"{DEMO_SECOND_FACTOR_SECRET}\n(add it to an authenticator app, or run "
            "`python manage.py demo_code USER` for the current code)."
        )

    def create(self) -> None:
        state = Jurisdiction.objects.create(name="State of Franklin", level="state")
        riverside_county = Jurisdiction.objects.create(
            name="Riverside County", level="county", parent=state
        )
        lakeview_county = Jurisdiction.objects.create(
            name="Lakeview County", level="county", parent=state
        )

        agency = {}
        for key, name, sector, place in [
            (
                "riv_health",
                "Riverside County Health Department",
                Sector.PUBLIC_HEALTH,
                riverside_county,
            ),
            (
                "riv_sheriff",
                "Riverside County Sheriff's Office",
                Sector.LAW_ENFORCEMENT,
                riverside_county,
            ),
            (
                "riv_me",
                "Riverside County Medical Examiner",
                Sector.MEDICAL_EXAMINER_CORONER,
                riverside_county,
            ),
            ("riv_ems", "Riverside Fire and EMS", Sector.EMS_FIRE, riverside_county),
            (
                "riv_hospital",
                "Riverside Regional Medical Center",
                Sector.HOSPITAL_HEALTH_SYSTEM,
                riverside_county,
            ),
            ("riv_treatment", "New Path Recovery Center", Sector.SUD_TREATMENT, riverside_county),
            (
                "riv_harm",
                "Riverside Harm Reduction Coalition",
                Sector.HARM_REDUCTION,
                riverside_county,
            ),
            (
                "riv_jail",
                "Riverside County Detention Center",
                Sector.JAIL_DETENTION,
                riverside_county,
            ),
            ("lkv_health", "Lakeview County Public Health", Sector.PUBLIC_HEALTH, lakeview_county),
            (
                "lkv_police",
                "Lakeview City Police Department",
                Sector.LAW_ENFORCEMENT,
                lakeview_county,
            ),
            ("state_health", "Franklin Department of Health", Sector.PUBLIC_HEALTH, state),
        ]:
            agency[key] = Agency.objects.create(name=name, sector=sector, jurisdiction=place)

        riverside = Team.objects.create(name="Riverside County OFR Team", short_code="RIV")
        lakeview = Team.objects.create(name="Lakeview County OFR Team", short_code="LKV")
        oversight_team = Team.objects.create(
            name="Franklin State OFR Oversight Committee", short_code="FRK"
        )
        TeamJurisdiction.objects.create(team=riverside, jurisdiction=riverside_county)
        TeamJurisdiction.objects.create(team=lakeview, jurisdiction=lakeview_county)
        TeamJurisdiction.objects.create(team=oversight_team, jurisdiction=state)

        User = get_user_model()
        people = {
            "coordinator": ("Dana", "Whitfield", riverside, Role.COORDINATOR, "riv_health"),
            "facilitator": ("Marcus", "Ortega", riverside, Role.FACILITATOR, "riv_health"),
            "reviewer": ("Priya", "Raman", riverside, Role.MEMBER, "riv_health"),
            "officer": ("Tom", "Keller", riverside, Role.MEMBER, "riv_sheriff"),
            "partner": ("Alicia", "Brooks", riverside, Role.AGENCY_PARTNER, "riv_health"),
            "oversight": ("Helen", "Cho", oversight_team, Role.OVERSIGHT, "state_health"),
            "outsider": ("Sam", "Lindqvist", lakeview, Role.COORDINATOR, "lkv_health"),
        }
        users = {}
        for username, (first, last, team, role, agency_key) in people.items():
            user = User(
                username=username, first_name=first, last_name=last, email=f"{username}@example.org"
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            Membership.objects.create(
                user=user,
                team=team,
                role=role,
                agency=agency[agency_key],
                starts_on=date(2024, 1, 1),
            )
            users[username] = user
        # The county board of health: both county teams send it their
        # recommendations for endorsement, so it sits on both as their
        # governing committee.
        committee = User(
            username="committee",
            first_name="Ruth",
            last_name="Abernathy",
            email="committee@example.org",
        )
        committee.set_password(DEMO_PASSWORD)
        committee.save()
        for team in (riverside, lakeview):
            Membership.objects.create(
                user=committee,
                team=team,
                role=Role.GOVERNING_COMMITTEE,
                agency=agency["state_health"],
                starts_on=date(2024, 1, 1),
            )
        users["committee"] = committee
        admin = User(
            username="admin", first_name="Sys", last_name="Admin", is_staff=True, is_superuser=True
        )
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for user in [*users.values(), admin]:
            SecondFactor.objects.create(
                user=user, name="Demo authenticator", confirmed=True, key=demo_key()
            )

        for team, rows, author in [
            (riverside, RIVERSIDE_CASES, users["coordinator"]),
            (lakeview, LAKEVIEW_CASES, users["outsider"]),
        ]:
            for reference, status, summary in rows:
                case = Case(
                    team=team,
                    reference=reference,
                    status=status,
                    summary=summary,
                    created_by=author,
                )
                case._history_user = author
                case._change_reason = "Demo data"
                case.save()
                build_case_file(
                    case,
                    rng=random.Random(f"ofr-demo:{reference}"),  # noqa: S311 (repeatable demo data)
                    people=users,
                    agencies=agency,
                    overdue=reference == "RIV-2025-007",
                )
        build_meetings(riverside, users)
        build_nok_interview(riverside, users)
        build_recommendations(riverside, lakeview, users, agency)
        build_agreements({riverside: users["coordinator"], lakeview: users["outsider"]}, agency)


# Each agency's data-sharing agreement with its county's team (the state's
# health department, which holds the PDMP, with Riverside's): the record types
# it covers, and when it ends, in days from today. The sheriff's ended last
# month, so the coordinator's home page asks for its renewal and requests to
# the sheriff are flagged; the EMS one ends within the renewal window.
AGREEMENTS = [
    ("riv_health", "riv", ["death_certificate", "social_services", "other"], 540),
    ("riv_sheriff", "riv", ["law_enforcement_report", "jail_corrections"], -30),
    ("riv_me", "riv", ["autopsy", "me_coroner_investigation", "toxicology"], 700),
    ("riv_ems", "riv", ["ems_run", "fire_run"], 45),
    ("riv_hospital", "riv", ["hospital_ed", "outpatient_medical", "mental_health"], 400),
    ("riv_treatment", "riv", ["sud_treatment"], 300),
    ("riv_harm", "riv", ["other"], 600),
    ("riv_jail", "riv", ["jail_corrections"], 365),
    ("state_health", "riv", ["pdmp", "death_certificate"], 800),
    ("lkv_health", "lkv", ["death_certificate", "autopsy", "toxicology"], 500),
    ("lkv_police", "lkv", ["law_enforcement_report"], 250),
]


def build_agreements(coordinators: dict, agency: dict) -> None:
    today = timezone.localdate()
    teams = {team.short_code.lower(): team for team in coordinators}
    for key, team_key, record_types, ends_in_days in AGREEMENTS:
        team = teams[team_key]
        expires_on = today + timedelta(days=ends_in_days)
        agreement = DataSharingAgreement(
            team=team,
            agency=agency[key],
            reference=f"{team.short_code}-DSA-{expires_on.year - 2}",
            record_types=record_types,
            signed_on=expires_on - timedelta(days=730),
            expires_on=expires_on,
            created_by=coordinators[team],
        )
        agreement._history_user = coordinators[team]
        agreement._change_reason = "Demo data"
        agreement.save()


USERS = [
    ("coordinator", "Riverside coordinator"),
    ("facilitator", "Riverside facilitator"),
    (
        "reviewer",
        "Riverside member, county health department (public health); "
        "trained next-of-kin interviewer",
    ),
    ("officer", "Riverside member, sheriff's office (law enforcement)"),
    ("partner", "Agency partner, Riverside health department (recommendations only)"),
    ("oversight", "State oversight (aggregates only)"),
    ("committee", "Governing committee of Riverside and Lakeview (recommendations only)"),
    ("outsider", "Lakeview coordinator"),
    ("admin", "System administrator (superuser, no case data)"),
]

"""The dataset behind `manage.py bench` (and `manage.py bench_packet`): a
synthetic case load of one team, with a second team whose cases the benchmark
users must not see. demo/bench_pages.py measures the pages over it.

`build_dataset()` fills an empty database (never the project's: the command
runs it in a subprocess pointed at a separate SQLite file). It is a plain
function so that the tests run it at a tiny size against the test database.

Audited rows are never written with plain bulk operations: one case per team
goes through `Case.save()` (team grants, sections), and everything else through
django-simple-history's `bulk_create_with_history`, so that every row has its
history row, as if it had been saved one by one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from cases.business_days import add_business_days
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    Finding,
    FindingEvent,
    IdentifierLookup,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
    ToxicologyResult,
)
from meetings.models import (
    AgendaItem,
    Attendance,
    ConfidentialityAgreement,
    Meeting,
    ReviewClearance,
    Signature,
)
from ofr.models import Agency, Holiday, Jurisdiction, Membership, Team, TeamJurisdiction
from ofr.roles import Role, Sector, SensitiveCategory
from recommendations.models import Category, Level, ProgressUpdate, Recommendation, Status

TEAM_SHORT_CODE = "BENCH"
OTHER_TEAM_SHORT_CODE = "BENCHX"
COORDINATOR = "bench-coordinator"
REVIEWER = "bench-reviewer"
OTHER_COORDINATOR = "bench-other-coordinator"
DETAIL_REFERENCE = "BENCH-DETAIL"
SMALL_REFERENCE = "BENCH-SMALL"
REASON = "Benchmark data"
CASES_PER_PAGE = 50  # cases/views/cases.py; page 20 exists from 951 cases on
FAR_PAGE = 20
# Members see the cases of meetings they signed for: the reviewer signed for
# past meetings of four cases each, enough for page FAR_PAGE of their list.
REVIEWED_CASES = CASES_PER_PAGE * FAR_PAGE + 100
CASES_PER_MEETING = 4
RECOMMENDATIONS_PER = 5  # cases per recommendation: 2,000 at 10,000 cases
BATCH = 500

SURNAMES = [
    "Okafor", "Lindgren", "Marquez", "Whitaker", "Nakamura", "Delacroix", "Abernathy",
    "Castellano", "Fairbanks", "Gutierrez", "Holloway", "Iverson", "Jablonski", "Kowalczyk",
    "Lambert", "Montgomery", "Novak", "Ostrowski", "Pemberton", "Quintero", "Rasmussen",
    "Sorensen", "Thibodeaux", "Underwood", "Valdez", "Wojcik", "Yamamoto", "Zimmerman",
    "Brennan", "Carmichael", "Donnelly", "Esposito", "Fitzgerald", "Galloway", "Hawthorne",
    "Ingram", "Jankowski", "Kingsley", "Lindqvist", "Mahoney", "Northcott", "Oyelaran",
    "Prentice", "Ramirez", "Stanton", "Tremblay", "Vasquez", "Whitmore", "Ashworth", "Bellamy",
]  # fmt: skip
GIVEN_NAMES = [
    "Alex", "Jordan", "Casey", "Morgan", "Taylor", "Riley", "Jamie", "Avery", "Quinn",
    "Rowan", "Dana", "Sam", "Robin", "Kendall", "Hayden", "Emerson", "Reese", "Skyler",
]  # fmt: skip
# The name searched on the "search" page: one surname in len(SURNAMES).
SEARCH_NAME = SURNAMES[0]

AGENCIES = [
    ("health", "Bench County Health Department", Sector.PUBLIC_HEALTH),
    ("sheriff", "Bench County Sheriff's Office", Sector.LAW_ENFORCEMENT),
    ("ems", "Bench Fire and EMS", Sector.EMS_FIRE),
    ("hospital", "Bench Regional Medical Center", Sector.HOSPITAL_HEALTH_SYSTEM),
    ("treatment", "Bench Recovery Center", Sector.SUD_TREATMENT),
    ("jail", "Bench County Detention Center", Sector.JAIL_DETENTION),
    ("mental", "Bench Behavioral Health", Sector.MENTAL_HEALTH),
    ("social", "Bench Social Services", Sector.SOCIAL_SERVICES),
    ("harm", "Bench Harm Reduction Coalition", Sector.HARM_REDUCTION),
    ("pharmacy", "Bench Pharmacy", Sector.PHARMACY),
]

# (system, touchpoint type, agency key, sensitivity, description, weight)
PART2 = SensitiveCategory.PART2_SUD
MENTAL = SensitiveCategory.MENTAL_HEALTH
LE = SensitiveCategory.LE_INVESTIGATIVE
TOUCHPOINTS = [
    ("ems", "ems_response", "ems", "", "EMS responded to an unresponsive person.", 12),
    ("ems", "naloxone_administered", "ems", "", "Two doses of naloxone; revived on scene.", 6),
    ("health_care", "ed_visit", "hospital", "", "ED visit; discharged without a referral.", 14),
    ("health_care", "nonfatal_overdose", "hospital", "", "Non-fatal overdose treated in ED.", 6),
    ("health_care", "prescription_fill", "pharmacy", "", "Opioid prescription filled.", 10),
    ("health_care", "outpatient_visit", "hospital", "", "Primary-care visit for back pain.", 8),
    ("criminal_legal", "arrest", "sheriff", "", "Arrested for possession.", 6),
    ("criminal_legal", "booking", "jail", "", "Booked into county jail.", 5),
    ("criminal_legal", "jail_release", "jail", "", "Released without naloxone or MOUD.", 5),
    ("criminal_legal", "probation_parole", "sheriff", LE, "Named in an investigation.", 3),
    ("sud_treatment", "treatment_admission", "treatment", PART2, "Methadone 60 mg daily.", 5),
    ("sud_treatment", "moud_stop", "treatment", PART2, "Left treatment; MOUD stopped.", 3),
    ("behavioral_health", "mental_health_contact", "mental", MENTAL, "Crisis assessment.", 4),
    ("harm_reduction", "harm_reduction_contact", "harm", "", "Naloxone kit and test strips.", 5),
    ("social_services", "social_services", "social", "", "Applied for food assistance.", 3),
    ("housing", "housing_services", "social", "", "Shelter stay of four nights.", 3),
]
TOUCHPOINT_WEIGHTS = [t[-1] for t in TOUCHPOINTS]
SUBSTANCES = ["fentanyl", "xylazine", "methamphetamine", "cocaine", "heroin", "benzodiazepine"]
STATUS_WEIGHTS = {
    Case.Status.IDENTIFIED: 3,
    Case.Status.AWAITING_INFORMATION: 2,
    Case.Status.SELECTED: 2,
    Case.Status.RECORDS_REQUESTED: 2,
    Case.Status.SUMMARY_IN_PREPARATION: 2,
    Case.Status.READY_FOR_REVIEW: 1,
    Case.Status.REVIEWED: 10,
    Case.Status.CLOSED: 30,
    Case.Status.EXCLUDED: 2,
    Case.Status.DEFERRED: 1,
}


@dataclass
class Dataset:
    """What the measurements need to find in a built database."""

    team: Team
    coordinator: object
    reviewer: object
    detail_case: Case
    small_case: Case
    cases: int
    events: int
    detail_events: int


def is_benchmark_database() -> bool:
    """Whether the current database is empty or was built by build_dataset()
    (raw SQL: it runs before migrate, on whatever schema the file has)."""
    tables = connection.introspection.table_names()
    if not tables:
        return True
    if "ofr_team" not in tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM ofr_team WHERE short_code = %s", [TEAM_SHORT_CODE])
        return cursor.fetchone()[0] == 1


class IncompleteDataset(Exception):
    """A benchmark database whose build did not finish."""


def find_dataset() -> Dataset | None:
    """The benchmark dataset in the current database, or None when there is none."""
    team = Team.objects.filter(short_code=TEAM_SHORT_CODE).first()
    if team is None:
        return None
    User = get_user_model()
    found = {
        "coordinator": User.objects.filter(username=COORDINATOR).first(),
        "reviewer": User.objects.filter(username=REVIEWER).first(),
        "detail_case": team.cases.filter(reference=DETAIL_REFERENCE).first(),
        "small_case": team.cases.filter(reference=SMALL_REFERENCE).first(),
    }
    if None in found.values():
        raise IncompleteDataset("The benchmark database is incomplete (a build was interrupted).")
    detail_case = found["detail_case"]
    return Dataset(
        team=team,
        **found,
        cases=team.cases.count(),
        events=TimelineEvent.objects.filter(case__team=team).count(),
        detail_events=detail_case.timeline_events.count(),
    )


def _quiet(message: str) -> None:
    pass


def check_sizes(*, cases: int, events: int, detail_events: int) -> None:
    """Refuse sizes build_dataset() cannot honour, with the reason."""
    if cases < 2:
        raise ValueError("The benchmark needs at least 2 cases.")
    if detail_events < 1:
        raise ValueError("The detail case needs at least 1 event.")
    if events < detail_events + 1:
        raise ValueError(
            f"{events} events do not fit a case with {detail_events} events and one with 1."
        )
    if cases == 2 and events != detail_events + 1:
        raise ValueError("With 2 cases, the events must be the detail events plus 1.")


def build_dataset(
    *,
    cases: int,
    events: int,
    detail_events: int,
    seed: int = 4,
    progress: Callable[[str], None] = _quiet,
) -> Dataset:
    """Fill an empty database with `cases` cases of one team holding `events`
    timeline events in all, one case holding exactly `detail_events` of them
    and one exactly 1; plus a small second team whose cases the benchmark
    users must not see."""
    check_sizes(cases=cases, events=events, detail_events=detail_events)
    rng = random.Random(seed)  # noqa: S311  (synthetic data, reproducible)
    today = date.today()
    started = time.perf_counter()

    with transaction.atomic():
        team, other_team, agencies, coordinator, reviewer, other_coordinator = _foundation(today)
    progress("Teams, agencies and users created.")

    # Cases: the two measured ones first, then the rest.
    references = [DETAIL_REFERENCE, SMALL_REFERENCE] + [
        f"BENCH-{number:06d}" for number in range(1, cases - 1)
    ]
    dates_of_death = _create_cases(team, references, coordinator, rng, today)
    case_ids = list(dates_of_death)
    other_references = [f"BENCHX-{n:05d}" for n in range(1, max(5, cases // 100) + 1)]
    other_dates = _create_cases(other_team, other_references, other_coordinator, rng, today)
    other_ids = list(other_dates)
    dates_of_death |= other_dates
    progress(f"{len(dates_of_death)} cases and their sections created ({_since(started)}).")

    # Events: exactly detail_events and 1 on the measured cases; the rest
    # scattered at random over the other cases (about events / cases each).
    counts = {case_ids[0]: detail_events, case_ids[1]: 1}
    rest = case_ids[2:]
    for case_id in rest:
        counts[case_id] = 0
    for _ in range(events - detail_events - 1):
        counts[rest[rng.randrange(len(rest))]] += 1
    _create_events(counts, dates_of_death, agencies, coordinator, rng, progress, started)
    progress(f"{events} timeline events created ({_since(started)}).")

    _create_toxicology(case_ids + other_ids, coordinator, rng)
    _create_record_requests(team, case_ids[2:], dates_of_death, agencies, coordinator, rng, today)
    _create_record_requests(
        other_team, other_ids, dates_of_death, agencies, other_coordinator, rng, today
    )
    progress(f"Toxicology and record requests created ({_since(started)}).")

    _create_meetings(team, case_ids[:REVIEWED_CASES], coordinator, reviewer, today)
    progress(f"Past meetings with the reviewer's signature created ({_since(started)}).")

    _create_recommendations(team, max(5, cases // RECOMMENDATIONS_PER), agencies, coordinator, rng)
    progress(f"Recommendations and their updates created ({_since(started)}).")

    detail_case = Case.objects.get(pk=case_ids[0])
    small_case = Case.objects.get(pk=case_ids[1])
    for case in (detail_case, small_case):
        _furnish(case, agencies, coordinator, reviewer, dates_of_death[case.pk], today)
    progress(f"Dataset built in {_since(started)}.")
    return Dataset(
        team=team,
        coordinator=coordinator,
        reviewer=reviewer,
        detail_case=detail_case,
        small_case=small_case,
        cases=len(case_ids),
        events=events,
        detail_events=detail_events,
    )


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def _foundation(today: date):
    state = Jurisdiction.objects.create(name="Bench State", level="state")
    county = Jurisdiction.objects.create(name="Bench County", level="county", parent=state)
    other_county = Jurisdiction.objects.create(name="Other County", level="county", parent=state)
    agencies = {
        key: Agency.objects.create(name=name, sector=sector, jurisdiction=county)
        for key, name, sector in AGENCIES
    }
    team = Team.objects.create(name="Bench County OFR Team", short_code=TEAM_SHORT_CODE)
    other_team = Team.objects.create(name="Other County OFR Team", short_code=OTHER_TEAM_SHORT_CODE)
    TeamJurisdiction.objects.create(team=team, jurisdiction=county)
    TeamJurisdiction.objects.create(team=other_team, jurisdiction=other_county)
    for year in (today.year - 1, today.year):
        Holiday.objects.create(team=team, date=date(year, 7, 4), name="Independence Day")
        Holiday.objects.create(team=team, date=date(year, 12, 25), name="Christmas Day")

    User = get_user_model()

    def member(username: str, team: Team, role: str) -> object:
        user = User(username=username, first_name=username.split("-")[-1].title())
        user.set_unusable_password()  # the benchmark signs in with force_login
        user.save()
        Membership.objects.create(
            user=user,
            team=team,
            role=role,
            agency=agencies["health"],
            starts_on=date(2020, 1, 1),
        )
        return user

    coordinator = member(COORDINATOR, team, Role.COORDINATOR)
    reviewer = member(REVIEWER, team, Role.MEMBER)
    other_coordinator = member(OTHER_COORDINATOR, other_team, Role.COORDINATOR)
    return team, other_team, agencies, coordinator, reviewer, other_coordinator


def _create_cases(team, references, author, rng, today) -> dict[int, date]:
    """Cases with filled-in sections; returns each case's date of death.

    The first case goes through Case.save(), which grants the team groups and
    creates the sections exactly as the app does (its sections are then
    edited, as a coordinator would). Saving 10,000 cases one by one takes
    minutes, so the others are created in bulk with their history rows, each
    with the permission rows Case.save() gave the first and the sections of
    Case.create_sections(), filled in at creation."""
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())

    def new_case(reference: str) -> Case:
        status = rng.choices(statuses, weights)[0]
        return Case(
            team=team,
            reference=reference,
            status=status,
            summary="Synthetic case for the benchmark. No real person.",
            exclusion_reason="other" if status == Case.Status.EXCLUDED else "",
            deferral_reason="active_investigation" if status == Case.Status.DEFERRED else "",
            created_by=author,
        )

    dates_of_death = {}
    with transaction.atomic():
        first = new_case(references[0])
        first._history_user = author
        first._change_reason = REASON
        first.save()
        for model, values in _section_values(rng, today).items():
            section = model.objects.get(case=first)
            for name, value in values.items():
                setattr(section, name, value)
            section.version += 1
            section._history_user = author
            section._change_reason = REASON
            section.save()
            if model is DeathDetails:
                dates_of_death[first.pk] = section.date_of_death
    grants = list(
        CaseGroupObjectPermission.objects.filter(content_object=first).values_list(
            "group_id", "permission_id"
        )
    )
    for start in range(1, len(references), BATCH):
        with transaction.atomic():
            cases = bulk_create_with_history(
                [new_case(reference) for reference in references[start : start + BATCH]],
                Case,
                batch_size=BATCH,
                default_user=author,
                default_change_reason=REASON,
            )
            CaseGroupObjectPermission.objects.bulk_create(
                [
                    CaseGroupObjectPermission(
                        content_object_id=case.pk, group_id=group, permission_id=permission
                    )
                    for case in cases
                    for group, permission in grants
                ],
                batch_size=10 * BATCH,
            )
            sections = {model: [] for model in SECTION_MODELS}
            for case in cases:
                for model, values in _section_values(rng, today).items():
                    sections[model].append(model(case_id=case.pk, **values))
                    if model is DeathDetails:
                        dates_of_death[case.pk] = values["date_of_death"]
            for model, objects in sections.items():
                _create_with_history(objects, model, author)
            # bulk_create skips save(), which keeps the search's lookups.
            IdentifierLookup.objects.bulk_create(
                [
                    row
                    for identifiers in sections[DecedentIdentifiers]
                    for row in IdentifierLookup.rows_for(identifiers)
                ],
                batch_size=10 * BATCH,
            )
    return dates_of_death


# The one-to-one sections Case.create_sections() creates for every case.
SECTION_MODELS = (Decedent, DecedentIdentifiers, DeathDetails, Circumstances)


def _section_values(rng, today: date) -> dict[type, dict]:
    """What the coordinator enters in the sections of one case."""
    date_of_death = today - timedelta(days=rng.randint(30, 6 * 365))
    tristate = ["yes", "no", "unknown"]
    return {
        DeathDetails: {
            "date_of_death": date_of_death,
            "date_last_seen_alive": date_of_death - timedelta(days=rng.randint(0, 2)),
            "manner": rng.choices(["accident", "undetermined", "suicide"], [90, 7, 3])[0],
            "cause_immediate": "Acute combined drug toxicity",
            "icd10_underlying": "X42",
            "place_of_death": rng.choice(["decedent_home", "public_place", "ed"]),
            "autopsy": "yes",
            "county_of_death": "Bench County",
        },
        Decedent: {
            "age_at_death": rng.randint(16, 75),
            "sex": rng.choice(["male", "male", "female"]),
            "race": rng.choice(["white", "black", "multiple", "unknown"]),
            "ethnicity": rng.choice(["hispanic_latino", "not_hispanic_latino"]),
            "residence_county": "Bench County",
            "residence_zip": f"{rng.randint(10000, 99999)}",
            "homeless": rng.choice(tristate),
        },
        DecedentIdentifiers: {
            "legal_name": f"{rng.choice(GIVEN_NAMES)} {rng.choice(SURNAMES)}",
            "date_of_birth": date_of_death - timedelta(days=rng.randint(17 * 365, 75 * 365)),
            "me_case_number": f"ME-{rng.randint(0, 10**7):07d}",
        },
        Circumstances: {
            "route_of_use": rng.sample(["injection", "smoking", "snorting"], 1),
            "bystander_present": rng.choice(tristate),
            "naloxone_administered": rng.choice(tristate),
            "prior_overdose_past_year": rng.choice(tristate),
        },
    }


def _create_events(counts, dates_of_death, agencies, author, rng, progress, started) -> None:
    chunk: list[TimelineEvent] = []
    created = 0
    total = sum(counts.values())
    for case_id, count in counts.items():
        date_of_death = dates_of_death[case_id]
        for _ in range(count):
            system, kind, agency, sensitivity, description, _weight = rng.choices(
                TOUCHPOINTS, TOUCHPOINT_WEIGHTS
            )[0]
            chunk.append(
                TimelineEvent(
                    case_id=case_id,
                    date=date_of_death - timedelta(days=rng.randint(0, 730)),
                    date_precision=rng.choices(["day", "month", "approximate"], [90, 5, 5])[0],
                    system=system,
                    agency=agencies[agency],
                    touchpoint_type=kind,
                    description=description,
                    sensitivity=sensitivity,
                    missed_opportunity=rng.random() < 0.12,
                    created_by=author,
                )
            )
        if len(chunk) >= 10 * BATCH:
            created += _create_with_history(chunk, TimelineEvent, author)
            chunk = []
            if total > 20 * BATCH and created % (50 * BATCH) < 10 * BATCH:
                progress(f"  events: {created} of {total} ({_since(started)})")
    _create_with_history(chunk, TimelineEvent, author)


def _create_meetings(team, case_ids, coordinator, reviewer, today) -> None:
    """Closed weekly meetings of four cases each, the reviewer signed on every one."""
    agreement = ConfidentialityAgreement.current(team)
    groups = [
        case_ids[i : i + CASES_PER_MEETING] for i in range(0, len(case_ids), CASES_PER_MEETING)
    ]
    meetings = [
        Meeting(
            team=team,
            title=f"Bench review {number + 1}",
            status=Meeting.Status.CLOSED,
            starts_at=timezone.make_aware(
                datetime.combine(today - timedelta(weeks=number + 1), datetime.min.time())
            ),
            place="Bench room",
            created_by=coordinator,
        )
        for number in range(len(groups))
    ]
    _create_with_history(meetings, Meeting, coordinator)
    meetings = list(Meeting.objects.filter(team=team).order_by("pk"))
    _create_with_history(
        [
            AgendaItem(meeting=meeting, case_id=case_id, position=position)
            for meeting, group in zip(meetings, groups, strict=True)
            for position, case_id in enumerate(group, start=1)
        ],
        AgendaItem,
        coordinator,
    )
    _create_with_history(
        [Attendance(meeting=m, user=reviewer, added_by=coordinator) for m in meetings],
        Attendance,
        coordinator,
    )
    attendances = Attendance.objects.filter(meeting__team=team, user=reviewer).order_by("pk")
    _create_with_history(
        [
            Signature(
                attendance=attendance,
                agreement=agreement,
                typed_name=reviewer.get_full_name(),
                text_sha256=agreement.sha256,
            )
            for attendance in attendances
        ],
        Signature,
        reviewer,
    )
    # Bulk rows send no signals: the clearances their signatures give, as Signature.save would.
    ReviewClearance.refresh_for([reviewer.pk])


def _create_recommendations(team, count, agencies, author, rng) -> None:
    """Recommendations of every status, category and lead agency, due dates
    around today (so some are overdue), each past proposed with the update that
    moved it."""
    today = date.today()
    statuses = list(Status.values)
    recommendations = [
        Recommendation(
            team=team,
            title=f"Bench recommendation {number}",
            statement="What should change, and why.",
            action="What will be done, by whom.",
            measure="A measure",
            category=rng.choice(Category.values),
            level=rng.choice(Level.values),
            lead_agency=rng.choice([None, *agencies.values()]),
            status=rng.choice(statuses),
            due_on=today + timedelta(days=rng.randrange(-400, 400)),
            created_by=author,
        )
        for number in range(1, count + 1)
    ]
    _create_with_history(recommendations, Recommendation, author)
    moved = Recommendation.objects.filter(team=team).exclude(status=Status.PROPOSED)
    _create_with_history(
        [
            ProgressUpdate(
                recommendation_id=pk,
                reported_on=today - timedelta(days=rng.randrange(0, 700)),
                author=author,
                previous_status=Status.PROPOSED,
                new_status=status,
                narrative="Reported at the team meeting.",
            )
            for pk, status in moved.values_list("pk", "status")
        ],
        ProgressUpdate,
        author,
    )


def _create_with_history(objects, model, author) -> int:
    """Rows and their history rows in bulk, in one transaction."""
    if not objects:
        return 0
    with transaction.atomic():
        bulk_create_with_history(
            objects, model, batch_size=BATCH, default_user=author, default_change_reason=REASON
        )
    return len(objects)


def _create_toxicology(case_ids, author, rng) -> None:
    results = []
    for case_id in case_ids:
        if rng.random() < 0.3:  # toxicology pending or not entered yet
            continue
        for substance in rng.sample(SUBSTANCES, rng.randint(1, 3)):
            results.append(
                ToxicologyResult(
                    case_id=case_id,
                    substance=substance,
                    caused_death=substance in ("fentanyl", "heroin") or rng.random() < 0.5,
                    concentration=rng.randint(1, 500) / 10,
                    unit="ng_ml",
                    specimen="femoral_blood",
                    lab="Bench Toxicology Lab",
                )
            )
        if len(results) >= 10 * BATCH:
            _create_with_history(results, ToxicologyResult, author)
            results = []
    _create_with_history(results, ToxicologyResult, author)


def _create_record_requests(team, case_ids, dates_of_death, agencies, author, rng, today) -> None:
    """About one request per three cases, nearly all answered; about 1% of
    the cases (at least about 80) have one pending past its due date (the
    overdue list)."""
    holidays = list(team.holidays.values_list("date", flat=True))
    requests = []
    # 1 in 100, and at least a page and a bit (the overdue list's page 2 is measured).
    overdue_share = max(0.01, 80 / max(1, len(case_ids)))
    for case_id in case_ids:
        roll = rng.random()
        if roll > 0.34:
            continue
        overdue = roll < overdue_share
        date_of_death = dates_of_death[case_id]
        requested_on = (
            today - timedelta(days=rng.randint(10, 60))
            if overdue
            else min(today, date_of_death + timedelta(days=rng.randint(20, 90)))
        )
        health_care = rng.random() < 0.5
        days = team.health_care_record_due_days if health_care else team.agency_record_due_days
        if overdue:
            days = min(days, 5)
        due_on = add_business_days(requested_on, days, holidays)
        answered = not overdue and due_on < today
        requests.append(
            RecordRequest(
                case_id=case_id,
                agency=agencies["hospital" if health_care else "sheriff"],
                record_types=["hospital_ed"] if health_care else ["law_enforcement_report"],
                legal_basis="ofr_statute",
                window_start=date_of_death - timedelta(days=730),
                window_end=date_of_death,
                requested_on=requested_on,
                due_on=due_on,
                outcome="received" if answered else "pending",
                answered_on=min(today, due_on) if answered else None,
                created_by=author,
            )
        )
    _create_with_history(requests, RecordRequest, author)


def _furnish(case, agencies, coordinator, reviewer, date_of_death, today) -> None:
    """The same items on both measured cases, so that their query counts
    compare like with like: notes (one on an event), a finding linked to
    events, a record request, a document record and a toxicology result."""
    with transaction.atomic():
        events = list(case.timeline_events.order_by("date", "id"))
        for note in (
            Note(case=case, author=reviewer, text="Benchmark note on the case."),
            Note(
                case=case,
                timeline_event=events[0],
                author=reviewer,
                text="Benchmark note on a touchpoint.",
            ),
        ):
            note._change_reason = REASON
            note.save()
        finding = Finding(
            case=case,
            kind="missed_opportunity",
            system="criminal_legal",
            description="No naloxone at release.",
            proposed_by=reviewer,
        )
        finding._change_reason = REASON
        finding.save()
        for event in events[:3]:
            link = FindingEvent(finding=finding, event=event)
            link._change_reason = REASON
            link.save()
        request = RecordRequest(
            case=case,
            agency=agencies["hospital"],
            record_types=["hospital_ed"],
            legal_basis="ofr_statute",
            window_start=date_of_death - timedelta(days=730),
            window_end=date_of_death,
            requested_on=today - timedelta(days=60),
            created_by=coordinator,
        )
        request._change_reason = REASON
        request.save()
        # The record only: the detail page lists documents, it never opens the file.
        document = SourceDocument(
            case=case,
            title="ED record",
            document_type="hospital_ed",
            agency=agencies["hospital"],
            received_on=today - timedelta(days=30),
            file=f"cases/{case.code}/benchmark-placeholder.pdf",
            original_name="ed-record.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=1024,
            sha256="0" * 64,
            uploaded_by=coordinator,
        )
        document._change_reason = REASON
        document.save()
        toxicology = ToxicologyResult(case=case, substance="fentanyl", caused_death=True)
        toxicology._change_reason = REASON
        toxicology.save()

"""Demo recommendations: Riverside has one in every state of the
lifecycle, some overdue, several led by the health department and updated by
`partner`, and the governing committee's decisions on those adopted;
Lakeview has three. Each team has a few community resources (local
services by year); the first Riverside recommendation cites its syringe
services program. Everything is fictitious."""

from datetime import date, timedelta

from django.utils import timezone

from cases.models import Finding
from meetings.models import Meeting
from recommendations.models import (
    CommunityResource,
    Endorsement,
    FundingSource,
    Recommendation,
    RecommendationFinding,
    RecommendationPartner,
    RecommendationResource,
    WorkPlanTask,
)

# (team, kind, name, agency key or None, area served, years ago it started,
#  years ago it ended or None, notes)
COMMUNITY = [
    (
        "riv",
        "syringe_services",
        "Riverside Harm Reduction syringe services program",
        "riv_harm",
        "Riverside County",
        4,
        None,
        "Fixed site downtown, mobile van twice a week.",
    ),
    (
        "riv",
        "naloxone_distribution",
        "Naloxone vending machine at the county jail lobby",
        "riv_jail",
        "Riverside County",
        1,
        None,
        "",
    ),
    (
        "riv",
        "naloxone_distribution",
        "Library naloxone boxes",
        "riv_health",
        "City of Riverside",
        2,
        None,
        "Six branches.",
    ),
    ("riv", "moud_provider", "New Path Recovery Center OTP", "riv_treatment", "", 6, None, ""),
    (
        "riv",
        "deflection",
        "Sheriff's office deflection program",
        "riv_sheriff",
        "Riverside County",
        3,
        1,
        "Pilot ended when its grant did.",
    ),
    ("riv", "crisis_services", "988 mobile crisis team", None, "Riverside County", 2, None, ""),
    ("lkv", "naloxone_distribution", "Lakeview naloxone mail-out", "lkv_health", "", 2, None, ""),
    ("lkv", "drug_checking", "Fentanyl test strip pick-up", "lkv_health", "", 1, None, ""),
]


def build_community(teams: dict, users: dict, agencies: dict) -> dict[str, CommunityResource]:
    """The teams' community resources, by name."""
    this_year = timezone.localdate().year
    built = {}
    for team_key, kind, name, agency, area, started, ended, notes in COMMUNITY:
        author = users["coordinator" if team_key == "riv" else "outsider"]
        resource = CommunityResource(
            team=teams[team_key],
            kind=kind,
            name=name,
            agency=agencies[agency] if agency else None,
            area_served=area,
            started_on=date(this_year - started, 3, 1),
            ended_on=date(this_year - ended, 6, 30) if ended is not None else None,
            notes=notes,
            source="Fictitious demo entry",
            created_by=author,
        )
        resource._history_user = author
        resource._change_reason = "Demo data"
        resource.save()
        built[name] = resource
    return built


# (title, category, level, lead, partners, due in days (negative: overdue),
#  [(status, days ago, author key, narrative, reason)], statement)
RIVERSIDE = [
    (
        "Fentanyl test strips at every syringe services visit",
        "fentanyl_test_strips",
        "population",
        "riv_harm",
        [],
        180,
        [],
        "Offer fentanyl test strips with every syringe services visit, with a short talk on "
        "what a positive strip means.",
    ),
    (
        "Peer recovery coaches in the emergency department",
        "treatment_moud",
        "agency",
        "riv_hospital",
        ["riv_treatment"],
        240,
        [("adopted", 40, "facilitator", "Adopted by the team at the autumn review.", "")],
        "Offer a peer recovery coach to every patient seen for a non-fatal overdose.",
    ),
    (
        "Leave-behind naloxone after every EMS overdose call",
        "naloxone_distribution",
        "agency",
        "riv_health",
        ["riv_ems"],
        -20,
        [
            ("adopted", 120, "facilitator", "Adopted at the summer review.", ""),
            (
                "in_progress",
                60,
                "partner",
                "Kits bought with settlement funds; EMS crews trained on two of three shifts.",
                "",
            ),
            (
                "in_progress",
                10,
                "partner",
                "Third shift trained; supply contract delayed, so kits ran out for a week.",
                "",
            ),
        ],
        "Leave a naloxone kit with the patient or bystanders after every overdose call, "
        "whether or not the patient is transported.",
    ),
    (
        "Overdose spike alerts shared with harm reduction within 24 hours",
        "data_sharing",
        "system",
        "riv_health",
        ["riv_harm", "riv_me"],
        -30,
        [
            ("adopted", 200, "facilitator", "Adopted at the spring review.", ""),
            (
                "in_progress",
                150,
                "partner",
                "Data-sharing agreement signed with the coalition.",
                "",
            ),
            (
                "implemented",
                45,
                "partner",
                "Alerts have gone out within 24 hours for three months; monitoring continues.",
                "",
            ),
        ],
        "When suspected overdoses exceed the weekly threshold, alert harm reduction partners "
        "within 24 hours.",
    ),
    (
        "MOUD continuity at jail release",
        "reentry",
        "agency",
        "riv_jail",
        ["riv_treatment", "riv_health"],
        -5,
        [
            ("adopted", 160, "facilitator", "Adopted at the spring review.", ""),
            (
                "in_progress",
                120,
                "coordinator",
                "Jail medical contractor agreed to bridge doses.",
                "",
            ),
            (
                "partially_implemented",
                20,
                "partner",
                "Bridge prescriptions at release started; warm hand-offs to clinics not yet.",
                "",
            ),
        ],
        "Continue medication for opioid use disorder through release, with a bridge "
        "prescription and an appointment booked before the person leaves.",
    ),
    (
        "Quick response team visits within 72 hours of a non-fatal overdose",
        "quick_response_teams",
        "agency",
        "riv_ems",
        ["riv_harm"],
        -60,
        [
            ("adopted", 220, "facilitator", "Adopted at the spring review.", ""),
            (
                "not_implemented",
                70,
                "coordinator",
                "The grant application was not funded; the county budget has no line for it.",
                "No funding in fiscal year 2026",
            ),
        ],
        "A team of a paramedic and a peer visits each person within 72 hours of a non-fatal "
        "overdose.",
    ),
    (
        "Good Samaritan law briefings for patrol officers",
        "good_samaritan",
        "agency",
        "riv_sheriff",
        [],
        90,
        [
            ("adopted", 210, "facilitator", "Adopted at the spring review.", ""),
            (
                "no_longer_applicable",
                100,
                "coordinator",
                "The state academy now covers the law in mandatory annual training.",
                "Covered by statewide training since this year",
            ),
        ],
        "Brief every patrol officer on the state's Good Samaritan overdose law.",
    ),
    (
        "Stigma-reduction training for emergency department staff",
        "training_stigma",
        "agency",
        "riv_health",
        ["riv_hospital"],
        120,
        [
            ("adopted", 40, "facilitator", "Adopted at the autumn review.", ""),
            ("in_progress", 15, "partner", "First two sessions held; 48 staff trained.", ""),
        ],
        "Train emergency department staff in person-first language and in starting "
        "buprenorphine in the department.",
    ),
    (
        "Deflection referrals from patrol to treatment",
        "deflection_diversion",
        "agency",
        "riv_sheriff",
        ["riv_treatment"],
        -15,
        [("adopted", 90, "facilitator", "Adopted at the summer review.", "")],
        "Offer a treatment referral instead of a citation for possession when the person agrees.",
    ),
]

LAKEVIEW = [
    ("Naloxone vending machines at the transit center", "naloxone_distribution", []),
    ("Postpartum follow-up for mothers with opioid use disorder", "treatment_moud", ["adopted"]),
    (
        "Overdose data dashboard shared with the city police",
        "data_sharing",
        ["adopted", "in_progress"],
    ),
]


def build_recommendations(riverside, lakeview, users: dict, agencies: dict) -> None:
    today = timezone.localdate()
    resources = build_community({"riv": riverside, "lkv": lakeview}, users, agencies)
    autumn = Meeting.objects.filter(team=riverside, status=Meeting.Status.CLOSED).first()
    findings = list(
        Finding.objects.filter(case__team=riverside, case__agenda_items__meeting=autumn)
        .exclude(sensitivity__in=["part2_sud", "le_investigative"])
        .order_by("id")
    )
    for number, (title, category, level, lead, partners, due, updates, statement) in enumerate(
        RIVERSIDE
    ):
        recommendation = Recommendation(
            team=riverside,
            title=title,
            statement=statement,
            action=statement,
            measure="Share of eligible people reached, reported each quarter",
            baseline="Not measured before",
            target="75% within a year",
            due_on=today + timedelta(days=due),
            category=category,
            level=level,
            lead_agency=agencies[lead],
            created_by=users["coordinator"],
        )
        recommendation._history_user = users["coordinator"]
        recommendation._change_reason = "Demo data"
        recommendation.save()
        for key in partners:
            link = RecommendationPartner(recommendation=recommendation, agency=agencies[key])
            link._history_user = users["coordinator"]
            link.save()
        if number == 0:
            link = RecommendationResource(
                recommendation=recommendation,
                resource=resources["Riverside Harm Reduction syringe services program"],
            )
            link._history_user = users["coordinator"]
            link.save()
        for finding in findings[number % 3 :: 3][:2]:
            link = RecommendationFinding(recommendation=recommendation, finding=finding)
            link._history_user = users["coordinator"]
            link.save()
        for status, days_ago, author, narrative, reason in updates:
            update = recommendation.add_update(
                by=users[author],
                new_status=status,
                narrative=narrative,
                reason=reason,
                reported_on=today - timedelta(days=days_ago),
            )
            if status == "adopted" and days_ago == 40:
                autumn.record_adoption(recommendation, by=users["coordinator"])
                autumn.record_report(update, by=users["coordinator"])
        if updates:
            for offset, task in ((-10, "Agree the protocol"), (30, "Report the first quarter")):
                item = WorkPlanTask(
                    recommendation=recommendation,
                    task=task,
                    owner=agencies[lead].name,
                    due_on=today + timedelta(days=offset),
                    done=offset < 0 and number % 2 == 0,
                )
                item._history_user = users["coordinator"]
                item.save()
            funding = FundingSource(
                recommendation=recommendation,
                kind="opioid_settlement" if number % 2 else "state_opioid_response",
                amount=15000 + 5000 * number if number % 3 else None,
            )
            funding._history_user = users["coordinator"]
            funding.save()
        # The county board of health's decisions: the adopted ones endorsed
        # (one after sending it back once), the newest still before it.
        if updates and number % 3 == 0:
            Endorsement.record(
                recommendation,
                by=users["committee"],
                decision="returned",
                decided_on=today - timedelta(days=90),
                notes="Name who reports the measure, and when.",
            )
        if updates:
            Endorsement.record(
                recommendation,
                by=users["committee"],
                decision="endorsed" if number % 2 else "endorsed_with_changes",
                decided_on=today - timedelta(days=30),
                notes="" if number % 2 else "Report to the board twice a year.",
            )

    for number, (title, category, statuses) in enumerate(LAKEVIEW):
        recommendation = Recommendation(
            team=lakeview,
            title=title,
            statement=title + ".",
            action=title + ".",
            measure="Reported each quarter",
            due_on=today + timedelta(days=60 * (number + 1)),
            category=category,
            level="agency",
            lead_agency=agencies["lkv_health"],
            created_by=users["outsider"],
        )
        recommendation._history_user = users["outsider"]
        recommendation.save()
        for step, status in enumerate(statuses):
            recommendation.add_update(
                by=users["outsider"],
                new_status=status,
                narrative=f"{status.replace('_', ' ').capitalize()}.",
                reported_on=today - timedelta(days=30 - 10 * step),
            )

"""A fictitious case file for each demo case (demo/management/commands/demo.py).

Everything here is invented: people, numbers, places and records. Each case
follows its summary (a release from jail 11 days before death, two non-fatal
overdoses, ...); the rest is drawn from the `rng` the demo passes, so the demo
is the same every time. Every row goes through save(), with a plausible author
and "Demo data" as the reason in its history. The timeline is in
demo/timeline.py.
"""

from __future__ import annotations

import hashlib
import random
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from cases import valuesets as vs
from cases.models import (
    Case,
    Finding,
    FindingEvent,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
    ToxicologyResult,
)
from demo.timeline import PART2, K, S, Touch, build_timeline, pick

REASON = "Demo data"
LATEST_DEATH = date(2026, 10, 30)

# The agency behind each kind of contact, per team (keys of the demo's agency
# dict). A kind a team has no agency for is left without one.
TEAM_AGENCIES = {
    "RIV": {
        "police": "riv_sheriff",
        "jail": "riv_jail",
        "ems": "riv_ems",
        "hospital": "riv_hospital",
        "treatment": "riv_treatment",
        "harm": "riv_harm",
        "me": "riv_me",
    },
    "LKV": {"police": "lkv_police"},
}
TOWNS = {
    "RIV": (["Millbrook", "Riverside", "Cedar Falls", "Ashford"], "471"),
    "LKV": (["Lakeview", "Harbor Point", "Glenwood"], "473"),
}

MALE_NAMES = ["Darnell", "Wesley", "Caleb", "Trevor", "Mateo", "Gordon", "Reginald", "Kyle"]
MALE_NAMES += ["Andre", "Felix", "Dwayne", "Ronald"]
FEMALE_NAMES = ["Shannon", "Kayla", "Rosalind", "Brianna", "Tamsin", "Lorraine", "Jolene"]
FEMALE_NAMES += ["Marisol", "Courtney", "Annette"]
SURNAMES = ["Delaney", "Haverford", "Quintero", "Blackwood", "Okafor", "Pellegrino", "Strickland"]
SURNAMES += ["Abernathy", "Kowalczyk", "Merriweather", "Thibodeaux", "Lindgren", "Castellanos"]
SURNAMES += ["Fairbanks", "Yarborough", "Pennington"]
STREETS = ["Alder Street", "Birch Lane", "Canal Road", "Dogwood Court", "Elm Avenue"]
STREETS += ["Foundry Street", "Granary Road", "Juniper Way", "Kestrel Lane", "Orchard Street"]
OCCUPATIONS = ["Construction laborer", "Restaurant cook", "Warehouse worker", "Roofer"]
OCCUPATIONS += ["Home health aide", "Auto mechanic", "Retail cashier", "Truck driver", "Unemployed"]

# substance: (lowest, highest, unit, always listed as a cause, detail)
LEVELS = {
    "fentanyl": (3, 45, "ng_ml", True, ""),
    "xylazine": (4, 90, "ng_ml", True, ""),
    "cocaine": (0.05, 0.9, "mg_l", True, ""),
    "methamphetamine": (0.1, 1.6, "mg_l", True, ""),
    "benzodiazepine": (15, 120, "ng_ml", True, "Bromazolam"),
    "alcohol": (300, 1400, "mg_l", False, ""),
    "gabapentin": (4, 25, "mg_l", False, ""),
    "cannabinoid": (1, 9, "ng_ml", False, "Delta-9-THC"),
}
NEVER_A_CAUSE = {"cannabinoid"}
NARCOTICS = {"fentanyl", "cocaine", "heroin", "cannabinoid"}  # ICD-10 X42 (accident), Y12
CAUSE_NAMES = {"benzodiazepine": "bromazolam", "alcohol": "ethanol"}

# Agency role: (record types requested, title and file type of the records received)
RECORDS = {
    "police": (["law_enforcement_report"], "Sheriff's incident reports", ".pdf"),
    "jail": (["jail_corrections"], "Detention booking and release records", ".txt"),
    "hospital": (["hospital_ed"], "Emergency department records", ".pdf"),
    "treatment": (["sud_treatment"], "Treatment program records", ".txt"),
    "ems": (["ems_run"], "EMS run reports", ".pdf"),
    "me": (["autopsy", "toxicology"], "Autopsy and toxicology reports", ".pdf"),
}

PART2_NOTES = [
    "Program records show the dose was still being adjusted when visits stopped; ask how "
    "the program follows up on missed doses.",
    "The program's discharge summary lists no overdose-prevention plan; worth raising at "
    "the meeting.",
]
CASE_NOTES = [
    ("facilitator", "For the meeting: put the contacts of the last three months side by side."),
    (
        "reviewer",
        "Several systems saw this person in the last three months; none of the records shows "
        "a hand-off to another.",
    ),
    (
        "facilitator",
        "Ask the hospital representative how peer recovery referrals are triggered after an "
        "overdose visit.",
    ),
]
LEGAL_NOTE = (
    "The release log does not record whether naloxone was offered; the detention center can "
    "check its property sheet."
)
EMERGENCY_NOTE = "Run report notes naloxone was effective; no leave-behind kit recorded."

# Touchpoint type of a missed opportunity: (finding kind, blame-neutral description).
MISSED = "missed_opportunity"
FINDINGS = {
    K.JAIL_RELEASE: (MISSED, "Release from detention without naloxone or a bridge to MOUD."),
    K.ED_VISIT: (MISSED, "ED discharge without take-home naloxone or a peer recovery referral."),
    K.EMS_RESPONSE: (MISSED, "No leave-behind naloxone or referral after an overdose response."),
    K.TREATMENT_DISCHARGE: ("system_gap", "Treatment ended without an overdose-prevention plan."),
    K.MOUD_STOP: ("system_gap", "Missed medication visits did not prompt outreach in time."),
    K.OUTPATIENT_VISIT: (MISSED, "Opioid therapy ended without a taper plan or naloxone."),
    K.PROBATION_PAROLE: (MISSED, "A positive drug screen on supervision led to no referral."),
    K.PRISON_RELEASE: (MISSED, "Release from prison without naloxone or an MOUD appointment."),
    K.HOSPITAL_DISCHARGE: (MISSED, "No substance-use screening before a hospital discharge."),
}
# Touchpoint type of any event: the finding it may suggest.
OTHER_FINDINGS = {
    K.HARM_REDUCTION_CONTACT: ("protective_factor", "Regular contact with harm-reduction staff."),
    K.NALOXONE_ADMINISTERED: ("good_practice", "EMS reversed an earlier overdose with naloxone."),
    K.NONFATAL_OVERDOSE: ("risk_factor", "A non-fatal overdose in the two years before death."),
    K.EVICTION: ("risk_factor", "Loss of housing in the months before death."),
}


def build_case_file(case: Case, *, rng: random.Random, people: dict, agencies: dict, overdue=False):
    """Fill a new demo case's file. `people` and `agencies` are the demo's users
    and agencies by key; `overdue` adds the demo's one overdue record request.

    Every case gets its decedent, identifiers, death details, toxicology,
    circumstances and a timeline; Riverside's also record requests, documents,
    notes and findings."""
    rich = case.team.short_code == "RIV"
    roles = TEAM_AGENCIES.get(case.team.short_code, {})

    def agency(role):
        return agencies.get(roles.get(role, ""))

    coordinator = people["coordinator"] if rich else case.created_by
    county = case.team.jurisdictions.filter(level="county").first()
    county_name = county.name if county else "Riverside County"
    death = date_of_death_for(rng, case)

    sex = _decedent(rng, case, county_name, coordinator)
    _identifiers(rng, case, death, sex, coordinator)
    substances = _toxicology(rng, case, coordinator)
    _death_details(rng, case, death, substances, county_name, coordinator)
    touches = build_timeline(rng, case.summary, rich=rich)
    _circumstances(rng, case, touches, coordinator)
    documents = {}
    if rich:
        requests = _record_requests(rng, case, touches, death, agency, coordinator, overdue)
        documents = _documents(rng, case, requests, death, agency, coordinator)
    events = []
    for touch in touches:
        day = death - timedelta(days=touch.days)
        if touch.precision == vs.DatePrecision.MONTH:
            day = day.replace(day=1)
        event = TimelineEvent(
            case=case,
            date=day,
            date_precision=touch.precision,
            system=touch.system,
            agency=agency(touch.role),
            touchpoint_type=touch.touchpoint_type,
            description=touch.description,
            sensitivity=touch.sensitivity,
            missed_opportunity=touch.missed,
            source_document=_source(documents.get(touch.role), touch.sensitivity),
            created_by=coordinator,
        )
        events.append(_save(event, coordinator))
    if rich:
        _notes(rng, case, events, people)
        told = [e for t, e in zip(touches, events, strict=True) if t.story and t.missed]
        _findings(rng, case, events, told, people)
    if case.status == Case.Status.DEFERRED:
        _deferral(case, coordinator)


def _deferral(case: Case, coordinator) -> None:
    """Deferred for the sheriff's investigation long enough ago that the
    review-by date has passed: the coordinator's home page and reminder show it."""
    period = timedelta(days=case.team.deferral_review_days)
    deferred_on = timezone.localdate() - period - timedelta(days=10)
    case.deferral_reason = vs.DeferralReason.ACTIVE_INVESTIGATION
    case.deferral_review_on = deferred_on + period
    case.status_note = "The sheriff's office is investigating the death."
    case.status_changed_at = timezone.make_aware(datetime.combine(deferred_on, time(10)))
    case.status_changed_by = coordinator
    _save(case, coordinator)


def _source(document: SourceDocument | None, sensitivity: str) -> SourceDocument | None:
    """The document an event comes from, unless it is more restricted than the event."""
    if document is not None and document.sensitivity in ("", sensitivity):
        return document
    return None


def _save(obj, user):
    """Save with history. Values and cross-field rules are checked as a form
    would; links and uniqueness are left to the database (a query each)."""
    obj._history_user = user
    obj._change_reason = REASON
    links = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=links, validate_unique=False, validate_constraints=False)
    obj.save()
    return obj


def _save_section(section, user) -> None:
    """A one-to-one section, created with the case: this is its first edit."""
    section.version += 1
    _save(section, user)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def date_of_death_for(rng, case: Case) -> date:
    """A day in the year of the case's reference (RIV-2025-004: 2025); the
    cases still waiting for information died in the last weeks before."""
    m = re.search(r"-(\d{4})-", case.reference)
    year = int(m[1]) if m else LATEST_DEATH.year
    last = min(date(year, 12, 31), LATEST_DEATH)
    if case.status in (Case.Status.IDENTIFIED, Case.Status.AWAITING_INFORMATION):
        first = last - timedelta(days=45)
    else:
        first, last = date(year, 1, 1), min(last, LATEST_DEATH - timedelta(days=90))
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _decedent(rng, case, county_name, author) -> str:
    summary = case.summary
    m = re.search(r"(\d+)-year-old", summary)
    decedent = case.decedent
    decedent.age_at_death = int(m[1]) if m else rng.randint(19, 68)
    if re.search(r"\bwoman\b", summary):
        decedent.sex = "female"
    elif re.search(r"\bman\b", summary):
        decedent.sex = "male"
    else:
        decedent.sex = rng.choice(["female", "male"])
    decedent.race = pick(
        rng, {"white": 12, "black": 5, "multiple": 1, "american_indian_alaska_native": 1}
    )
    decedent.ethnicity = pick(rng, {"not_hispanic_latino": 8, "hispanic_latino": 2, "unknown": 1})
    decedent.residence_county = county_name
    decedent.residence_zip = TOWNS.get(case.team.short_code, TOWNS["RIV"])[1] + str(
        rng.randint(10, 49)
    )
    if "homelessness" in summary:
        decedent.homeless = "yes"
    else:
        decedent.homeless = pick(rng, {"no": 6, "unknown": 1, "not_collected": 2})
    decedent.veteran = pick(rng, {"no": 6, "yes": 1, "unknown": 1, "not_collected": 2})
    decedent.occupation = "Student" if decedent.age_at_death < 21 else rng.choice(OCCUPATIONS)
    decedent.education = pick(
        rng, {"high_school_ged": 5, "some_high_school": 2, "some_college": 3, "unknown": 1}
    )
    _save_section(decedent, author)
    return decedent.sex


def _identifiers(rng, case, death, sex, author) -> None:
    decedent = case.decedent
    first = rng.choice(FEMALE_NAMES if sex == "female" else MALE_NAMES)
    last = rng.choice(SURNAMES)
    identifiers = case.identifiers
    identifiers.legal_name = f"{first} {chr(rng.randint(65, 90))}. {last}"
    if rng.random() < 0.3:
        other = rng.choice([s for s in SURNAMES if s != last])
        identifiers.aliases = f"{first} {other}" if sex == "female" else f"{first[0]}. {last}"
    # Born so as to be exactly age_at_death on the date of death.
    latest = _years_before(death, decedent.age_at_death)
    earliest = _years_before(death, decedent.age_at_death + 1) + timedelta(days=1)
    identifiers.date_of_birth = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
    if decedent.homeless == "yes":
        identifiers.residence_address = "No fixed address"
    else:
        towns = TOWNS.get(case.team.short_code, TOWNS["RIV"])[0]
        identifiers.residence_address = (
            f"{rng.randint(100, 9899)} {rng.choice(STREETS)}, {rng.choice(towns)}, "
            f"FR {decedent.residence_zip}"
        )
    identifiers.me_case_number = f"ME-{death.year}-{rng.randint(100, 1400):04d}"
    identifiers.death_certificate_number = f"{death.year}-FR-{rng.randint(1000, 99999):06d}"
    _save_section(identifiers, author)


def substances_for(rng, summary: str) -> list[str]:
    """Those the summary names as detected, fentanyl almost always, and up to two more."""
    named = [s for s in ["fentanyl", "xylazine", "cocaine", "methamphetamine"] if s in summary]
    named += ["benzodiazepine"] if "benzodiazepines" in summary.lower() else []
    found = list(dict.fromkeys((["fentanyl"] if rng.random() < 0.92 else []) + named))
    for substance in rng.sample([s for s in LEVELS if s not in found], rng.randint(0, 2)):
        if len(found) < 4:
            found.append(substance)
    if not any(LEVELS[s][3] for s in found):
        found.insert(0, "fentanyl")
    return found[:4]


def _toxicology(rng, case, author) -> list[ToxicologyResult]:
    """1-4 results; a case awaiting toxicology has only a preliminary screen."""
    if "toxicology pending" in case.summary.lower():
        screen = ToxicologyResult(case=case, substance="fentanyl", specimen="urine")
        screen.lab = "Preliminary screen; confirmation pending"
        return [_save(screen, author)]
    results = []
    for substance in substances_for(rng, case.summary):
        low, high, unit, cause, detail = LEVELS[substance]
        value = rng.uniform(low, high)
        result = ToxicologyResult(
            case=case,
            substance=substance,
            substance_detail=detail,
            concentration=Decimal(f"{value:.3f}" if high < 5 else f"{value:.1f}"),
            unit=unit,
            caused_death=cause or (substance not in NEVER_A_CAUSE and rng.random() < 0.3),
            specimen=pick(rng, {"femoral_blood": 6, "heart_blood": 1, "urine": 1}),
            lab="Franklin Forensic Toxicology Laboratory",
        )
        results.append(_save(result, author))
    return results


def _death_details(rng, case, death, results, county_name, author) -> None:
    summary = case.summary
    details = case.death
    details.date_of_death = death
    seen = 2 if "two days before" in summary else rng.choice([0, 0, 1])
    details.date_last_seen_alive = death - timedelta(days=seen)
    causes = [CAUSE_NAMES.get(r.substance, r.substance) for r in results if r.caused_death]
    if not causes:
        details.manner = vs.MannerOfDeath.PENDING
        details.cause_immediate = "Pending toxicology"
    else:
        details.manner = pick(rng, {"accident": 5, "undetermined": 1})
        joined = causes[0] if len(causes) == 1 else ", ".join(causes[:-1]) + " and " + causes[-1]
        combined = "combined " if len(causes) > 1 else ""
        details.cause_immediate = f"Acute {combined}{joined} toxicity"
        narcotic = all(r.substance in NARCOTICS for r in results)
        if details.manner == vs.MannerOfDeath.ACCIDENT:
            details.icd10_underlying = "X42" if narcotic else "X44"
        else:
            details.icd10_underlying = "Y12" if narcotic else "Y14"
        details.other_conditions = rng.choice(
            ["", "", "Hypertensive cardiovascular disease", "Chronic hepatitis C"]
        )
    if "at home" in summary:
        details.place_of_death = vs.PlaceOfDeath.DECEDENT_HOME
    elif "park" in summary:
        details.place_of_death = vs.PlaceOfDeath.PUBLIC_PLACE
    elif "friend's home" in summary:
        details.place_of_death = vs.PlaceOfDeath.OTHER
    else:
        details.place_of_death = pick(
            rng, {"decedent_home": 6, "other": 2, "public_place": 1, "ed": 1}
        )
    details.autopsy = pick(rng, {"yes": 8, "not_collected": 1, "no": 1})
    details.county_of_injury = details.county_of_death = county_name
    _save_section(details, author)


RELEASED_FROM = {
    K.JAIL_RELEASE: "jail",
    K.PRISON_RELEASE: "prison",
    K.TREATMENT_DISCHARGE: "sud_treatment",
    K.HOSPITAL_DISCHARGE: "hospital",
}


def _circumstances(rng, case, touches: list[Touch], author) -> None:
    """From the summary and the timeline where they tell; otherwise a mix of
    no, unknown and not collected."""
    summary = case.summary

    def recent(kinds, days):
        return [t for t in touches if t.touchpoint_type in kinds and t.days <= days]

    def otherwise():
        return pick(rng, {"no": 2, "unknown": 1, "not_collected": 2})

    c = case.circumstances
    c.route_of_use = rng.sample(["injection", "smoking", "snorting"], rng.randint(1, 2))
    if "Bystander present" in summary:
        c.bystander_present, c.bystander_relationship = "yes", "friend"
    elif "lived alone" in summary:
        c.bystander_present = "no"
    else:
        c.bystander_present = pick(rng, {"yes": 2, "no": 3, "unknown": 1, "not_collected": 1})
        if c.bystander_present == "yes":
            c.bystander_relationship = rng.choice(["family", "friend", "roommate"])
    if c.bystander_present == "yes" and rng.random() < 0.6:
        c.naloxone_administered = "yes"
        c.naloxone_administered_by = rng.choice([["ems"], ["bystander", "ems"]])
        c.naloxone_doses = rng.randint(1, 4)
    else:
        c.naloxone_administered = pick(rng, {"no": 3, "unknown": 1})
    c.no_pulse_at_arrival = pick(rng, {"yes": 4, "unknown": 1, "not_collected": 1})
    c.prior_overdose_past_year = "yes" if recent([K.NONFATAL_OVERDOSE], 365) else otherwise()
    c.recent_ed_visit = "yes" if recent([K.ED_VISIT], 30) else otherwise()
    if releases := recent(list(RELEASED_FROM), 30):
        c.recent_release = "yes"
        c.recent_release_from = list(
            dict.fromkeys(RELEASED_FROM[t.touchpoint_type] for t in releases)
        )
    else:
        c.recent_release = otherwise()
    on_moud = any(t.touchpoint_type == K.MOUD_START for t in touches)
    if on_moud and recent([K.MOUD_STOP, K.OTHER], 30):
        c.current_sud_treatment = "yes"
        c.sud_treatment_types = ["moud_with_cognitive"]
    else:
        c.current_sud_treatment = otherwise()
    if any(t.system == S.BEHAVIORAL_HEALTH for t in touches):
        c.mental_health_diagnosis = "yes"
        c.mental_health_diagnoses = [rng.choice(["depression", "anxiety", "ptsd"])]
    else:
        c.mental_health_diagnosis = otherwise()
    c.drugs_on_scene = rng.choice([["illicit"]] * 5 + [["illicit", "prescription"], []])
    _save_section(c, author)


def _record_requests(rng, case, touches, death, agency, author, overdue) -> list[RecordRequest]:
    """2-4 requests to the agencies of the timeline, sent weeks after the death
    and answered. `overdue` adds one pending for about 60 days; the other case
    with records requested has one sent yesterday, not yet due."""
    today = timezone.localdate()
    counts: dict[str, int] = {}
    for touch in touches:
        if touch.role in RECORDS and agency(touch.role):
            counts[touch.role] = counts.get(touch.role, 0) + 1
    roles = sorted(counts, key=lambda r: -counts[r])[: rng.randint(2, 4)]
    if len(roles) < 2:
        roles.append("me")
    window_start, window_end = RecordRequest.default_window(death)

    def request(role, requested_on):
        return RecordRequest(
            case=case,
            agency=agency(role),
            record_types=RECORDS[role][0],
            legal_basis=vs.LegalBasis.OFR_STATUTE,
            window_start=window_start,
            window_end=window_end,
            requested_on=requested_on,
            created_by=author,
        )

    requests = []
    for role in roles:
        req = request(role, min(death + timedelta(days=rng.randint(14, 35)), today))
        first_due = req.compute_due_on()
        req.answered_on = min(req.requested_on + timedelta(days=rng.randint(3, 50)), today)
        if req.answered_on > first_due + timedelta(days=3):
            req.re_requested_on = first_due + timedelta(days=3)
        if role == "police" and "active investigation" in case.summary:
            req.outcome = RecordRequest.Outcome.WITHHELD
            req.withheld_reason = vs.WithheldReason.PENDING_INVESTIGATION
        elif role in ("hospital", "ems") and rng.random() < 0.12:
            req.outcome = RecordRequest.Outcome.UNAVAILABLE
        else:
            req.outcome = RecordRequest.Outcome.RECEIVED
        requests.append(_save(req, author))
    if overdue:
        role = "jail" if agency("jail") else roles[0]
        requests.append(_save(request(role, today - timedelta(days=60)), author))
    elif case.status == Case.Status.RECORDS_REQUESTED and agency("ems"):
        # Agency records are due in 5 business days: sent yesterday, not yet due.
        requests.append(_save(request("ems", today - timedelta(days=1)), author))
    return requests


def pdf_bytes(text: str) -> bytes:
    """A valid one-page PDF showing one line of text."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n" % (len(objects) + 1, xref)
    return bytes(out + b"%%EOF\n")


def _documents(rng, case, requests, death, agency, author) -> dict[str, SourceDocument]:
    """The ME's report and 0-2 of the records received (treatment records, which
    are Part 2, first); by agency role, to serve as the timeline's sources."""
    today = timezone.localdate()
    received = [r for r in requests if r.outcome == RecordRequest.Outcome.RECEIVED]
    by_role = {role: r for r in received for role in RECORDS if r.agency == agency(role)}
    chosen = sorted(by_role, key=lambda role: (role != "treatment", rng.random()))
    me_received = min(death + timedelta(days=rng.randint(30, 75)), today)
    specs = [("me", "Medical examiner investigation report", "me_coroner_investigation", ".pdf")]
    for role in chosen[: rng.randint(0, 2)]:
        record_types, title, extension = RECORDS[role]
        specs.append((role, title, record_types[0], extension))
    documents = {}
    for role, title, document_type, extension in specs:
        line = f"Fictitious demo record. {title}, case {case.reference}. No real information."
        if extension == ".pdf":
            content, content_type = pdf_bytes(line), "application/pdf"
        else:
            content, content_type = (line + "\n").encode(), "text/plain; charset=utf-8"
        source = by_role.get(role) if role != "me" else None
        name = re.sub(r"[^a-z]+", "-", title.lower()).strip("-") + extension
        document = SourceDocument(
            case=case,
            title=title,
            document_type=document_type,
            agency=agency(role),
            record_request=source,
            received_on=source.answered_on if source else me_received,
            sensitivity=vs.RECORD_TYPE_CATEGORY.get(document_type, ""),
            original_name=name,
            extension=extension,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=author,
        )
        document.file.save(name, ContentFile(content), save=False)
        documents[role] = _save(document, author)
    return documents


def _notes(rng, case, events, people) -> None:
    """2-4 notes by the reviewer, the officer and the facilitator, some on an
    event; the reviewer's on a Part 2 event is Part 2 itself. No names."""
    part2 = [e for e in events if e.sensitivity == PART2]
    legal = [e for e in events if e.system == S.CRIMINAL_LEGAL and not e.sensitivity]
    emergency = [e for e in events if e.system in (S.EMS, S.HEALTH_CARE) and not e.sensitivity]
    notes = []  # (author, event, sensitivity, text)
    if part2:
        notes.append(("reviewer", rng.choice(part2), PART2, rng.choice(PART2_NOTES)))
    options = [(author, None, "", text) for author, text in CASE_NOTES]
    if legal:
        options.append(("officer", rng.choice(legal), "", LEGAL_NOTE))
    if emergency:
        options.append(("reviewer", rng.choice(emergency), "", EMERGENCY_NOTE))
    rng.shuffle(options)
    notes += options[: rng.randint(2, 4) - len(notes)]
    for author, event, sensitivity, text in notes:
        note = Note(
            case=case,
            timeline_event=event,
            author=people[author],
            text=text,
            sensitivity=sensitivity,
        )
        _save(note, people[author])


def _findings(rng, case, events, told, people) -> None:
    """1-3 findings proposed by the reviewer or the facilitator, each linked to
    1-2 events: missed opportunities and system gaps (those the summary tells
    of, `told`, first), and one of another kind (a risk or protective factor, a
    good practice) when there are several. Confirmed by the facilitator on
    reviewed and closed cases."""
    proposals: dict[tuple, TimelineEvent] = {}
    for event in told + [e for e in events if e not in told]:
        spec = FINDINGS.get(event.touchpoint_type) if event.missed_opportunity else None
        spec = spec or OTHER_FINDINGS.get(event.touchpoint_type)
        if spec:
            proposals.setdefault((*spec, event.system), event)
    missed = [p for p in proposals.items() if p[0][0] in (MISSED, "system_gap")]
    others = [p for p in proposals.items() if p[0][0] not in (MISSED, "system_gap")]
    rng.shuffle(missed)
    rng.shuffle(others)
    missed.sort(key=lambda p: p[1] not in told)  # stable: told first
    confirm = case.status in (Case.Status.REVIEWED, Case.Status.CLOSED)
    count = rng.randint(1, 3)
    first = missed[: max(1, count - 1)]  # and one of another kind when there are several
    for (kind, text, system), event in (first + others + missed[len(first) :])[:count]:
        author = people[rng.choice(["reviewer", "facilitator"])]
        linked = [event]
        related = [e for e in events if e.system == event.system and e.pk != event.pk]
        if related and rng.random() < 0.5:
            linked.append(rng.choice(related))
        # A finding drawn from a protected touchpoint takes its category (one at most).
        sensitivity = next((e.sensitivity for e in linked if e.sensitivity), "")
        linked = [e for e in linked if e.sensitivity in ("", sensitivity)]
        finding = Finding(
            case=case,
            kind=kind,
            system=system,
            description=text,
            proposed_by=author,
            sensitivity=sensitivity,
        )
        _save(finding, author)
        for linked_event in linked:
            _save(FindingEvent(finding=finding, event=linked_event), author)
        if confirm:
            finding.confirm(by=people["facilitator"])

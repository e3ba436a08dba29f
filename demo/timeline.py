"""The timeline of a demo case (demo/case_files.py): the contacts its summary tells
of, then contacts drawn from the demo's `rng`. Everything is invented;
descriptions are blame-neutral and name no one."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from cases import valuesets as vs
from ofr.roles import SensitiveCategory

WINDOW_DAYS = 720  # the timeline covers the 24 months before death
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}

S = vs.TouchpointSystem
K = vs.TouchpointType
PART2 = SensitiveCategory.PART2_SUD
LE = SensitiveCategory.LE_INVESTIGATIVE
MH = SensitiveCategory.MENTAL_HEALTH


def pick(rng: random.Random, weighted: dict):
    """One key of `weighted`, drawn with its value as weight."""
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


# Short name: (system, agency role (a key of demo.case_files.TEAM_AGENCIES), touchpoint
# type, sensitivity)
KINDS = {
    "overdose": (S.EMS, "ems", K.NONFATAL_OVERDOSE, ""),
    "naloxone": (S.EMS, "ems", K.NALOXONE_ADMINISTERED, ""),
    "ems": (S.EMS, "ems", K.EMS_RESPONSE, ""),
    "ed": (S.HEALTH_CARE, "hospital", K.ED_VISIT, ""),
    "admit": (S.HEALTH_CARE, "", K.HOSPITAL_ADMISSION, ""),
    "hospital_discharge": (S.HEALTH_CARE, "", K.HOSPITAL_DISCHARGE, ""),
    "clinic": (S.HEALTH_CARE, "", K.OUTPATIENT_VISIT, ""),
    "fill": (S.HEALTH_CARE, "", K.PRESCRIPTION_FILL, ""),
    "pdmp": (S.HEALTH_CARE, "", K.PDMP_RECORD, ""),
    "arrest": (S.CRIMINAL_LEGAL, "police", K.ARREST, ""),
    "booking": (S.CRIMINAL_LEGAL, "jail", K.BOOKING, ""),
    "court": (S.CRIMINAL_LEGAL, "", K.COURT, ""),
    "jail_release": (S.CRIMINAL_LEGAL, "jail", K.JAIL_RELEASE, ""),
    "prison_release": (S.CRIMINAL_LEGAL, "", K.PRISON_RELEASE, ""),
    "probation": (S.CRIMINAL_LEGAL, "", K.PROBATION_PAROLE, ""),
    "investigation": (S.CRIMINAL_LEGAL, "police", K.OTHER, LE),
    "admission": (S.SUD_TREATMENT, "treatment", K.TREATMENT_ADMISSION, PART2),
    "discharge": (S.SUD_TREATMENT, "treatment", K.TREATMENT_DISCHARGE, PART2),
    "moud_start": (S.SUD_TREATMENT, "treatment", K.MOUD_START, PART2),
    "moud_stop": (S.SUD_TREATMENT, "treatment", K.MOUD_STOP, PART2),
    "program_visit": (S.SUD_TREATMENT, "treatment", K.OTHER, PART2),
    "mental_health": (S.BEHAVIORAL_HEALTH, "", K.MENTAL_HEALTH_CONTACT, MH),
    "harm": (S.HARM_REDUCTION, "harm", K.HARM_REDUCTION_CONTACT, ""),
    "housing": (S.HOUSING, "", K.HOUSING_SERVICES, ""),
    "eviction": (S.HOUSING, "", K.EVICTION, ""),
    "social": (S.SOCIAL_SERVICES, "", K.SOCIAL_SERVICES, ""),
    "child": (S.CHILD_FAMILY, "", K.CHILD_SERVICES, SensitiveCategory.CHILD_SERVICES),
}


@dataclass
class Touch:
    """One timeline event before it is saved, `days` before death."""

    days: int
    kind: str  # a key of KINDS
    text: str
    missed_text: str = ""  # appended when marked a missed opportunity
    story: bool = False  # told by the summary: marked missed first
    precision: str = vs.DatePrecision.DAY
    missed: bool = False

    @property
    def system(self) -> str:
        return KINDS[self.kind][0]

    @property
    def role(self) -> str:
        return KINDS[self.kind][1]

    @property
    def touchpoint_type(self) -> str:
        return KINDS[self.kind][2]

    @property
    def sensitivity(self) -> str:
        return KINDS[self.kind][3]

    @property
    def description(self) -> str:
        return f"{self.text}; {self.missed_text}" if self.missed else self.text


NO_REFERRAL = "no peer recovery referral or take-home naloxone"
NO_SCREENING = "no substance-use screening, naloxone or treatment referral documented"


def ems_overdose(rng, d, *, no_referral=False):
    where = rng.choice(
        ["at a residence", "in a parked car", "in a store restroom", "at a bus stop"]
    )
    doses = rng.choice([1, 2, 2, 3])
    plural = "s" if doses > 1 else ""
    touches = [
        Touch(d, "overdose", f"Non-fatal overdose {where}; 911 called"),
        Touch(
            d, "naloxone", f"EMS gave {doses} intranasal naloxone dose{plural}; breathing restored"
        ),
    ]
    if no_referral or rng.random() < 0.5:
        text = "ED visit after an overdose; observed and discharged"
        touches.append(Touch(d, "ed", text, NO_REFERRAL, story=no_referral))
    else:
        missed = "no leave-behind naloxone kit or referral given"
        touches.append(Touch(d, "ems", "Declined transport after naloxone", missed))
    return touches


def ed_visit(rng, d):
    reason, missed = rng.choice(
        [
            ("a skin abscess at an injection site", NO_SCREENING),
            ("withdrawal symptoms", NO_SCREENING),
            ("chest pain", ""),
            ("a fall with a wrist injury", ""),
            ("a hand laceration", ""),
            ("shortness of breath", ""),
        ]
    )
    return [Touch(d, "ed", f"ED visit for {reason}; treated and released", missed)]


def jail_stay(rng, d, *, release_day=None, stay=None):
    stay = stay or rng.randint(2, 40)
    release = release_day if release_day is not None else max(1, d - stay)
    arrest = release + stay
    charge = rng.choice(["possession", "trespass", "shoplifting", "an old warrant"])
    screening = rng.choice(["withdrawal screening completed", "placed on withdrawal monitoring"])
    touches = [
        Touch(arrest, "arrest", f"Arrested on {charge}"),
        Touch(arrest, "booking", f"Booked into county detention; {screening}"),
    ]
    if stay > 5:
        text = "First court appearance; held pending a later hearing"
        touches.append(Touch(arrest - rng.randint(1, 3), "court", text))
    text = f"Released from county detention after {stay} days"
    missed = "no naloxone kit and no MOUD continuity arranged"
    touches.append(Touch(release, "jail_release", text, missed, story=release_day is not None))
    return touches


def treatment(rng, d, *, residential_discharge=None):
    """A stay with the treatment program: Part 2 records."""
    if residential_discharge is not None:
        length = rng.randint(18, 35)
        d = residential_discharge + length
        variant = "residential"
    else:
        variant = rng.choice(["buprenorphine", "methadone", "residential"])
        length = rng.randint(12, min(120, max(12, d - 1)))
    end = max(1, d - length)
    if variant == "residential":
        text = f"Discharged from residential treatment against advice on day {length}"
        missed = "no naloxone or follow-up appointment at discharge"
        return [
            Touch(d, "admission", "Residential treatment program admission for a 28-day stay"),
            Touch(end, "discharge", text, missed, story=residential_discharge is not None),
        ]
    if variant == "methadone":
        text = "Methadone program discharge after a 30-day absence"
        return [
            Touch(d, "admission", f"Methadone clinic intake; {rng.choice([40, 60, 80])} mg"),
            Touch(end, "discharge", text, "no re-engagement outreach documented"),
        ]
    dose = rng.choice([8, 12, 16])
    touches = [
        Touch(d, "admission", "Outpatient treatment program intake; opioid use disorder assessed"),
        Touch(
            max(1, d - rng.randint(0, 6)), "moud_start", f"Program started buprenorphine, {dose} mg"
        ),
    ]
    if rng.random() < 0.6:
        text = "Program recorded buprenorphine stopped after three missed visits"
        touches.append(Touch(end, "moud_stop", text, "no outreach attempt documented"))
    return touches


def one_of(kind, *texts):
    """An episode of one contact, its text drawn from `texts`."""

    def episode(rng, d):
        return [Touch(d, kind, rng.choice(texts))]

    return episode


investigation = one_of(
    "investigation",
    "Interviewed as a witness in a narcotics investigation",
    "Narcotics investigation interview after a search of a shared residence",
    "Mentioned in a sheriff's intelligence report on the local drug supply",
    "Vehicle search during a narcotics investigation; no charges filed",
)
mental_health = one_of(
    "mental_health",
    "Crisis line call; referred to outpatient counseling",
    "Outpatient psychiatric evaluation; depression diagnosed",
    "Counseling intake at a community mental-health center",
    "Mobile crisis team visit; safety plan made",
)
harm_reduction = one_of(
    "harm",
    "Syringe services visit; naloxone kit and fentanyl test strips provided",
    "Outreach van contact; naloxone kit provided",
    "Drop-in center visit; wound care and naloxone provided",
    "Syringe services visit; referral to a bridge clinic offered",
)
shelter = one_of(
    "housing",
    "Emergency shelter intake; added to the coordinated-entry list",
    "Housing voucher application started with a case manager",
)
social_services = one_of(
    "social",
    "Medicaid enrollment completed",
    "Applied for food assistance",
    "Benefits office visit; disability application started",
)
prescription = one_of(
    "fill",
    "Gabapentin 300 mg filled at a retail pharmacy",
    "Naloxone nasal spray filled at a retail pharmacy",
    "Sertraline 50 mg filled at a retail pharmacy",
)
outpatient = one_of(
    "clinic",
    "Primary-care visit for a blood-pressure follow-up",
    "Urgent-care visit for a cough",
    "Dental clinic visit for tooth pain",
    "Hepatitis C screening at a community clinic",
)


def housing(rng, d):
    if rng.random() < 0.3:
        # Known to the month only (kept inside the 24 months before death).
        text = "Eviction from a rented room after missed rent"
        return [Touch(min(d, WINDOW_DAYS - 31), "eviction", text, precision=vs.DatePrecision.MONTH)]
    return shelter(rng, d)


def probation(rng, d):
    if rng.random() < 0.5:
        return [Touch(d, "probation", "Probation check-in; job search discussed")]
    text = "Probation check-in; drug screen positive for fentanyl"
    return [Touch(d, "probation", text, "no treatment referral documented")]


GENERAL = [ems_overdose, ed_visit, jail_stay, harm_reduction, housing, prescription, outpatient]
GENERAL += [social_services, probation, ed_visit, harm_reduction]
FILLERS = [harm_reduction, prescription, outpatient, social_services, housing, ed_visit]


def summary_story(rng, summary: str) -> list[Touch]:
    """The contacts the case summary tells of."""
    touches: list[Touch] = []
    if m := re.search(r"released from county jail (\d+) days", summary, re.I):
        touches += jail_stay(rng, 0, release_day=int(m[1]), stay=rng.randint(8, 40))
    if m := re.search(r"(\w+) non-fatal overdoses", summary):
        for _ in range(NUMBERS.get(m[1], 2)):
            touches += ems_overdose(rng, rng.randint(40, 330), no_referral=True)
    if m := re.search(r"tapered abruptly (\w+) months", summary):
        taper = NUMBERS.get(m[1], 8) * 30
        text = "Oxycodone 10 mg, 90 tablets, filled at a retail pharmacy"
        for day in range(WINDOW_DAYS - rng.randint(0, 20), taper + 30, -rng.randint(56, 70)):
            touches.append(Touch(day, "fill", text))
        text = "Pain clinic visit; long-term opioid therapy ended over two weeks"
        missed = "no taper plan, naloxone or referral documented"
        touches.append(Touch(taper, "clinic", text, missed, story=True))
        touches.append(Touch(taper - 60, "pdmp", "PDMP shows no opioid fills after the taper"))
    if "homelessness" in summary:
        touches += shelter(rng, rng.randint(300, 600)) + shelter(rng, rng.randint(60, 200))
        touches += harm_reduction(rng, rng.randint(20, 120))
    if m := re.search(r"discharged from residential treatment (\d+) days", summary):
        touches += treatment(rng, 0, residential_discharge=int(m[1]))
    if m := re.search(r"ED visit for an abscess (\d+) weeks", summary):
        text = "ED visit for a skin abscess; drained and discharged"
        missed = "no naloxone or substance-use referral"
        touches.append(Touch(int(m[1]) * 7, "ed", text, missed, story=True))
    if "on probation" in summary:
        text = "Probation intake; treatment attendance made a condition"
        touches.append(Touch(rng.randint(300, 400), "probation", text))
        touches += probation(rng, rng.randint(40, 90))
    if "missed two MOUD appointments" in summary:
        text = "Program started buprenorphine with weekly counseling, 12 mg daily"
        touches.append(Touch(rng.randint(120, 200), "moud_start", text))
        text = "First missed program visit; prescription renewed by phone"
        touches.append(Touch(rng.randint(20, 28), "program_visit", text))
        text = "Second missed program visit; buprenorphine supply ran out"
        missed = "no outreach call documented"
        touches.append(Touch(rng.randint(6, 12), "moud_stop", text, missed, story=True))
    if "moved from a neighbouring county" in summary:
        text = "Benefits transferred after a move from a neighbouring county"
        touches.append(Touch(rng.randint(40, 90), "social", text))
    if "prior arrest for possession" in summary:
        touches += jail_stay(rng, rng.randint(200, 400), stay=rng.randint(1, 3))
    if "active investigation" in summary:
        touches += investigation(rng, rng.randint(60, 200)) + investigation(rng, rng.randint(5, 50))
    if m := re.search(r"released from state prison (\d+) days", summary):
        days = int(m[1])
        text = "Released from state prison after a three-year sentence"
        missed = "no naloxone or community MOUD appointment at release"
        touches.append(Touch(days, "prison_release", text, missed, story=True))
        touches.append(Touch(days - 2, "probation", "Parole intake visit"))
    if m := re.search(r"(\d+) months after delivery", summary):
        days = int(m[1]) * 30
        text = "Discharged home two days after delivery"
        missed = "no postpartum substance-use screening documented"
        touches += [
            Touch(days, "admit", "Hospital admission for delivery"),
            Touch(days - 2, "hospital_discharge", text, missed, story=True),
            Touch(days - 30, "child", "Home visit by child services after a hospital report"),
            Touch(days - 42, "clinic", "Postpartum check-up"),
        ]
    return touches


def build_timeline(rng, summary: str, *, rich: bool) -> list[Touch]:
    """The story, then contacts drawn at random: on Riverside's cases about 15 %
    Part 2, 10 % law-enforcement investigative and a few mental-health ones."""
    touches = summary_story(rng, summary)
    target = rng.randint(10, 36) if rich else rng.randint(5, 10)

    def count(sensitivity):
        return sum(t.sensitivity == sensitivity for t in touches)

    def add(episode):
        # Keep contacts distinct: draw again (a few times) when a text repeats.
        texts = {t.text for t in touches}
        for _ in range(5):
            drawn = episode(rng, rng.randint(30, WINDOW_DAYS))
            if not texts & {t.text for t in drawn}:
                break
        touches.extend(drawn)

    if rich:
        while count(PART2) < round(target * 0.15):
            add(treatment)
        while count(LE) < round(target * 0.10):
            add(investigation)
        for _ in range(pick(rng, {0: 2, 1: 2, 2: 1})):
            add(mental_health)
    while len(touches) < target:
        add(rng.choice(GENERAL if rich and target - len(touches) >= 4 else FILLERS))
    if rich and sum(bool(t.missed_text) for t in touches) < 2:
        text = "ED visit for withdrawal symptoms; treated and released"
        touches.append(Touch(rng.randint(20, 200), "ed", text, NO_SCREENING))
    candidates = [t for t in touches if t.missed_text]
    rng.shuffle(candidates)
    candidates.sort(key=lambda t: not t.story)  # stable: story first, the rest shuffled
    for touch in candidates[: rng.randint(2, 5) if rich else rng.randint(1, 2)]:
        touch.missed = True
    touches.sort(key=lambda t: -t.days)
    return touches

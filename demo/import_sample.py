"""The demo's sample case import, demo/samples/me-cases.csv: a medical
examiner's list of 200 invented deaths. 185 are new; 10 have one distinct
problem each (SAMPLE_PROBLEMS); 5 name deaths the demo already holds (three by
ME case number, two by name and date of birth, read from the loaded demo), each
with a cause of death the case does not have, so the dry run shows them as
possible duplicates. `manage.py import_sample` writes it from the loaded demo."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from cases.models import DecedentIdentifiers

HEADER = [
    "me_case_number",
    "death_certificate_number",
    "legal_name",
    "date_of_birth",
    "age_at_death",
    "sex",
    "race",
    "residence_county",
    "residence_zip",
    "date_of_death",
    "manner",
    "cause_immediate",
    "place_of_death",
    "autopsy",
    "naloxone_administered",
    "bystander_present",
    "substance_1",
    "substance_1_cause",
    "substance_2",
    "substance_2_cause",
]
ROWS = 200
FIRST = ["Avery", "Blake", "Casey", "Dana", "Emery", "Finley", "Gray", "Harper", "Indy", "Jules"]
FIRST += ["Kai", "Lane", "Marlow", "Noel", "Oakley", "Parker", "Quinn", "Reese", "Sage", "Tatum"]
LAST = ["Ashdown", "Brightwater", "Copperfield", "Dunmore", "Elderberry", "Foxglove", "Greywood"]
LAST += ["Hollowell", "Ivybridge", "Juniper", "Kettleby", "Larkspur", "Mossgrove", "Nettlefield"]
# Row (file line) -> what is wrong with it, for the tests and the curious.
SAMPLE_PROBLEMS = {
    12: "date of death that is no date (February 30)",
    31: "manner of death that is not a choice",
    47: "naloxone administered “maybe”",
    63: "no ME number, certificate number or date of birth",
    80: "the ME number of row 2 again",
    96: "date of death in the future",
    115: "a substance that is not a choice",
    133: "born after the death",
    150: "ZIP code with letters",
    171: "age at death of 150",
}
# Row -> how it matches a Riverside demo case (by the order of its reference).
SAMPLE_DUPLICATES = {20: "me", 55: "me", 90: "me", 125: "name", 160: "name"}
DUPLICATE_CAUSE = "Acute mixed drug intoxication (ME list)"


def sample_rows(demo_identifiers: list[DecedentIdentifiers]) -> list[list[str]]:
    rng = random.Random("ofr-import-sample")  # noqa: S311 (repeatable invented data)
    rows, names = [], set()
    for line in range(2, ROWS + 2):
        death = date(2026, 1, 1) + timedelta(days=rng.randint(0, 240))
        age = rng.randint(19, 70)
        born = date(death.year - age - 1, death.month, 1) + timedelta(days=rng.randint(35, 360))
        age = death.year - born.year - ((death.month, death.day) < (born.month, born.day))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        while (name, born) in names:
            name = f"{rng.choice(FIRST)} {chr(rng.randint(65, 90))}. {rng.choice(LAST)}"
        names.add((name, born))
        substances = rng.sample(["Fentanyl", "xylazine", "Cocaine", "methamphetamine"], 2)
        row = {
            "me_case_number": f"ME-2026-{5000 + line}",
            "death_certificate_number": f"2026-SX-{700000 + line}",
            "legal_name": name,
            "date_of_birth": born.strftime("%m/%d/%Y") if line % 2 else born.isoformat(),
            "age_at_death": str(age),
            "sex": rng.choice(["F", "M", "female", "Male"]),
            "race": rng.choice(["White", "Black or African American", "asian", "unknown"]),
            "residence_county": "Riverside",
            "residence_zip": f"490{rng.randint(10, 49)}",
            "date_of_death": death.strftime("%m/%d/%Y") if line % 3 else death.isoformat(),
            "manner": rng.choice(["Accident", "accident", "Undetermined", "pending"]),
            "cause_immediate": "Acute drug intoxication",
            "place_of_death": rng.choice(["Decedent's home", "public place", "ED"]),
            "autopsy": rng.choice(["yes", "no", "Y", "unknown"]),
            "naloxone_administered": rng.choice(["yes", "no", "unknown", "not collected"]),
            "bystander_present": rng.choice(["yes", "no", "u"]),
            "substance_1": substances[0],
            "substance_1_cause": "yes",
            "substance_2": substances[1] if rng.random() < 0.5 else "",
            "substance_2_cause": "",
        }
        if row["substance_2"]:
            row["substance_2_cause"] = rng.choice(["yes", "no"])
        rows.append(row)
    spoil(rows)
    riverside = [i for i in demo_identifiers if i.me_case_number and i.date_of_birth]
    for (line, how), identifiers in zip(SAMPLE_DUPLICATES.items(), riverside, strict=False):
        row = rows[line - 2] = dict.fromkeys(HEADER, "")
        row["cause_immediate"] = DUPLICATE_CAUSE
        row["date_of_birth"] = identifiers.date_of_birth.strftime("%m/%d/%Y")
        if how == "me":
            row["me_case_number"] = identifiers.me_case_number
            row["legal_name"] = identifiers.legal_name
        else:
            words = identifiers.legal_name.split()
            row["legal_name"] = f"{words[0]} {words[-1]}".upper()
    return [[row[column] for column in HEADER] for row in rows]


def spoil(rows: list[dict]) -> None:
    """One problem in each of the rows of SAMPLE_PROBLEMS."""

    def at(line: int) -> dict:
        return rows[line - 2]

    at(12)["date_of_death"] = "02/30/2026"
    at(31)["manner"] = "Drowning"
    at(47)["naloxone_administered"] = "maybe"
    at(63).update(me_case_number="", death_certificate_number="", date_of_birth="")
    at(80)["me_case_number"] = at(2)["me_case_number"].lower()
    at(96)["date_of_death"] = "2099-01-01"
    at(115)["substance_1"] = "Unobtainium"
    at(133)["date_of_birth"] = "2026-12-01"
    at(150)["residence_zip"] = "4901A"
    at(171)["age_at_death"] = "150"


def demo_duplicates_source() -> list[DecedentIdentifiers]:
    """The Riverside demo cases the sample names again, in reference order."""
    return list(
        DecedentIdentifiers.objects.filter(case__team__short_code="RIV").order_by("case__reference")
    )


def sample_csv() -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *sample_rows(demo_duplicates_source())])
    return out.getvalue()

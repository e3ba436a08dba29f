"""The case file in SUDORS variables: one mapping table, the CSV built from it,
and the markdown that docs/sudors-mapping.md is generated from.

A column carries a SUDORS variable name only where a cited source names that
variable (SOURCES; they are the source keys of docs/sources.md). A case-file
item that no source names a variable for is listed in UNMAPPED, not given a
guessed name. Toxicology is the one exception, and says so: SUDORS separates
drugs that caused the death from other drugs detected, but the sources give no
variable names for them, so those two columns carry the project's own names
(prefixed `ofr_`).

The export is de-identified: no identifiers, no free text, dates as year and
month. The sources do not say how SUDORS codes its answers, so each column
holds the project's own codes (cases/valuesets.py), as MAPPING says.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cases import valuesets as vs
from cases.models import Case
from cases.policy import CaseViewer
from ofr.spreadsheets import neutralise

SOURCES: dict[str, str] = {
    "SUDORS-F1": "https://omb.report/icr/201909-0920-002/doc/95937001",
    "SUDORS-D": "https://omb.report/icr/201909-0920-002/doc/95938801 and "
    "http://m.omb.report/icr/202601-0920-007/doc/165497800",
    # docs/sources.md B2 cites these two pages without a key; the keys are ours.
    "NVDRS-S": "http://https.omb.report/icr/202503-0920-009/doc/153865200",
    "SUDORS-TOX": "https://gaspsdata.net/data/sudors-data-set-information",
}

TRISTATE_CODING = "project code: yes / no / unknown / not_collected (sources give no SUDORS coding)"
LISTED_CODING = "yes when the case file lists it, else blank (sources give no SUDORS coding)"


@dataclass(frozen=True)
class Variable:
    """One column of the export."""

    name: str
    meaning: str
    item: str  # the case-file items it comes from, as Model.field
    coding: str
    source: str  # a key of SOURCES
    value: Callable[[Case], str]
    sudors_name: bool = True  # False: the source names the data, not the variable


@dataclass(frozen=True)
class Unmapped:
    item: str
    reason: str


def _circumstance(field: str) -> Callable[[Case], str]:
    return lambda case: getattr(case.circumstances, field)


def _treatment(code: str) -> Callable[[Case], str]:
    return lambda case: "yes" if code in case.circumstances.sud_treatment_types else ""


def _last_seen(part: str) -> Callable[[Case], str]:
    def value(case: Case) -> str:
        seen = case.death.date_last_seen_alive
        return str(getattr(seen, part)) if seen else ""

    return value


def _substances(caused_death: bool) -> Callable[[Case], str]:
    def value(case: Case) -> str:
        results = list(case.toxicology.all())
        causes = {r.substance for r in results if r.caused_death}
        if caused_death:
            return ";".join(sorted(causes))
        return ";".join(sorted({r.substance for r in results} - causes))

    return value


NO_NAME = "no SUDORS variable name found in the cited sources"
FREE_TEXT = "free text: never exported"

_TREATMENTS = [
    ("SubsTx_rehab", vs.SudTreatmentType.REHABILITATION),
    ("SubsTx_MATcog", vs.SudTreatmentType.MOUD_WITH_COGNITIVE),
    ("SubsTx_MAT_nocog", vs.SudTreatmentType.MOUD_WITHOUT_COGNITIVE),
    ("SubsTx_MAT", vs.SudTreatmentType.MOUD),
    ("SubsTx_CogTherapy", vs.SudTreatmentType.COGNITIVE_BEHAVIORAL_THERAPY),
    ("SubsTx_NA", vs.SudTreatmentType.NOT_APPLICABLE),
    ("SubsTx_Other", vs.SudTreatmentType.OTHER),
]

MAPPING: list[Variable] = [
    Variable(
        "PreviousOverdose",
        "Prior overdose (the case file asks about the past year; the source states no window)",
        "Circumstances.prior_overdose_past_year",
        TRISTATE_CODING,
        "SUDORS-F1",
        _circumstance("prior_overdose_past_year"),
    ),
    Variable(
        "TreatmentForSubstanceAbuse",
        "In treatment for substance use disorder (the case file asks about current treatment)",
        "Circumstances.current_sud_treatment",
        TRISTATE_CODING,
        "SUDORS-F1",
        _circumstance("current_sud_treatment"),
    ),
    *[
        Variable(
            name,
            f"Treatment type: {vs.english(code.label)}",
            f"Circumstances.sud_treatment_types ({code.value})",
            LISTED_CODING,
            "SUDORS-F1",
            _treatment(code.value),
        )
        for name, code in _TREATMENTS
    ],
    Variable(
        "RecentED",
        "Recent emergency department visit",
        "Circumstances.recent_ed_visit",
        TRISTATE_CODING,
        "SUDORS-F1",
        _circumstance("recent_ed_visit"),
    ),
    Variable(
        "LastSeenAliveMonth",
        "Month last seen alive",
        "DeathDetails.date_last_seen_alive",
        "month number 1-12, blank when unknown",
        "SUDORS-F1",
        _last_seen("month"),
    ),
    Variable(
        "LastSeenAliveYear",
        "Year last seen alive",
        "DeathDetails.date_last_seen_alive",
        "four-digit year, blank when unknown",
        "SUDORS-F1",
        _last_seen("year"),
    ),
    Variable(
        "Homeless",
        "Experiencing homelessness",
        "Decedent.homeless",
        TRISTATE_CODING,
        "NVDRS-S",
        lambda case: case.decedent.homeless,
    ),
    Variable(
        "Military",
        "Veteran (the case file counts National Guard and reserve service too)",
        "Decedent.veteran",
        TRISTATE_CODING,
        "NVDRS-S",
        lambda case: case.decedent.veteran,
    ),
    Variable(
        "EducationLevel",
        "Education",
        "Decedent.education",
        "project code (cases/valuesets.py EducationLevel), blank when not entered",
        "NVDRS-S",
        lambda case: case.decedent.education,
    ),
    Variable(
        "ofr_tox_caused_death",
        "Substances listed as a cause of death",
        "ToxicologyResult.substance where ToxicologyResult.caused_death",
        "project substance codes (cases/valuesets.py Substance), ';'-separated, sorted",
        "SUDORS-TOX",
        _substances(caused_death=True),
        sudors_name=False,
    ),
    Variable(
        "ofr_tox_other_detected",
        "Other substances detected, not listed as a cause",
        "ToxicologyResult.substance where not ToxicologyResult.caused_death",
        "project substance codes (cases/valuesets.py Substance), ';'-separated, sorted",
        "SUDORS-TOX",
        _substances(caused_death=False),
        sudors_name=False,
    ),
]

# Case-file items named by no SUDORS variable in the sources, and items a
# source names that the export leaves out on purpose.
UNMAPPED: list[Unmapped] = [
    Unmapped("Decedent.age_at_death", NO_NAME),
    Unmapped("Decedent.sex", NO_NAME),
    Unmapped("Decedent.race", NO_NAME),
    Unmapped("Decedent.ethnicity", NO_NAME),
    Unmapped("Decedent.residence_county", NO_NAME),
    Unmapped("Decedent.residence_zip", NO_NAME),
    Unmapped("Decedent.occupation", f"{FREE_TEXT} (NVDRS-S names it UsualOccupation)"),
    Unmapped("DeathDetails.date_of_death", f"{NO_NAME} (SUDORS-D names the element)"),
    Unmapped("DeathDetails.manner", NO_NAME),
    Unmapped("DeathDetails.cause_immediate", FREE_TEXT),
    Unmapped("DeathDetails.cause_due_to", FREE_TEXT),
    Unmapped("DeathDetails.cause_underlying", FREE_TEXT),
    Unmapped("DeathDetails.other_conditions", FREE_TEXT),
    Unmapped("DeathDetails.icd10_underlying", f"{NO_NAME} (SUDORS-D names the element)"),
    Unmapped("DeathDetails.place_of_death", NO_NAME),
    Unmapped("DeathDetails.autopsy", f"{NO_NAME} (SUDORS-D names the element)"),
    Unmapped("DeathDetails.county_of_injury", f"{NO_NAME} (SUDORS-D names the element)"),
    Unmapped("DeathDetails.county_of_death", f"{NO_NAME} (SUDORS-D names the element)"),
    Unmapped(
        "DeathDetails.date_last_seen_alive (day)",
        "finer than year and month: SUDORS-F1 names LastSeenAliveDay, the export leaves it out",
    ),
    Unmapped("Circumstances.route_of_use", NO_NAME),
    Unmapped("Circumstances.bystander_present", NO_NAME),
    Unmapped("Circumstances.bystander_relationship", NO_NAME),
    Unmapped("Circumstances.naloxone_administered", NO_NAME),
    Unmapped("Circumstances.naloxone_administered_by", NO_NAME),
    Unmapped("Circumstances.naloxone_doses", NO_NAME),
    Unmapped("Circumstances.no_pulse_at_arrival", NO_NAME),
    Unmapped("Circumstances.recent_release", NO_NAME),
    Unmapped("Circumstances.recent_release_from", NO_NAME),
    Unmapped("Circumstances.mental_health_diagnosis", NO_NAME),
    Unmapped("Circumstances.mental_health_diagnoses", NO_NAME),
    Unmapped("Circumstances.drugs_on_scene", NO_NAME),
    Unmapped("ToxicologyResult.substance_detail", FREE_TEXT),
    Unmapped("ToxicologyResult.concentration", NO_NAME),
    Unmapped("ToxicologyResult.unit", NO_NAME),
    Unmapped("ToxicologyResult.specimen", NO_NAME),
    Unmapped("ToxicologyResult.lab", FREE_TEXT),
    Unmapped("DecedentIdentifiers (every field)", "identifiers: never exported"),
]

# SUDORS variables the sources name that the case file holds no item for.
NOT_HELD = [
    "Typeofpoisoning",
    "SUDORSCase",
    "LastSeenAliveTime",
    "HistoryOpioid",
    "RecentOpioidUse",
]


def header() -> list[str]:
    return [variable.name for variable in MAPPING]


def exportable(cases: Iterable[Case]) -> Iterable[Case]:
    """All but excluded cases: a duplicate or a death outside the team's remit
    would be counted twice or wrongly."""
    return (case for case in cases if case.status != Case.Status.EXCLUDED)


def row(case: Case, viewer: CaseViewer) -> list[str] | None:
    """The case's row, or None when the policy does not show the case to the viewer.
    Circumstances and toxicology carry no sensitive category in the policy, so
    every column of a shown case is shown."""
    if not viewer.may("view_case"):
        return None
    return [neutralise(value_of(variable, case)) for variable in MAPPING]


def value_of(variable: Variable, case: Case) -> str:
    """The variable's value for the case; for an item newer than the form
    version the case was reviewed under, the not-collected code (a tri-state)
    or blank, whatever default is stored."""
    from cases.completeness import NOT_IN_VERSION, item_answer, item_for_model_item

    item = item_for_model_item(variable.item)
    if item is not None and item_answer(case, item).state == NOT_IN_VERSION:
        return vs.TriState.NOT_COLLECTED if variable.coding == TRISTATE_CODING else ""
    return variable.value(case)


def export_csv(cases: Iterable[Case], viewers: dict[int, CaseViewer]) -> str:
    """One row per case, in the order given; `viewers` from cases.access.viewers_for.
    No row key: the team's case reference would link the rows back to the cases."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header())
    for case in exportable(cases):
        values = row(case, viewers[case.pk])
        if values is not None:
            writer.writerow(values)
    return out.getvalue()


def mapping_markdown() -> str:
    """docs/sudors-mapping.md, as `manage.py sudors_mapping` prints it."""
    lines = [
        "# SUDORS variables in the case file",
        "",
        "Generated by `manage.py sudors_mapping` from `cases/exchange/sudors.py`; "
        "do not edit by hand (a test compares the two).",
        "",
        "The SUDORS export (a CSV, one row per case) has these columns, in this order. "
        "A column has a SUDORS variable name only where a source below names that "
        "variable; the two `ofr_` columns carry the project's own names (the source "
        "names the data, not a variable). The sources do not say how SUDORS codes "
        "answers, so the values are the project's codes.",
        "",
        "## Sources",
        "",
        *[f"- {key}: {url}" for key, url in SOURCES.items()],
        "",
        "## Columns",
        "",
        "| Variable | Meaning | Case-file item | Value coding | Source |",
        "|---|---|---|---|---|",
    ]
    for v in MAPPING:
        name = f"`{v.name}`" if v.sudors_name else f"`{v.name}` (project name)"
        source = f"{v.source} ({SOURCES[v.source]})"
        lines.append(f"| {name} | {v.meaning} | `{v.item}` | {v.coding} | {source} |")
    lines += [
        "",
        "## Unmapped case-file items",
        "",
        "Not in the export. Listed rather than given a guessed variable name.",
        "",
        "| Case-file item | Reason |",
        "|---|---|",
        *[f"| `{u.item}` | {u.reason} |" for u in UNMAPPED],
        "",
        "## SUDORS variables the case file does not hold",
        "",
        "Named in SUDORS-F1; the case file has no item for them: "
        + ", ".join(f"`{name}`" for name in NOT_HELD)
        + ".",
        "",
    ]
    return "\n".join(lines)

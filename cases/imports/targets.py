"""The importable fields of a case file: where each goes and how its text is read.

A target is named "<section>.<field>" (sections: case, decedent, identifiers,
death, circumstances). Toxicology comes as repeated columns, substance_1 to
substance_5, each with an optional substance_N_cause (yes/no: listed as a
cause of death); an import adds the substances a case lacks and never removes
one.

A REDCap records file (cases/imports/redcap.py) fills the same targets, found
by the export's source path, plus the repeating ones (TOXICOLOGY_TARGETS,
TOUCHPOINT_TARGETS): one toxicology result or touchpoint per instance."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cases import valuesets as vs
from cases.models.case import MAX_AGE, Case
from ofr.roles import SensitiveCategory

TOXICOLOGY_SLOTS = 5


class BadValue(ValueError):
    """A value that cannot be read; its message says why, for the dry-run page."""


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise BadValue(gettext("longer than %(count)s characters") % {"count": max_length})
        return value

    return parse


# ISO first; then the US order that medical examiners' systems export.
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y")


def parse_date(value: str) -> date:
    value = value.strip()
    # XLSX cells read as datetimes arrive as "2024-03-05 00:00:00".
    value = re.sub(r"[ T]00:00(:00)?$", "", value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    raise BadValue(
        gettext("“%(value)s” is not a date (use YYYY-MM-DD or MM/DD/YYYY)") % {"value": value}
    )


def choice(choices: type[models.TextChoices], **aliases: str) -> Callable[[str], str]:
    """A code or a label, case and spacing aside (or one of `aliases`). The
    English label, whatever the importer's language: files are written in
    English (the export and the template), not in the reader's language."""
    known = {fold(alias): code for alias, code in aliases.items()}
    for code, label in vs.english_choices(choices):
        known[fold(code)] = code
        known[fold(label)] = code

    def parse(value: str) -> str:
        try:
            return known[fold(value)]
        except KeyError:
            raise BadValue(
                gettext("“%(value)s” is not one of the choices") % {"value": value}
            ) from None

    return parse


def fold(value: str) -> str:
    return " ".join(value.replace("_", " ").casefold().split())


TRISTATE_WORDS = {
    "y": vs.TriState.YES,
    "n": vs.TriState.NO,
    "u": vs.TriState.UNKNOWN,
    "true": vs.TriState.YES,
    "false": vs.TriState.NO,
    "1": vs.TriState.YES,
    "0": vs.TriState.NO,
    "not collected": vs.TriState.NOT_COLLECTED,
}
_tristate_choice = choice(vs.TriState)


def tristate(value: str) -> str:
    """yes / no / unknown / not collected (also y, n, u, true, false, 1, 0)."""
    return TRISTATE_WORDS.get(fold(value)) or _tristate_choice(value)


def yes_no(value: str) -> bool:
    answer = tristate(value)
    if answer not in (vs.TriState.YES, vs.TriState.NO):
        raise BadValue(gettext("“%(value)s” is not yes or no") % {"value": value})
    return answer == vs.TriState.YES


def whole_number(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        # "37.0": a spreadsheet's number cell.
        number = int(value.split(".")[0]) if re.fullmatch(r"\d+(\.0+)?", value) else None
        if number is None or not low <= number <= high:
            raise BadValue(
                gettext("“%(value)s” is not a whole number from %(low)s to %(high)s")
                % {"value": value, "low": low, "high": high}
            )
        return number

    return parse


def zip_code(value: str) -> str:
    value = value.split("-")[0].strip()
    if re.fullmatch(r"\d{4}", value):  # a spreadsheet dropped the leading zero
        value = "0" + value
    if not re.fullmatch(r"\d{5}", value):
        raise BadValue(gettext("“%(value)s” is not a five-digit ZIP code") % {"value": value})
    return value


def icd10(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?", value):
        raise BadValue(
            gettext("“%(value)s” is not an ICD-10 code such as X42 or T40.4") % {"value": value}
        )
    return value


def code_list(choices: type[models.TextChoices]) -> Callable[[str], list[str]]:
    """Several codes or labels, separated by commas or semicolons."""
    one = choice(choices)

    def parse(value: str) -> list[str]:
        chosen = [one(part) for part in re.split(r"[,;]", value) if part.strip()]
        # The stored lists follow the value set's order, so equal answers compare equal.
        return [code for code in choices.values if code in chosen]

    return parse


def decimal_number(value: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise BadValue(gettext("“%(value)s” is not a number") % {"value": value}) from None
    if not number.is_finite() or number < 0:
        raise BadValue(gettext("“%(value)s” is not a number") % {"value": value})
    return number


def agency_named(value: str):
    """An agency known to the system, by its exact name (the export writes it so)."""
    from ofr.models import Agency

    found = list(Agency.objects.filter(name=value.strip())[:2])
    if len(found) != 1:
        if not found:
            raise BadValue(gettext("“%(value)s” is no known agency") % {"value": value})
        raise BadValue(gettext("“%(value)s” is more than one known agency") % {"value": value})
    return found[0]


@dataclass(frozen=True)
class Target:
    key: str  # "<section>.<field>", or "toxicology.substance_N[_cause]"
    label: str
    parse: Callable[[str], object]
    example: str  # invented, for the template file

    @property
    def section(self) -> str:
        return self.key.split(".")[0]

    @property
    def field(self) -> str:
        return self.key.split(".")[1]

    @property
    def column(self) -> str:
        """The column header the template file uses (and the default mapping)."""
        return self.field


TARGETS: list[Target] = [
    Target("case.reference", _("Case reference (generated when empty)"), text(30), ""),
    Target("case.status", _("Case status"), choice(Case.Status), ""),
    Target("case.exclusion_reason", _("Why the case was excluded"), choice(vs.ExclusionReason), ""),
    Target("case.deferral_reason", _("Why the case was deferred"), choice(vs.DeferralReason), ""),
    Target("case.summary", _("Case summary"), str, ""),
    Target("identifiers.me_case_number", _("ME/coroner case number"), text(50), "ME-2026-0412"),
    Target(
        "identifiers.death_certificate_number",
        _("Death certificate number"),
        text(50),
        "2026-FR-004512",
    ),
    Target("identifiers.legal_name", _("Legal name"), text(200), "Jordan Q. Example"),
    Target("identifiers.aliases", _("Other names"), text(300), "JQ Example"),
    Target("identifiers.date_of_birth", _("Date of birth"), parse_date, "1988-04-17"),
    Target("identifiers.residence_address", _("Residence address"), text(300), "12 Sample Road"),
    Target("decedent.age_at_death", _("Age at death"), whole_number(0, MAX_AGE), "37"),
    Target(
        "decedent.sex",
        _("Sex"),
        choice(vs.Sex, f=vs.Sex.FEMALE, m=vs.Sex.MALE, u=vs.Sex.UNKNOWN),
        "Male",
    ),
    Target("decedent.race", _("Race"), choice(vs.Race), "White"),
    Target("decedent.ethnicity", _("Ethnicity"), choice(vs.Ethnicity), "Not Hispanic or Latino"),
    Target("decedent.residence_county", _("County of residence"), text(100), "Riverside"),
    Target("decedent.residence_zip", _("ZIP code of residence"), zip_code, "49001"),
    Target("decedent.homeless", _("Experiencing homelessness"), tristate, "no"),
    Target("decedent.veteran", _("Veteran"), tristate, "unknown"),
    Target("decedent.occupation", _("Usual occupation"), text(100), ""),
    Target("decedent.education", _("Education"), choice(vs.EducationLevel), ""),
    Target("death.date_of_death", _("Date of death"), parse_date, "03/02/2026"),
    Target("death.date_last_seen_alive", _("Date last seen alive"), parse_date, "03/01/2026"),
    Target("death.manner", _("Manner of death"), choice(vs.MannerOfDeath), "Accident"),
    Target("death.cause_immediate", _("Immediate cause"), text(200), "Fentanyl toxicity"),
    Target("death.cause_due_to", _("Due to (or as a consequence of)"), text(200), ""),
    Target("death.cause_underlying", _("Underlying cause"), text(200), ""),
    Target("death.other_conditions", _("Other significant conditions"), text(300), ""),
    Target("death.icd10_underlying", _("ICD-10 underlying cause"), icd10, "X42"),
    Target("death.place_of_death", _("Place of death"), choice(vs.PlaceOfDeath), "Decedent's home"),
    Target("death.autopsy", _("Autopsy performed"), tristate, "yes"),
    Target("death.county_of_injury", _("County of injury"), text(100), "Riverside"),
    Target("death.county_of_death", _("County of death"), text(100), "Riverside"),
    Target("circumstances.route_of_use", _("Route of use"), code_list(vs.RouteOfUse), ""),
    Target("circumstances.bystander_present", _("Bystander present"), tristate, "yes"),
    Target(
        "circumstances.bystander_relationship",
        _("Bystander's relationship"),
        choice(vs.BystanderRelationship),
        "",
    ),
    Target("circumstances.naloxone_administered", _("Naloxone administered"), tristate, "yes"),
    Target(
        "circumstances.naloxone_administered_by",
        _("Naloxone administered by"),
        code_list(vs.NaloxoneAdministeredBy),
        "",
    ),
    Target("circumstances.naloxone_doses", _("Naloxone doses"), whole_number(0, 100), ""),
    Target("circumstances.no_pulse_at_arrival", _("No pulse at arrival"), tristate, "unknown"),
    Target(
        "circumstances.prior_overdose_past_year", _("Prior overdose in past year"), tristate, "no"
    ),
    Target("circumstances.recent_ed_visit", _("Recent ED visit"), tristate, "not collected"),
    Target("circumstances.recent_release", _("Recent release from an institution"), tristate, "no"),
    Target(
        "circumstances.recent_release_from", _("Released from"), code_list(vs.InstitutionType), ""
    ),
    Target("circumstances.current_sud_treatment", _("In SUD treatment"), tristate, "no"),
    Target(
        "circumstances.sud_treatment_types",
        _("Kinds of SUD treatment"),
        code_list(vs.SudTreatmentType),
        "",
    ),
    Target(
        "circumstances.mental_health_diagnosis", _("Mental health diagnosis"), tristate, "unknown"
    ),
    Target(
        "circumstances.mental_health_diagnoses",
        _("Mental health diagnoses"),
        code_list(vs.MentalHealthDiagnosis),
        "",
    ),
    Target(
        "circumstances.drugs_on_scene", _("Drugs found on scene"), code_list(vs.DrugsOnScene), ""
    ),
]


def _numbered(message: str, slot: int) -> str:
    return gettext(message) % {"slot": slot}


# A label with the slot's number, translated when it is shown (like _()).
numbered_label = lazy(_numbered, str)

for slot in range(1, TOXICOLOGY_SLOTS + 1):
    TARGETS += [
        Target(
            f"toxicology.substance_{slot}",
            numbered_label(gettext_noop("Substance %(slot)s"), slot),
            choice(vs.Substance),
            {1: "Fentanyl", 2: "xylazine"}.get(slot, ""),
        ),
        Target(
            f"toxicology.substance_{slot}_cause",
            numbered_label(gettext_noop("Substance %(slot)s listed as a cause"), slot),
            yes_no,
            {1: "yes", 2: "no"}.get(slot, ""),
        ),
    ]

TARGETS_BY_KEY = {target.key: target for target in TARGETS}

# One result or touchpoint each: only a REDCap records file's repeating rows fill these.
TOXICOLOGY_TARGETS = [
    Target("toxicology.substance", _("Substance"), choice(vs.Substance), ""),
    Target("toxicology.substance_detail", _("Specific drug"), text(100), ""),
    Target("toxicology.caused_death", _("Listed as a cause of death"), yes_no, ""),
    Target("toxicology.concentration", _("Concentration"), decimal_number, ""),
    Target("toxicology.unit", _("Unit"), choice(vs.ConcentrationUnit), ""),
    Target("toxicology.specimen", _("Specimen"), choice(vs.Specimen), ""),
    Target("toxicology.lab", _("Laboratory"), text(100), ""),
]
TOUCHPOINT_TARGETS = [
    Target("touchpoint.date", _("Touchpoint date"), parse_date, ""),
    Target("touchpoint.date_precision", _("Precision of the date"), choice(vs.DatePrecision), ""),
    Target("touchpoint.system", _("System"), choice(vs.TouchpointSystem), ""),
    Target("touchpoint.touchpoint_type", _("Touchpoint"), choice(vs.TouchpointType), ""),
    Target("touchpoint.agency.name", _("Agency"), agency_named, ""),
    Target("touchpoint.sensitivity", _("Sensitive category"), choice(SensitiveCategory), ""),
    Target("touchpoint.missed_opportunity", _("Missed opportunity"), yes_no, ""),
    Target("touchpoint.description", _("Description"), str, ""),
    Target("touchpoint.not_part2_reason", _("Why this is not Part 2"), text(300), ""),
]
REPEAT_TARGETS_BY_KEY = {t.key: t for t in TOXICOLOGY_TARGETS + TOUCHPOINT_TARGETS}
SECTIONS = ("decedent", "identifiers", "death", "circumstances")


def default_columns() -> dict[str, str]:
    """target key -> column header: the template file's headers."""
    return {target.key: target.column for target in TARGETS}

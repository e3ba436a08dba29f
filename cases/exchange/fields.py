"""Every field of the case file that leaves the system for REDCap, in one table.

The data dictionary, the records file and the codebook are all generated from
FIELDS: a field added here appears in all three, with the same name, choices
and source. Names follow REDCap's rules (lower case, [a-z][a-z0-9_]*, at most
26 characters, unique); choice codes are the value-set codes of
cases/valuesets.py, which are already valid REDCap codes (lower-case letters,
digits and underscores), so a REDCap project and this system speak the same codes.

Each field says where its value comes from (`source`: a section of the case
file and the attribute read, e.g. "death.date_of_death"), whether REDCap should
flag it as an identifier, and whether it is free text. Two export levels:

- full: every field, identifiers included;
- deidentified: no identifier and no free-text field (anyone may type a name
  into free text), dates reduced to the first of their month, ages above 89
  given as 90 (as HIPAA's Safe Harbor rule asks).

Next-of-kin interviews are their own repeating form, at the full level only
and only those the exporting person may read (cases/policy.py).

What is not here is not exported: notes, findings, record requests and
documents (the review's deliberations and the records behind them stay in the
system; docs/decisions.md "Exports for REDCap").
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import valuesets as vs
from cases.models import INTERVIEW_TOPICS, Case, NokInterview
from cases.policy import PART2_NOTICE
from ofr.roles import SensitiveCategory

FULL = "full"
DEIDENTIFIED = "deidentified"
# Shown on the export page and the codebook (marked for translation); the
# files name a level by its code.
LEVELS = {
    DEIDENTIFIED: _("De-identified (no identifiers, no free text, dates to the month)"),
    FULL: _("Full (with decedent identifiers and free text)"),
}

# REDCap's field types and text validations that this export uses.
FIELD_TYPES = ("text", "notes", "dropdown", "radio", "yesno", "checkbox", "descriptive")
DATE, INTEGER, NUMBER = "date_ymd", "integer", "number"

DEIDENTIFIED_DATE_NOTE = "De-identified export: dates are reduced to the first of their month."
DEIDENTIFIED_AGE_NOTE = "De-identified export: ages above 89 are given as 90."
TOP_AGE = 90

# The longest choice list a form shows as radio buttons; longer lists are dropdowns.
MOST_RADIO_CHOICES = 6


@dataclass(frozen=True)
class Form:
    name: str
    label: str
    repeating: bool = False


FORMS = (
    Form("case", "Case"),
    Form("decedent", "Decedent"),
    Form("identifiers", "Identifiers"),
    Form("death", "Death"),
    Form("circumstances", "Circumstances"),
    Form("toxicology", "Toxicology", repeating=True),
    Form("touchpoints", "Touchpoints", repeating=True),
    # Full exports only, and only the interviews the exporting person may read.
    Form("nok_interview", "Next-of-kin interview", repeating=True),
)
FORMS_BY_NAME = {form.name: form for form in FORMS}


@dataclass(frozen=True)
class Field:
    name: str
    form: str
    type: str
    label: str
    source: str  # "<section>.<attribute>", read by cases/exchange/redcap.py
    note: str = ""  # where the value comes from, beyond the model field
    validation: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    identifier: bool = False
    free_text: bool = False
    branching: str = ""
    top_age: bool = False  # de-identified: ages above 89 become 90
    full_only: bool = False  # never at the de-identified level, coded or not

    def exported_at(self, level: str) -> bool:
        return level == FULL or not (self.identifier or self.free_text or self.full_only)

    @property
    def is_date(self) -> bool:
        return self.validation == DATE

    @property
    def has_data(self) -> bool:
        """Descriptive fields show text on the form and hold no value."""
        return self.type != "descriptive"

    def choices_text(self) -> str:
        """REDCap's "code, label | code, label" (yes/no fields have their own)."""
        return " | ".join(f"{code}, {label}" for code, label in self.choices)

    def columns(self) -> list[str]:
        """The record columns of the field: a checkbox has one per choice."""
        if self.type == "checkbox":
            return [f"{self.name}___{code}" for code, _ in self.choices]
        return [self.name] if self.has_data else []

    def field_note(self, level: str) -> str:
        if level == DEIDENTIFIED and self.is_date:
            return DEIDENTIFIED_DATE_NOTE
        if level == DEIDENTIFIED and self.top_age:
            return DEIDENTIFIED_AGE_NOTE
        return ""


def codes(choices: type[models.TextChoices]) -> tuple[tuple[str, str], ...]:
    # English whatever the language active when this module is imported: the
    # dictionary, the records and the import speak REDCap's English labels.
    return vs.english_choices(choices)


def choice(name, form, label, source, value_set, *, note="", branching="") -> Field:
    """A single-answer coded field: radio buttons for short lists, else a dropdown."""
    options = codes(value_set)
    kind = "radio" if len(options) <= MOST_RADIO_CHOICES else "dropdown"
    return Field(name, form, kind, label, source, note, choices=options, branching=branching)


def tristate(name, form, label, source, *, note="") -> Field:
    """Yes / no / unknown / not collected: "not collected" (nobody asked) is its
    own code, never "no" and never blank."""
    return choice(name, form, label, source, vs.TriState, note=note)


def checkboxes(name, form, label, source, value_set, *, note="", branching="") -> Field:
    return Field(
        name, form, "checkbox", label, source, note, choices=codes(value_set), branching=branching
    )


def text(name, form, label, source, *, note="", identifier=False, free_text=False) -> Field:
    return Field(
        name, form, "text", label, source, note, identifier=identifier, free_text=free_text
    )


def date(name, form, label, source, *, note="", identifier=False) -> Field:
    return Field(name, form, "text", label, source, note, DATE, identifier=identifier)


def number(name, form, label, source, validation=INTEGER, *, note="", top_age=False) -> Field:
    return Field(name, form, "text", label, source, note, validation, top_age=top_age)


def yesno(name, form, label, source, *, note="") -> Field:
    return Field(name, form, "yesno", label, source, note)


def notes(name, form, label, source, *, note="") -> Field:
    return Field(name, form, "notes", label, source, note, free_text=True)


PART2_FLAG = "tp_part2"


def _full_only(field: Field) -> Field:
    return replace(field, full_only=True)


NOK_NOTE = (
    "Next-of-kin interview: full export only, and only interviews the exporting "
    "person may read (cases/policy.py)."
)
# --- next-of-kin interview (repeating: one instance per interview the viewer may read) ---
NOK_FIELDS: tuple[Field, ...] = tuple(
    _full_only(field)
    for field in (
        choice(
            "nok_status",
            "nok_interview",
            "Status",
            "nok.status",
            NokInterview.Status,
            note=NOK_NOTE,
        ),
        date("nok_interviewed_on", "nok_interview", "Date of the interview", "nok.interviewed_on"),
        choice("nok_mode", "nok_interview", "How", "nok.mode", NokInterview.Mode),
        yesno("nok_consent_written", "nok_interview", "Written consent", "nok.consent_written"),
        yesno(
            "nok_do_not_contact",
            "nok_interview",
            "Family asked not to be contacted",
            "nok.do_not_contact",
        ),
        *(
            tristate(f"nok_{name}"[:26], "nok_interview", label.capitalize(), f"nok.{name}")
            for name, label in INTERVIEW_TOPICS.items()
        ),
        notes(
            "nok_notes",
            "nok_interview",
            "Interview notes",
            "nok.notes",
            note="Free text told by the family: full export only.",
        ),
    )
)

FIELDS: tuple[Field, ...] = (
    # --- case ---
    text(
        "record_id",
        "case",
        "Case reference",
        "case.reference",
        note="The team's own case number; unique within the team, never a name.",
    ),
    choice("case_status", "case", "Case status", "case.status", Case.Status),
    choice(
        "exclusion_reason",
        "case",
        "Why the case was excluded",
        "case.exclusion_reason",
        vs.ExclusionReason,
        branching="[case_status] = 'excluded'",
    ),
    choice(
        "deferral_reason",
        "case",
        "Why the case was deferred",
        "case.deferral_reason",
        vs.DeferralReason,
        branching="[case_status] = 'deferred'",
    ),
    notes(
        "case_summary",
        "case",
        "Case summary",
        "case.summary",
        note="Written to be de-identified, but free text: full export only.",
    ),
    # --- decedent ---
    number(
        "age_at_death", "decedent", "Age at death (years)", "decedent.age_at_death", top_age=True
    ),
    choice("sex", "decedent", "Sex", "decedent.sex", vs.Sex),
    choice("race", "decedent", "Race", "decedent.race", vs.Race),
    choice("ethnicity", "decedent", "Ethnicity", "decedent.ethnicity", vs.Ethnicity),
    text("residence_county", "decedent", "County of residence", "decedent.residence_county"),
    text(
        "residence_zip",
        "decedent",
        "ZIP code of residence",
        "decedent.residence_zip",
        note="A five-digit ZIP code is an identifier under HIPAA's Safe Harbor rule.",
        identifier=True,
    ),
    tristate("homeless", "decedent", "Experiencing homelessness", "decedent.homeless"),
    tristate("veteran", "decedent", "Veteran or National Guard", "decedent.veteran"),
    text(
        "occupation",
        "decedent",
        "Usual occupation",
        "decedent.occupation",
        note="Typed text; a rare occupation can identify someone in a small county.",
        free_text=True,
    ),
    choice("education", "decedent", "Education", "decedent.education", vs.EducationLevel),
    # --- identifiers (full export only; read through policy.identifiers_for) ---
    text("legal_name", "identifiers", "Legal name", "identifiers.legal_name", identifier=True),
    text(
        "aliases",
        "identifiers",
        "Other names (comma-separated)",
        "identifiers.aliases",
        identifier=True,
    ),
    date(
        "date_of_birth",
        "identifiers",
        "Date of birth",
        "identifiers.date_of_birth",
        identifier=True,
    ),
    text(
        "residence_address",
        "identifiers",
        "Residence address",
        "identifiers.residence_address",
        identifier=True,
    ),
    text(
        "me_case_number",
        "identifiers",
        "ME/coroner case number",
        "identifiers.me_case_number",
        identifier=True,
    ),
    text(
        "death_cert_number",
        "identifiers",
        "Death certificate number",
        "identifiers.death_certificate_number",
        identifier=True,
    ),
    # --- death ---
    date("date_of_death", "death", "Date of death", "death.date_of_death"),
    date("date_last_seen_alive", "death", "Date last seen alive", "death.date_last_seen_alive"),
    choice("manner_of_death", "death", "Manner of death", "death.manner", vs.MannerOfDeath),
    text("cause_immediate", "death", "Immediate cause", "death.cause_immediate", free_text=True),
    text(
        "cause_due_to",
        "death",
        "Due to (or as a consequence of)",
        "death.cause_due_to",
        free_text=True,
    ),
    text("cause_underlying", "death", "Underlying cause", "death.cause_underlying", free_text=True),
    text(
        "other_conditions",
        "death",
        "Other significant conditions",
        "death.other_conditions",
        free_text=True,
    ),
    text(
        "icd10_underlying",
        "death",
        "ICD-10 underlying cause",
        "death.icd10_underlying",
        note="A code such as X42 or T40.4, checked on entry.",
    ),
    choice("place_of_death", "death", "Place of death", "death.place_of_death", vs.PlaceOfDeath),
    tristate("autopsy", "death", "Autopsy performed", "death.autopsy"),
    text("county_of_injury", "death", "County of injury", "death.county_of_injury"),
    text("county_of_death", "death", "County of death", "death.county_of_death"),
    # --- circumstances: the team's coded summary, shown to every viewer of the case ---
    checkboxes(
        "route_of_use",
        "circumstances",
        "Route of use",
        "circumstances.route_of_use",
        vs.RouteOfUse,
    ),
    tristate(
        "bystander_present",
        "circumstances",
        "Potential bystander present",
        "circumstances.bystander_present",
    ),
    choice(
        "bystander_relationship",
        "circumstances",
        "Bystander's relationship to the decedent",
        "circumstances.bystander_relationship",
        vs.BystanderRelationship,
        branching="[bystander_present] = 'yes'",
    ),
    tristate(
        "naloxone_given",
        "circumstances",
        "Naloxone administered",
        "circumstances.naloxone_administered",
    ),
    checkboxes(
        "naloxone_given_by",
        "circumstances",
        "Naloxone administered by",
        "circumstances.naloxone_administered_by",
        vs.NaloxoneAdministeredBy,
        branching="[naloxone_given] = 'yes'",
    ),
    number(
        "naloxone_doses",
        "circumstances",
        "Naloxone doses",
        "circumstances.naloxone_doses",
    ),
    tristate(
        "no_pulse_at_arrival",
        "circumstances",
        "No pulse when first responders arrived",
        "circumstances.no_pulse_at_arrival",
    ),
    tristate(
        "prior_overdose_past_year",
        "circumstances",
        "Prior overdose in the past year",
        "circumstances.prior_overdose_past_year",
    ),
    tristate(
        "recent_ed_visit",
        "circumstances",
        "Recent emergency department visit",
        "circumstances.recent_ed_visit",
    ),
    tristate(
        "recent_release",
        "circumstances",
        "Recent release from an institution",
        "circumstances.recent_release",
    ),
    checkboxes(
        "recent_release_from",
        "circumstances",
        "Released from",
        "circumstances.recent_release_from",
        vs.InstitutionType,
        branching="[recent_release] = 'yes'",
    ),
    tristate(
        "current_sud_treatment",
        "circumstances",
        "In substance use disorder treatment",
        "circumstances.current_sud_treatment",
        note="The team's coded summary (shown to every viewer of the case), not a "
        "42 CFR Part 2 record.",
    ),
    checkboxes(
        "sud_treatment_types",
        "circumstances",
        "Kinds of SUD treatment",
        "circumstances.sud_treatment_types",
        vs.SudTreatmentType,
        branching="[current_sud_treatment] = 'yes'",
    ),
    tristate(
        "mh_diagnosis_any",
        "circumstances",
        "Mental health diagnosis",
        "circumstances.mental_health_diagnosis",
    ),
    checkboxes(
        "mh_diagnoses",
        "circumstances",
        "Mental health diagnoses",
        "circumstances.mental_health_diagnoses",
        vs.MentalHealthDiagnosis,
        branching="[mh_diagnosis_any] = 'yes'",
    ),
    checkboxes(
        "drugs_on_scene",
        "circumstances",
        "Drugs found on scene",
        "circumstances.drugs_on_scene",
        vs.DrugsOnScene,
    ),
    # --- toxicology (repeating: one instance per result) ---
    choice("tox_substance", "toxicology", "Substance", "toxicology.substance", vs.Substance),
    choice(
        "tox_class",
        "toxicology",
        "Substance class",
        "toxicology.substance_class",
        vs.SubstanceClass,
        note="Derived from the substance (cases/valuesets.py SUBSTANCE_CLASS).",
    ),
    text(
        "tox_detail",
        "toxicology",
        "Specific drug",
        "toxicology.substance_detail",
        note="Typed text, e.g. an analogue's name.",
        free_text=True,
    ),
    yesno(
        "tox_caused_death", "toxicology", "Listed as a cause of death", "toxicology.caused_death"
    ),
    number("tox_concentration", "toxicology", "Concentration", "toxicology.concentration", NUMBER),
    choice("tox_unit", "toxicology", "Unit", "toxicology.unit", vs.ConcentrationUnit),
    choice("tox_specimen", "toxicology", "Specimen", "toxicology.specimen", vs.Specimen),
    text("tox_lab", "toxicology", "Laboratory", "toxicology.lab", free_text=True),
    # --- touchpoints (repeating: one instance per touchpoint the viewer may see) ---
    date("tp_date", "touchpoints", "Date", "touchpoint.date"),
    choice(
        "tp_date_precision",
        "touchpoints",
        "Precision of the date",
        "touchpoint.date_precision",
        vs.DatePrecision,
    ),
    choice("tp_system", "touchpoints", "System", "touchpoint.system", vs.TouchpointSystem),
    choice("tp_type", "touchpoints", "Touchpoint", "touchpoint.touchpoint_type", vs.TouchpointType),
    text("tp_agency", "touchpoints", "Agency", "touchpoint.agency.name"),
    choice(
        "tp_category",
        "touchpoints",
        "Sensitive category",
        "touchpoint.sensitivity",
        SensitiveCategory,
        note="The category the item was filed in; the export holds only touchpoints "
        "the exporting person may see.",
    ),
    yesno(
        PART2_FLAG,
        "touchpoints",
        "42 CFR Part 2 content",
        "policy.part2",
        note="Yes when the confidentiality policy (cases/policy.py) treats the touchpoint "
        "as Part 2: filed so, or from a Part 2 program without a recorded reason.",
    ),
    Field(
        "tp_part2_notice",
        "touchpoints",
        "descriptive",
        PART2_NOTICE,
        "policy.notice",
        "Shown in REDCap with every Part 2 touchpoint (42 CFR 2.32).",
        branching=f"[{PART2_FLAG}] = '1'",
    ),
    notes(
        "tp_not_part2_reason",
        "touchpoints",
        "Why this is not Part 2",
        "touchpoint.not_part2_reason",
        note="A coordinator's reason for treating an item from a Part 2 program as not "
        "Part 2: full export only; read back only from a coordinator's import.",
    ),
    yesno(
        "tp_missed_opportunity",
        "touchpoints",
        "Missed opportunity",
        "touchpoint.missed_opportunity",
    ),
    notes(
        "tp_description",
        "touchpoints",
        "Description",
        "touchpoint.description",
        note="Free text, possibly from protected records: full export only.",
    ),
    *NOK_FIELDS,
)


def fields_for(level: str) -> list[Field]:
    return [field for field in FIELDS if field.exported_at(level)]


def forms_for(level: str) -> list[Form]:
    """The forms that have a field at this level, in order."""
    named = {field.form for field in fields_for(level)}
    return [form for form in FORMS if form.name in named]


# Kept out on purpose (see the module's docstring); named so the codebook can say
# so (its prose, marked for translation; the field labels above are REDCap's own text).
NOT_EXPORTED = (
    (
        _("Notes"),
        _("Members' discussion of the case; may hold anything and belongs to the review."),
    ),
    (
        _("Findings"),
        _("The review's deliberations; shared as recommendations, not as case data."),
    ),
    (
        _("Record requests and documents"),
        _("The requests to agencies and the records received stay in the system."),
    ),
    (
        _("Access log and history"),
        _("Kept by this system for audit; not part of the case data."),
    ),
)

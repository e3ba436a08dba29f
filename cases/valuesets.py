"""Coded value sets for the case file (docs/sources.md B2).

Shared by several case-file models, so they live here rather than nested in
one model. Values are stored codes: lower_snake_case ASCII, at most 40
characters, never renamed once data exists. Labels are what a coordinator reads
and may be reworded freely; they are marked for translation, so the exchange
formats read them through english() / english_choices().

Agency sectors and sensitive categories are in ofr.roles (Sector,
SensitiveCategory); they are not repeated here.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ofr.roles import SensitiveCategory


def english(label) -> str:
    """A (lazily translated) label in English, whatever language the reader chose:
    the files that leave or enter the system (REDCap, SUDORS, the import's matching
    of labels) must not change with the language of whoever made them."""
    with translation.override("en"):
        return str(label)


def english_choices(value_set: type[models.Choices]) -> tuple[tuple[str, str], ...]:
    """(code, English label) of each value of a value set; see english()."""
    with translation.override("en"):
        return tuple((value, str(label)) for value, label in value_set.choices)


class TriState(models.TextChoices):
    """Answer to a yes/no circumstance. "Not collected" means nobody asked or
    the source did not cover it, which is different from a documented "No"."""

    # Source: NFR-CRS yes/no/unknown convention (docs/sources.md B2); not_collected so that
    # an unanswered item never reads as no.
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")
    NOT_COLLECTED = "not_collected", _("Not collected")


# --- Decedent -----------------------------------------------------------------
# Homelessness and veteran status are TriState fields, not value sets of their
# own: NVDRS records `Homeless` and `Military` as yes/no/unknown (docs/sources.md B2).
# Veteran status counts National Guard and reserve service too, which Indiana's
# annual report asks for (IC 16-37-5-1).


class Sex(models.TextChoices):
    # Source: inference, following NVDRS/SUDORS death-certificate sex (no values in
    # docs/sources.md).
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class Race(models.TextChoices):
    # Source: OMB 1997 race categories as used on death certificates; multiple/unknown inference.
    # OMB's 2024 revision (SPD 15) adds Middle Eastern or North African; add it when
    # death certificates carry it.
    AMERICAN_INDIAN_ALASKA_NATIVE = (
        "american_indian_alaska_native",
        _("American Indian or Alaska Native"),
    )
    ASIAN = "asian", _("Asian")
    BLACK = "black", _("Black or African American")
    NATIVE_HAWAIIAN_PACIFIC_ISLANDER = (
        "native_hawaiian_pacific_islander",
        _("Native Hawaiian or Other Pacific Islander"),
    )
    WHITE = "white", _("White")
    MULTIPLE = "multiple", _("More than one race")
    UNKNOWN = "unknown", _("Unknown")


class Ethnicity(models.TextChoices):
    # Source: OMB 1997 ethnicity question as used on death certificates; unknown inference.
    HISPANIC_LATINO = "hispanic_latino", _("Hispanic or Latino")
    NOT_HISPANIC_LATINO = "not_hispanic_latino", _("Not Hispanic or Latino")
    UNKNOWN = "unknown", _("Unknown")


class EducationLevel(models.TextChoices):
    # Source: NVDRS `EducationLevel` (docs/sources.md B2); levels follow the education item of
    # the 2003 U.S. standard death certificate (inference: docs/sources.md lists no values).
    GRADE_8_OR_LESS = "grade_8_or_less", _("8th grade or less")
    SOME_HIGH_SCHOOL = "some_high_school", _("9th-12th grade, no diploma")
    HIGH_SCHOOL_GED = "high_school_ged", _("High school graduate or GED")
    SOME_COLLEGE = "some_college", _("Some college, no degree")
    ASSOCIATE = "associate", _("Associate degree")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE_PROFESSIONAL = "doctorate_professional", _("Doctorate or professional degree")
    UNKNOWN = "unknown", _("Unknown")


# --- Death --------------------------------------------------------------------


class MannerOfDeath(models.TextChoices):
    # Source: Jefferson County review of deaths; IN 16-49.5-2-6 (docs/sources.md B2).
    NATURAL = "natural", _("Natural")
    ACCIDENT = "accident", _("Accident")
    SUICIDE = "suicide", _("Suicide")
    HOMICIDE = "homicide", _("Homicide")
    UNDETERMINED = "undetermined", _("Undetermined")
    PENDING = "pending", _("Pending investigation")


class PlaceOfDeath(models.TextChoices):
    # Source: DAWN ME case form (docs/sources.md B2). No "other residence" value: a friend's
    # home is "Other", and the overdosed_at_home circumstance already answers home or not.
    ED = "ed", _("Emergency department")
    OTHER_HEALTH_CARE_FACILITY = "other_health_care_facility", _("Other health-care facility")
    DECEDENT_HOME = "decedent_home", _("Decedent's home")
    PUBLIC_PLACE = "public_place", _("Public place")
    OTHER = "other", _("Other")
    NOT_DOCUMENTED = "not_documented", _("Not documented")


# --- Circumstances ------------------------------------------------------------


class RouteOfUse(models.TextChoices):
    # Source: SUDORS circumstances table, JAMA Netw Open 2023 (docs/sources.md B2).
    INJECTION = "injection", _("Injection")
    SMOKING = "smoking", _("Smoking")
    SNORTING = "snorting", _("Snorting")
    INGESTION = "ingestion", _("Ingestion (swallowing)")
    OTHER = "other", _("Other")
    NO_REPORTED_ROUTE = "no_reported_route", _("No route reported")


class DrugsOnScene(models.TextChoices):
    # Source: SUDORS circumstances table, JAMA Netw Open 2023 (docs/sources.md B2).
    PRESCRIPTION = "prescription", _("Prescription drugs")
    ILLICIT = "illicit", _("Illicit drugs")


class BystanderRelationship(models.TextChoices):
    # Source: TN SUDORS bystander study (family, intimate partner, friend); the rest inference.
    FAMILY = "family", _("Family member")
    INTIMATE_PARTNER = "intimate_partner", _("Intimate partner")
    FRIEND = "friend", _("Friend")
    ROOMMATE = "roommate", _("Roommate")
    STRANGER = "stranger", _("Stranger")
    OTHER = "other", _("Other")
    # Added (inference): records often say a bystander was present without saying who.
    UNKNOWN = "unknown", _("Unknown")


class BystanderNoResponseReason(models.TextChoices):
    # Source: TN SUDORS bystander study ("spatially separated" most common); the rest inference.
    SPATIALLY_SEPARATED = "spatially_separated", _("In another room or place")
    ASLEEP = "asleep", _("Asleep")
    UNAWARE = "unaware", _("Did not know the person was using")
    OTHER = "other", _("Other")


class NaloxoneAdministeredBy(models.TextChoices):
    # Source: PA ODIN dashboard glossary; NY overdose public-safety reporting (docs/sources.md B2).
    EMS = "ems", _("EMS")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    FIRE = "fire", _("Fire")
    BYSTANDER = "bystander", _("Bystander")
    OTHER = "other", _("Other")


class SudTreatmentType(models.TextChoices):
    # Source: SUDORS-F1 SubsTx_* variables (docs/sources.md B2); SUDORS variable after each.
    REHABILITATION = "rehabilitation", _("Rehabilitation")  # SubsTx_rehab
    MOUD_WITH_COGNITIVE = (
        "moud_with_cognitive",
        _("Medication for opioid use disorder with counseling"),
    )  # SubsTx_MATcog
    MOUD_WITHOUT_COGNITIVE = (
        "moud_without_cognitive",
        _("Medication for opioid use disorder without counseling"),
    )  # SubsTx_MAT_nocog
    MOUD = "moud", _("Medication for opioid use disorder, counseling unknown")  # SubsTx_MAT
    COGNITIVE_BEHAVIORAL_THERAPY = (
        "cognitive_behavioral_therapy",
        _("Cognitive behavioral therapy"),
    )  # SubsTx_CogTherapy
    NOT_APPLICABLE = "not_applicable", _("Not applicable (not in treatment)")  # SubsTx_NA
    OTHER = "other", _("Other")  # SubsTx_Other


class InstitutionType(models.TextChoices):
    """Where a decedent was recently released from."""

    # Source: MMWR 73(34), jail/prison/treatment/hospital (docs/sources.md B2).
    JAIL = "jail", _("Jail")
    PRISON = "prison", _("Prison")
    SUD_TREATMENT = "sud_treatment", _("Residential SUD treatment")
    HOSPITAL = "hospital", _("Hospital")
    # Added (inference): release from inpatient psychiatric care is its own risk
    # point and a different agency to ask for records, so it is not folded into hospital.
    PSYCHIATRIC_FACILITY = "psychiatric_facility", _("Inpatient psychiatric facility")
    OTHER = "other", _("Other")


class MentalHealthDiagnosis(models.TextChoices):
    # Source: MMWR 73(34) (depressive, anxiety, ...); the rest inference, NVDRS-style.
    DEPRESSION = "depression", _("Depression")
    ANXIETY = "anxiety", _("Anxiety")
    BIPOLAR = "bipolar", _("Bipolar disorder")
    SCHIZOPHRENIA = "schizophrenia", _("Schizophrenia")
    PTSD = "ptsd", _("Post-traumatic stress disorder (PTSD)")
    ADHD = "adhd", _("Attention-deficit/hyperactivity disorder (ADHD)")
    OTHER = "other", _("Other")


# --- Toxicology ---------------------------------------------------------------


class SubstanceClass(models.TextChoices):
    # Source: Maryland intoxication-death reporting classes (docs/sources.md B2); the rest
    # inference.
    FENTANYL_AND_ANALOGUES = "fentanyl_and_analogues", _("Fentanyl and analogues")
    HEROIN = "heroin", _("Heroin")
    PRESCRIPTION_OPIOID = "prescription_opioid", _("Prescription opioids")
    # Added (inference): nitazenes are illicit opioids that are neither fentanyl nor
    # prescription drugs; putting them under "Other" would drop them from opioid counts.
    OTHER_OPIOID = "other_opioid", _("Other illicit opioids")
    STIMULANT = "stimulant", _("Stimulants")
    BENZODIAZEPINE = "benzodiazepine", _("Benzodiazepines")
    XYLAZINE = "xylazine", _("Xylazine")
    ALCOHOL = "alcohol", _("Alcohol")
    OTHER_SEDATIVE = "other_sedative", _("Other sedatives")
    HALLUCINOGEN = "hallucinogen", _("Hallucinogens")
    CANNABINOID = "cannabinoid", _("Cannabinoids")
    OTHER = "other", _("Other")


class Substance(models.TextChoices):
    # Source: Maryland reporting (fentanyl, heroin, carfentanil, cocaine, benzodiazepines,
    # methamphetamine, phencyclidine, alcohol; docs/sources.md B2); the rest inference.
    FENTANYL = "fentanyl", _("Fentanyl")
    # Carfentanil is its own code because Maryland reports it separately.
    CARFENTANIL = "carfentanil", _("Carfentanil")
    FENTANYL_ANALOGUE = "fentanyl_analogue", _("Other fentanyl analogue")
    HEROIN = "heroin", _("Heroin")
    MORPHINE = "morphine", _("Morphine")
    OXYCODONE = "oxycodone", _("Oxycodone")
    HYDROCODONE = "hydrocodone", _("Hydrocodone")
    METHADONE = "methadone", _("Methadone")
    BUPRENORPHINE = "buprenorphine", _("Buprenorphine")
    TRAMADOL = "tramadol", _("Tramadol")
    OTHER_PRESCRIPTION_OPIOID = "other_prescription_opioid", _("Other prescription opioid")
    NITAZENE = "nitazene", _("Nitazenes (e.g. isotonitazene)")
    COCAINE = "cocaine", _("Cocaine")
    METHAMPHETAMINE = "methamphetamine", _("Methamphetamine")
    AMPHETAMINE = "amphetamine", _("Amphetamine")
    BENZODIAZEPINE = "benzodiazepine", _("Benzodiazepines (e.g. alprazolam, bromazolam)")
    XYLAZINE = "xylazine", _("Xylazine")
    ALCOHOL = "alcohol", _("Alcohol (ethanol)")
    GABAPENTIN = "gabapentin", _("Gabapentin")
    PHENCYCLIDINE = "phencyclidine", _("Phencyclidine (PCP)")
    CANNABINOID = "cannabinoid", _("Cannabinoids")
    OTHER = "other", _("Other")


# Every Substance has exactly one class; the toxicology form stores both so a
# team can correct the class of an "other" substance.
# Classes are by drug source as teams report them, not by ICD-10 T-code: NCHS
# counts tramadol with fentanyl (T40.4), but coordinators count it as a prescription opioid.
# Morphine is a prescription opioid here; when the ME attributes it to heroin
# (6-MAM found), the result is entered as heroin.
SUBSTANCE_CLASS: dict[str, str] = {
    Substance.FENTANYL: SubstanceClass.FENTANYL_AND_ANALOGUES,
    Substance.CARFENTANIL: SubstanceClass.FENTANYL_AND_ANALOGUES,
    Substance.FENTANYL_ANALOGUE: SubstanceClass.FENTANYL_AND_ANALOGUES,
    Substance.HEROIN: SubstanceClass.HEROIN,
    Substance.MORPHINE: SubstanceClass.PRESCRIPTION_OPIOID,
    Substance.OXYCODONE: SubstanceClass.PRESCRIPTION_OPIOID,
    Substance.HYDROCODONE: SubstanceClass.PRESCRIPTION_OPIOID,
    Substance.METHADONE: SubstanceClass.PRESCRIPTION_OPIOID,
    Substance.BUPRENORPHINE: SubstanceClass.PRESCRIPTION_OPIOID,
    Substance.TRAMADOL: SubstanceClass.PRESCRIPTION_OPIOID,
    Substance.OTHER_PRESCRIPTION_OPIOID: SubstanceClass.PRESCRIPTION_OPIOID,
    Substance.NITAZENE: SubstanceClass.OTHER_OPIOID,
    Substance.COCAINE: SubstanceClass.STIMULANT,
    Substance.METHAMPHETAMINE: SubstanceClass.STIMULANT,
    Substance.AMPHETAMINE: SubstanceClass.STIMULANT,
    Substance.BENZODIAZEPINE: SubstanceClass.BENZODIAZEPINE,
    Substance.XYLAZINE: SubstanceClass.XYLAZINE,
    Substance.ALCOHOL: SubstanceClass.ALCOHOL,
    Substance.GABAPENTIN: SubstanceClass.OTHER_SEDATIVE,
    Substance.PHENCYCLIDINE: SubstanceClass.HALLUCINOGEN,
    Substance.CANNABINOID: SubstanceClass.CANNABINOID,
    Substance.OTHER: SubstanceClass.OTHER,
}

# Classes whose substances are opioids, for "any opioid" counts.
OPIOID_CLASSES = frozenset(
    {
        SubstanceClass.FENTANYL_AND_ANALOGUES,
        SubstanceClass.HEROIN,
        SubstanceClass.PRESCRIPTION_OPIOID,
        SubstanceClass.OTHER_OPIOID,
    }
)


class Specimen(models.TextChoices):
    # Source: inference (docs/sources.md names "specimen" without values).
    FEMORAL_BLOOD = "femoral_blood", _("Femoral blood")
    HEART_BLOOD = "heart_blood", _("Heart blood")
    # Added: many lab reports say only "blood"; guessing the site would mislead readers
    # comparing concentrations, since heart blood often reads higher than femoral.
    BLOOD_SITE_NOT_STATED = "blood_site_not_stated", _("Blood (site not stated)")
    URINE = "urine", _("Urine")
    VITREOUS = "vitreous", _("Vitreous humor")
    LIVER = "liver", _("Liver")
    OTHER = "other", _("Other")


class ConcentrationUnit(models.TextChoices):
    # Source: inference (units as printed on toxicology reports). mg/L and ug/mL are
    # numerically equal but kept apart so the entry matches the report.
    NG_ML = "ng_ml", _("ng/mL")
    MG_L = "mg_l", _("mg/L")
    UG_ML = "ug_ml", _("µg/mL")
    MG_KG = "mg_kg", _("mg/kg")
    OTHER = "other", _("Other")


# --- Timeline -----------------------------------------------------------------


class TouchpointSystem(models.TextChoices):
    # Source: LA 40:2025.4 list, extended (docs/sources.md B2).
    HEALTH_CARE = "health_care", _("Health care")
    BEHAVIORAL_HEALTH = "behavioral_health", _("Behavioral health")
    SUD_TREATMENT = "sud_treatment", _("SUD treatment")
    CRIMINAL_LEGAL = "criminal_legal", _("Criminal legal")
    EMS = "ems", _("EMS")
    SOCIAL_SERVICES = "social_services", _("Social services")
    CHILD_FAMILY = "child_family", _("Child and family services")
    EDUCATION = "education", _("Education")
    HOUSING = "housing", _("Housing")
    HARM_REDUCTION = "harm_reduction", _("Harm reduction")
    OTHER = "other", _("Other")


class TouchpointType(models.TextChoices):
    # Source: docs/sources.md B2 examples (ED visit, arrest, release,
    # MOUD start/stop, nonfatal OD, eviction); the rest inference.
    ED_VISIT = "ed_visit", _("Emergency department visit")
    HOSPITAL_ADMISSION = "hospital_admission", _("Hospital admission")
    HOSPITAL_DISCHARGE = "hospital_discharge", _("Hospital discharge")
    OUTPATIENT_VISIT = "outpatient_visit", _("Outpatient visit")
    MENTAL_HEALTH_CONTACT = "mental_health_contact", _("Mental-health contact")
    EMS_RESPONSE = "ems_response", _("EMS response")
    NONFATAL_OVERDOSE = "nonfatal_overdose", _("Non-fatal overdose")
    NALOXONE_ADMINISTERED = "naloxone_administered", _("Naloxone administered")
    ARREST = "arrest", _("Arrest")
    BOOKING = "booking", _("Jail booking")
    JAIL_RELEASE = "jail_release", _("Release from jail")
    PRISON_RELEASE = "prison_release", _("Release from prison")
    COURT = "court", _("Court appearance")
    PROBATION_PAROLE = "probation_parole", _("Probation or parole contact")
    TREATMENT_ADMISSION = "treatment_admission", _("SUD treatment admission")
    TREATMENT_DISCHARGE = "treatment_discharge", _("SUD treatment discharge")
    MOUD_START = "moud_start", _("MOUD started")
    MOUD_STOP = "moud_stop", _("MOUD stopped")
    PRESCRIPTION_FILL = "prescription_fill", _("Prescription filled")
    PDMP_RECORD = "pdmp_record", _("PDMP record")
    HARM_REDUCTION_CONTACT = "harm_reduction_contact", _("Harm-reduction contact")
    HOUSING_SERVICES = "housing_services", _("Housing services")
    # Added: docs/sources.md B2 names eviction as an example event; it is a loss, not a service.
    EVICTION = "eviction", _("Eviction")
    SOCIAL_SERVICES = "social_services", _("Social services")
    CHILD_SERVICES = "child_services", _("Child services")
    SCHOOL = "school", _("School")
    OTHER = "other", _("Other")


class DatePrecision(models.TextChoices):
    """How much of a timeline date is known; records often give only a month or year."""

    # Source: inference ("date or date range with precision", docs/sources.md B2).
    DAY = "day", _("Exact day")
    MONTH = "month", _("Month only")
    YEAR = "year", _("Year only")
    APPROXIMATE = "approximate", _("Approximate")


# --- Record requests and documents --------------------------------------------


class RecordType(models.TextChoices):
    # Source: IN 16-49.5-2-6; MD 5-904 (docs/sources.md B2 SourceDocument types).
    AUTOPSY = "autopsy", _("Autopsy report")
    ME_CORONER_INVESTIGATION = "me_coroner_investigation", _("ME/coroner investigation")
    TOXICOLOGY = "toxicology", _("Toxicology report")
    DEATH_CERTIFICATE = "death_certificate", _("Death certificate")
    LAW_ENFORCEMENT_REPORT = "law_enforcement_report", _("Law-enforcement report")
    EMS_RUN = "ems_run", _("EMS run report")
    FIRE_RUN = "fire_run", _("Fire run report")
    HOSPITAL_ED = "hospital_ed", _("Hospital / ED record")
    OUTPATIENT_MEDICAL = "outpatient_medical", _("Outpatient medical record")
    MENTAL_HEALTH = "mental_health", _("Mental-health record")
    SUD_TREATMENT = "sud_treatment", _("SUD treatment record")
    PDMP = "pdmp", _("PDMP report")
    CHILD_SERVICES = "child_services", _("Child services record")
    ADULT_PROTECTIVE = "adult_protective", _("Adult protective services record")
    SCHOOL = "school", _("School record")
    PAROLE_PROBATION = "parole_probation", _("Parole / probation record")
    JAIL_CORRECTIONS = "jail_corrections", _("Jail / corrections record")
    SOCIAL_SERVICES = "social_services", _("Social services record")
    NOK_INTERVIEW = "nok_interview", _("Next-of-kin interview")
    OTHER = "other", _("Other")


# Records from health-care providers default to 30 business days to answer;
# everything else to 5 (MCL 330.3027(3)-(4), docs/sources.md A4). EMS and fire runs
# stay at 5: they come from the responding agency, not a provider's chart.
HEALTH_CARE_RECORD_TYPES: frozenset[str] = frozenset(
    {
        RecordType.HOSPITAL_ED,
        RecordType.OUTPATIENT_MEDICAL,
        RecordType.MENTAL_HEALTH,
        RecordType.SUD_TREATMENT,
    }
)

# The sensitive category a document of each type starts with; the coordinator
# can change it per document. Types not listed are not sensitive by default.
RECORD_TYPE_CATEGORY: dict[str, str] = {
    RecordType.SUD_TREATMENT: SensitiveCategory.PART2_SUD,
    RecordType.MENTAL_HEALTH: SensitiveCategory.MENTAL_HEALTH,
    RecordType.LAW_ENFORCEMENT_REPORT: SensitiveCategory.LE_INVESTIGATIVE,
    RecordType.NOK_INTERVIEW: SensitiveCategory.NOK_INTERVIEW,
    RecordType.CHILD_SERVICES: SensitiveCategory.CHILD_SERVICES,
    RecordType.SCHOOL: SensitiveCategory.EDUCATION,
}


class LegalBasis(models.TextChoices):
    # Source: LAPPA information-sharing fact sheets (INFOSHARE, docs/sources.md B2).
    OFR_STATUTE = "ofr_statute", _("OFR statute")
    PUBLIC_HEALTH_AUTHORITY = "public_health_authority", _("Public-health authority")
    PERSONAL_REPRESENTATIVE_AUTHORIZATION = (
        "personal_representative_authorization",
        _("Authorization by the personal representative"),
    )
    COURT_ORDER = "court_order", _("Court order")


class WithheldReason(models.TextChoices):
    # Source: A.R.S. 36-198.01 (pending investigation or prosecution); the rest inference.
    PENDING_INVESTIGATION = "pending_investigation", _("Pending criminal investigation")
    PROSECUTION_PENDING = "prosecution_pending", _("Prosecution pending")
    LEGAL_PRIVILEGE = "legal_privilege", _("Legal privilege")
    OTHER = "other", _("Other")


# --- Findings -----------------------------------------------------------------


class FindingKind(models.TextChoices):
    # Source: docs/sources.md B3 Finding (NFR-CRS-style; inference).
    MISSED_OPPORTUNITY = "missed_opportunity", _("Missed opportunity")
    SYSTEM_GAP = "system_gap", _("System gap")
    RISK_FACTOR = "risk_factor", _("Risk factor")
    PROTECTIVE_FACTOR = "protective_factor", _("Protective factor")
    GOOD_PRACTICE = "good_practice", _("Good practice")


class FindingStatus(models.TextChoices):
    """Members propose findings; the facilitator confirms them."""

    # Source: inference.
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# --- Case lifecycle -----------------------------------------------------------


class ExclusionReason(models.TextChoices):
    # Source: inference; selection criteria per keepingkidsalive reviewable deaths
    # (docs/sources.md B2).
    # No "family objection": no OFR source lets a family veto a review; use Other and say why.
    # Active investigation or prosecution (NE 71-3427) defers a case rather than excluding it.
    DOES_NOT_MEET_CRITERIA = "does_not_meet_criteria", _("Does not meet selection criteria")
    DUPLICATE = "duplicate", _("Duplicate of another case")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("Outside the team's jurisdiction")
    OTHER = "other", _("Other")


class DeferralReason(models.TextChoices):
    # Source: NE 71-3427 and A.R.S. 36-198.01 (docs/sources.md B2); records_outstanding inference.
    ACTIVE_INVESTIGATION = "active_investigation", _("Active law-enforcement investigation")
    PROSECUTION_PENDING = "prosecution_pending", _("Prosecution pending")
    RECORDS_OUTSTANDING = "records_outstanding", _("Records outstanding")

"""Coded value sets for the case file (docs/sources.md B2).

Shared by several case-file models, so they live here rather than nested in
one model. Values are stored codes: lower_snake_case ASCII, at most 40
characters, never renamed once data exists. Labels are what a coordinator reads
and may be reworded freely.

Agency sectors and sensitive categories are in ofr.roles (Sector,
SensitiveCategory); they are not repeated here.
"""

from django.db import models

from ofr.roles import SensitiveCategory


class TriState(models.TextChoices):
    """Answer to a yes/no circumstance. "Not collected" means nobody asked or
    the source did not cover it, which is different from a documented "No"."""

    # Source: NFR-CRS yes/no/unknown convention (docs/sources.md B2); not_collected so that
    # an unanswered item never reads as no.
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"
    NOT_COLLECTED = "not_collected", "Not collected"


# --- Decedent -----------------------------------------------------------------
# Homelessness and veteran status are TriState fields, not value sets of their
# own: NVDRS records `Homeless` and `Military` as yes/no/unknown (docs/sources.md B2).
# Veteran status counts National Guard and reserve service too, which Indiana's
# annual report asks for (IC 16-37-5-1).


class Sex(models.TextChoices):
    # Source: inference, following NVDRS/SUDORS death-certificate sex (no values in
    # docs/sources.md).
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    UNKNOWN = "unknown", "Unknown"


class Race(models.TextChoices):
    # Source: OMB 1997 race categories as used on death certificates; multiple/unknown inference.
    # OMB's 2024 revision (SPD 15) adds Middle Eastern or North African; add it when
    # death certificates carry it.
    AMERICAN_INDIAN_ALASKA_NATIVE = (
        "american_indian_alaska_native",
        "American Indian or Alaska Native",
    )
    ASIAN = "asian", "Asian"
    BLACK = "black", "Black or African American"
    NATIVE_HAWAIIAN_PACIFIC_ISLANDER = (
        "native_hawaiian_pacific_islander",
        "Native Hawaiian or Other Pacific Islander",
    )
    WHITE = "white", "White"
    MULTIPLE = "multiple", "More than one race"
    UNKNOWN = "unknown", "Unknown"


class Ethnicity(models.TextChoices):
    # Source: OMB 1997 ethnicity question as used on death certificates; unknown inference.
    HISPANIC_LATINO = "hispanic_latino", "Hispanic or Latino"
    NOT_HISPANIC_LATINO = "not_hispanic_latino", "Not Hispanic or Latino"
    UNKNOWN = "unknown", "Unknown"


class EducationLevel(models.TextChoices):
    # Source: NVDRS `EducationLevel` (docs/sources.md B2); levels follow the education item of
    # the 2003 U.S. standard death certificate (inference: docs/sources.md lists no values).
    GRADE_8_OR_LESS = "grade_8_or_less", "8th grade or less"
    SOME_HIGH_SCHOOL = "some_high_school", "9th-12th grade, no diploma"
    HIGH_SCHOOL_GED = "high_school_ged", "High school graduate or GED"
    SOME_COLLEGE = "some_college", "Some college, no degree"
    ASSOCIATE = "associate", "Associate degree"
    BACHELOR = "bachelor", "Bachelor's degree"
    MASTER = "master", "Master's degree"
    DOCTORATE_PROFESSIONAL = "doctorate_professional", "Doctorate or professional degree"
    UNKNOWN = "unknown", "Unknown"


# --- Death --------------------------------------------------------------------


class MannerOfDeath(models.TextChoices):
    # Source: Jefferson County review of deaths; IN 16-49.5-2-6 (docs/sources.md B2).
    NATURAL = "natural", "Natural"
    ACCIDENT = "accident", "Accident"
    SUICIDE = "suicide", "Suicide"
    HOMICIDE = "homicide", "Homicide"
    UNDETERMINED = "undetermined", "Undetermined"
    PENDING = "pending", "Pending investigation"


class PlaceOfDeath(models.TextChoices):
    # Source: DAWN ME case form (docs/sources.md B2). No "other residence" value: a friend's
    # home is "Other", and the overdosed_at_home circumstance already answers home or not.
    ED = "ed", "Emergency department"
    OTHER_HEALTH_CARE_FACILITY = "other_health_care_facility", "Other health-care facility"
    DECEDENT_HOME = "decedent_home", "Decedent's home"
    PUBLIC_PLACE = "public_place", "Public place"
    OTHER = "other", "Other"
    NOT_DOCUMENTED = "not_documented", "Not documented"


# --- Circumstances ------------------------------------------------------------


class RouteOfUse(models.TextChoices):
    # Source: SUDORS circumstances table, JAMA Netw Open 2023 (docs/sources.md B2).
    INJECTION = "injection", "Injection"
    SMOKING = "smoking", "Smoking"
    SNORTING = "snorting", "Snorting"
    INGESTION = "ingestion", "Ingestion (swallowing)"
    OTHER = "other", "Other"
    NO_REPORTED_ROUTE = "no_reported_route", "No route reported"


class DrugsOnScene(models.TextChoices):
    # Source: SUDORS circumstances table, JAMA Netw Open 2023 (docs/sources.md B2).
    PRESCRIPTION = "prescription", "Prescription drugs"
    ILLICIT = "illicit", "Illicit drugs"


class BystanderRelationship(models.TextChoices):
    # Source: TN SUDORS bystander study (family, intimate partner, friend); the rest inference.
    FAMILY = "family", "Family member"
    INTIMATE_PARTNER = "intimate_partner", "Intimate partner"
    FRIEND = "friend", "Friend"
    ROOMMATE = "roommate", "Roommate"
    STRANGER = "stranger", "Stranger"
    OTHER = "other", "Other"
    # Added (inference): records often say a bystander was present without saying who.
    UNKNOWN = "unknown", "Unknown"


class BystanderNoResponseReason(models.TextChoices):
    # Source: TN SUDORS bystander study ("spatially separated" most common); the rest inference.
    SPATIALLY_SEPARATED = "spatially_separated", "In another room or place"
    ASLEEP = "asleep", "Asleep"
    UNAWARE = "unaware", "Did not know the person was using"
    OTHER = "other", "Other"


class NaloxoneAdministeredBy(models.TextChoices):
    # Source: PA ODIN dashboard glossary; NY overdose public-safety reporting (docs/sources.md B2).
    EMS = "ems", "EMS"
    LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
    FIRE = "fire", "Fire"
    BYSTANDER = "bystander", "Bystander"
    OTHER = "other", "Other"


class SudTreatmentType(models.TextChoices):
    # Source: SUDORS-F1 SubsTx_* variables (docs/sources.md B2); SUDORS variable after each.
    REHABILITATION = "rehabilitation", "Rehabilitation"  # SubsTx_rehab
    MOUD_WITH_COGNITIVE = (
        "moud_with_cognitive",
        "Medication for opioid use disorder with counseling",
    )  # SubsTx_MATcog
    MOUD_WITHOUT_COGNITIVE = (
        "moud_without_cognitive",
        "Medication for opioid use disorder without counseling",
    )  # SubsTx_MAT_nocog
    MOUD = "moud", "Medication for opioid use disorder, counseling unknown"  # SubsTx_MAT
    COGNITIVE_BEHAVIORAL_THERAPY = (
        "cognitive_behavioral_therapy",
        "Cognitive behavioral therapy",
    )  # SubsTx_CogTherapy
    NOT_APPLICABLE = "not_applicable", "Not applicable (not in treatment)"  # SubsTx_NA
    OTHER = "other", "Other"  # SubsTx_Other


class InstitutionType(models.TextChoices):
    """Where a decedent was recently released from."""

    # Source: MMWR 73(34), jail/prison/treatment/hospital (docs/sources.md B2).
    JAIL = "jail", "Jail"
    PRISON = "prison", "Prison"
    SUD_TREATMENT = "sud_treatment", "Residential SUD treatment"
    HOSPITAL = "hospital", "Hospital"
    # Added (inference): release from inpatient psychiatric care is its own risk
    # point and a different agency to ask for records, so it is not folded into hospital.
    PSYCHIATRIC_FACILITY = "psychiatric_facility", "Inpatient psychiatric facility"
    OTHER = "other", "Other"


class MentalHealthDiagnosis(models.TextChoices):
    # Source: MMWR 73(34) (depressive, anxiety, ...); the rest inference, NVDRS-style.
    DEPRESSION = "depression", "Depression"
    ANXIETY = "anxiety", "Anxiety"
    BIPOLAR = "bipolar", "Bipolar disorder"
    SCHIZOPHRENIA = "schizophrenia", "Schizophrenia"
    PTSD = "ptsd", "Post-traumatic stress disorder (PTSD)"
    ADHD = "adhd", "Attention-deficit/hyperactivity disorder (ADHD)"
    OTHER = "other", "Other"


# --- Toxicology ---------------------------------------------------------------


class SubstanceClass(models.TextChoices):
    # Source: Maryland intoxication-death reporting classes (docs/sources.md B2); the rest
    # inference.
    FENTANYL_AND_ANALOGUES = "fentanyl_and_analogues", "Fentanyl and analogues"
    HEROIN = "heroin", "Heroin"
    PRESCRIPTION_OPIOID = "prescription_opioid", "Prescription opioids"
    # Added (inference): nitazenes are illicit opioids that are neither fentanyl nor
    # prescription drugs; putting them under "Other" would drop them from opioid counts.
    OTHER_OPIOID = "other_opioid", "Other illicit opioids"
    STIMULANT = "stimulant", "Stimulants"
    BENZODIAZEPINE = "benzodiazepine", "Benzodiazepines"
    XYLAZINE = "xylazine", "Xylazine"
    ALCOHOL = "alcohol", "Alcohol"
    OTHER_SEDATIVE = "other_sedative", "Other sedatives"
    HALLUCINOGEN = "hallucinogen", "Hallucinogens"
    CANNABINOID = "cannabinoid", "Cannabinoids"
    OTHER = "other", "Other"


class Substance(models.TextChoices):
    # Source: Maryland reporting (fentanyl, heroin, carfentanil, cocaine, benzodiazepines,
    # methamphetamine, phencyclidine, alcohol; docs/sources.md B2); the rest inference.
    FENTANYL = "fentanyl", "Fentanyl"
    # Carfentanil is its own code because Maryland reports it separately.
    CARFENTANIL = "carfentanil", "Carfentanil"
    FENTANYL_ANALOGUE = "fentanyl_analogue", "Other fentanyl analogue"
    HEROIN = "heroin", "Heroin"
    MORPHINE = "morphine", "Morphine"
    OXYCODONE = "oxycodone", "Oxycodone"
    HYDROCODONE = "hydrocodone", "Hydrocodone"
    METHADONE = "methadone", "Methadone"
    BUPRENORPHINE = "buprenorphine", "Buprenorphine"
    TRAMADOL = "tramadol", "Tramadol"
    OTHER_PRESCRIPTION_OPIOID = "other_prescription_opioid", "Other prescription opioid"
    NITAZENE = "nitazene", "Nitazenes (e.g. isotonitazene)"
    COCAINE = "cocaine", "Cocaine"
    METHAMPHETAMINE = "methamphetamine", "Methamphetamine"
    AMPHETAMINE = "amphetamine", "Amphetamine"
    BENZODIAZEPINE = "benzodiazepine", "Benzodiazepines (e.g. alprazolam, bromazolam)"
    XYLAZINE = "xylazine", "Xylazine"
    ALCOHOL = "alcohol", "Alcohol (ethanol)"
    GABAPENTIN = "gabapentin", "Gabapentin"
    PHENCYCLIDINE = "phencyclidine", "Phencyclidine (PCP)"
    CANNABINOID = "cannabinoid", "Cannabinoids"
    OTHER = "other", "Other"


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
    FEMORAL_BLOOD = "femoral_blood", "Femoral blood"
    HEART_BLOOD = "heart_blood", "Heart blood"
    # Added: many lab reports say only "blood"; guessing the site would mislead readers
    # comparing concentrations, since heart blood often reads higher than femoral.
    BLOOD_SITE_NOT_STATED = "blood_site_not_stated", "Blood (site not stated)"
    URINE = "urine", "Urine"
    VITREOUS = "vitreous", "Vitreous humor"
    LIVER = "liver", "Liver"
    OTHER = "other", "Other"


class ConcentrationUnit(models.TextChoices):
    # Source: inference (units as printed on toxicology reports). mg/L and ug/mL are
    # numerically equal but kept apart so the entry matches the report.
    NG_ML = "ng_ml", "ng/mL"
    MG_L = "mg_l", "mg/L"
    UG_ML = "ug_ml", "µg/mL"
    MG_KG = "mg_kg", "mg/kg"
    OTHER = "other", "Other"


# --- Timeline -----------------------------------------------------------------


class TouchpointSystem(models.TextChoices):
    # Source: LA 40:2025.4 list, extended (docs/sources.md B2).
    HEALTH_CARE = "health_care", "Health care"
    BEHAVIORAL_HEALTH = "behavioral_health", "Behavioral health"
    SUD_TREATMENT = "sud_treatment", "SUD treatment"
    CRIMINAL_LEGAL = "criminal_legal", "Criminal legal"
    EMS = "ems", "EMS"
    SOCIAL_SERVICES = "social_services", "Social services"
    CHILD_FAMILY = "child_family", "Child and family services"
    EDUCATION = "education", "Education"
    HOUSING = "housing", "Housing"
    HARM_REDUCTION = "harm_reduction", "Harm reduction"
    OTHER = "other", "Other"


class TouchpointType(models.TextChoices):
    # Source: docs/sources.md B2 examples (ED visit, arrest, release,
    # MOUD start/stop, nonfatal OD, eviction); the rest inference.
    ED_VISIT = "ed_visit", "Emergency department visit"
    HOSPITAL_ADMISSION = "hospital_admission", "Hospital admission"
    HOSPITAL_DISCHARGE = "hospital_discharge", "Hospital discharge"
    OUTPATIENT_VISIT = "outpatient_visit", "Outpatient visit"
    MENTAL_HEALTH_CONTACT = "mental_health_contact", "Mental-health contact"
    EMS_RESPONSE = "ems_response", "EMS response"
    NONFATAL_OVERDOSE = "nonfatal_overdose", "Non-fatal overdose"
    NALOXONE_ADMINISTERED = "naloxone_administered", "Naloxone administered"
    ARREST = "arrest", "Arrest"
    BOOKING = "booking", "Jail booking"
    JAIL_RELEASE = "jail_release", "Release from jail"
    PRISON_RELEASE = "prison_release", "Release from prison"
    COURT = "court", "Court appearance"
    PROBATION_PAROLE = "probation_parole", "Probation or parole contact"
    TREATMENT_ADMISSION = "treatment_admission", "SUD treatment admission"
    TREATMENT_DISCHARGE = "treatment_discharge", "SUD treatment discharge"
    MOUD_START = "moud_start", "MOUD started"
    MOUD_STOP = "moud_stop", "MOUD stopped"
    PRESCRIPTION_FILL = "prescription_fill", "Prescription filled"
    PDMP_RECORD = "pdmp_record", "PDMP record"
    HARM_REDUCTION_CONTACT = "harm_reduction_contact", "Harm-reduction contact"
    HOUSING_SERVICES = "housing_services", "Housing services"
    # Added: docs/sources.md B2 names eviction as an example event; it is a loss, not a service.
    EVICTION = "eviction", "Eviction"
    SOCIAL_SERVICES = "social_services", "Social services"
    CHILD_SERVICES = "child_services", "Child services"
    SCHOOL = "school", "School"
    OTHER = "other", "Other"


class DatePrecision(models.TextChoices):
    """How much of a timeline date is known; records often give only a month or year."""

    # Source: inference ("date or date range with precision", docs/sources.md B2).
    DAY = "day", "Exact day"
    MONTH = "month", "Month only"
    YEAR = "year", "Year only"
    APPROXIMATE = "approximate", "Approximate"


# --- Record requests and documents --------------------------------------------


class RecordType(models.TextChoices):
    # Source: IN 16-49.5-2-6; MD 5-904 (docs/sources.md B2 SourceDocument types).
    AUTOPSY = "autopsy", "Autopsy report"
    ME_CORONER_INVESTIGATION = "me_coroner_investigation", "ME/coroner investigation"
    TOXICOLOGY = "toxicology", "Toxicology report"
    DEATH_CERTIFICATE = "death_certificate", "Death certificate"
    LAW_ENFORCEMENT_REPORT = "law_enforcement_report", "Law-enforcement report"
    EMS_RUN = "ems_run", "EMS run report"
    FIRE_RUN = "fire_run", "Fire run report"
    HOSPITAL_ED = "hospital_ed", "Hospital / ED record"
    OUTPATIENT_MEDICAL = "outpatient_medical", "Outpatient medical record"
    MENTAL_HEALTH = "mental_health", "Mental-health record"
    SUD_TREATMENT = "sud_treatment", "SUD treatment record"
    PDMP = "pdmp", "PDMP report"
    CHILD_SERVICES = "child_services", "Child services record"
    ADULT_PROTECTIVE = "adult_protective", "Adult protective services record"
    SCHOOL = "school", "School record"
    PAROLE_PROBATION = "parole_probation", "Parole / probation record"
    JAIL_CORRECTIONS = "jail_corrections", "Jail / corrections record"
    SOCIAL_SERVICES = "social_services", "Social services record"
    NOK_INTERVIEW = "nok_interview", "Next-of-kin interview"
    OTHER = "other", "Other"


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
    OFR_STATUTE = "ofr_statute", "OFR statute"
    PUBLIC_HEALTH_AUTHORITY = "public_health_authority", "Public-health authority"
    PERSONAL_REPRESENTATIVE_AUTHORIZATION = (
        "personal_representative_authorization",
        "Authorization by the personal representative",
    )
    COURT_ORDER = "court_order", "Court order"


class WithheldReason(models.TextChoices):
    # Source: A.R.S. 36-198.01 (pending investigation or prosecution); the rest inference.
    PENDING_INVESTIGATION = "pending_investigation", "Pending criminal investigation"
    PROSECUTION_PENDING = "prosecution_pending", "Prosecution pending"
    LEGAL_PRIVILEGE = "legal_privilege", "Legal privilege"
    OTHER = "other", "Other"


# --- Findings -----------------------------------------------------------------


class FindingKind(models.TextChoices):
    # Source: docs/sources.md B3 Finding (NFR-CRS-style; inference).
    MISSED_OPPORTUNITY = "missed_opportunity", "Missed opportunity"
    SYSTEM_GAP = "system_gap", "System gap"
    RISK_FACTOR = "risk_factor", "Risk factor"
    PROTECTIVE_FACTOR = "protective_factor", "Protective factor"
    GOOD_PRACTICE = "good_practice", "Good practice"


class FindingStatus(models.TextChoices):
    """Members propose findings; the facilitator confirms them."""

    # Source: inference.
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    WITHDRAWN = "withdrawn", "Withdrawn"


# --- Case lifecycle -----------------------------------------------------------


class ExclusionReason(models.TextChoices):
    # Source: inference; selection criteria per keepingkidsalive reviewable deaths
    # (docs/sources.md B2).
    # No "family objection": no OFR source lets a family veto a review; use Other and say why.
    # Active investigation or prosecution (NE 71-3427) defers a case rather than excluding it.
    DOES_NOT_MEET_CRITERIA = "does_not_meet_criteria", "Does not meet selection criteria"
    DUPLICATE = "duplicate", "Duplicate of another case"
    OUTSIDE_JURISDICTION = "outside_jurisdiction", "Outside the team's jurisdiction"
    OTHER = "other", "Other"


class DeferralReason(models.TextChoices):
    # Source: NE 71-3427 and A.R.S. 36-198.01 (docs/sources.md B2); records_outstanding inference.
    ACTIVE_INVESTIGATION = "active_investigation", "Active law-enforcement investigation"
    PROSECUTION_PENDING = "prosecution_pending", "Prosecution pending"
    RECORDS_OUTSTANDING = "records_outstanding", "Records outstanding"

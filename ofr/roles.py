"""The role -> permission matrix: the one place that says what each role may do.

Roles decide actions; objects decide scope. A membership's role maps to
permissions on its team's cases (granted through django-guardian to one group
per team and role) and to permissions on the team itself. Sensitive-category
permissions are granted through one group per team and category, so that the
member's sector can narrow them (see SECTOR_EXCLUDED_CATEGORIES).
"""

from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy


class Role(models.TextChoices):
    COORDINATOR = "coordinator", gettext_lazy("Coordinator")
    DATA_MANAGER = "data_manager", gettext_lazy("Data manager")
    FACILITATOR = "facilitator", gettext_lazy("Facilitator")
    MEMBER = "member", gettext_lazy("Review member")
    GUEST = "guest", gettext_lazy("Guest")
    AGENCY_PARTNER = "agency_partner", gettext_lazy("Agency partner")
    OVERSIGHT = "oversight", gettext_lazy("Oversight")
    # The body many teams send their recommendations to for endorsement (a
    # county board of health, a state council): recommendations and
    # aggregates, never case data.
    GOVERNING_COMMITTEE = "governing_committee", gettext_lazy("Governing committee")


class Sector(models.TextChoices):
    """Agency sectors (docs/sources.md B1)."""

    PUBLIC_HEALTH = "public_health", gettext_lazy("Public health")
    MEDICAL_EXAMINER_CORONER = (
        "medical_examiner_coroner",
        gettext_lazy("Medical examiner / coroner"),
    )
    LAW_ENFORCEMENT = "law_enforcement", gettext_lazy("Law enforcement")
    PROSECUTOR = "prosecutor", gettext_lazy("Prosecutor")
    JAIL_DETENTION = "jail_detention", gettext_lazy("Jail / detention")
    CORRECTIONS_PAROLE_PROBATION = (
        "corrections_parole_probation",
        gettext_lazy("Corrections / parole / probation"),
    )
    EMS_FIRE = "ems_fire", gettext_lazy("EMS / fire")
    HOSPITAL_HEALTH_SYSTEM = "hospital_health_system", gettext_lazy("Hospital / health system")
    SUD_TREATMENT = "sud_treatment", gettext_lazy("SUD treatment")
    MENTAL_HEALTH = "mental_health", gettext_lazy("Mental health")
    CHILD_PROTECTIVE_SERVICES = (
        "child_protective_services",
        gettext_lazy("Child protective services"),
    )
    ADULT_PROTECTIVE_SERVICES = (
        "adult_protective_services",
        gettext_lazy("Adult protective services"),
    )
    SOCIAL_SERVICES = "social_services", gettext_lazy("Social services")
    SCHOOL = "school", gettext_lazy("School")
    HOMELESS_SERVICES = "homeless_services", gettext_lazy("Homeless services")
    HARM_REDUCTION = "harm_reduction", gettext_lazy("Harm reduction")
    PHARMACY = "pharmacy", gettext_lazy("Pharmacy")
    EPIDEMIOLOGY = "epidemiology", gettext_lazy("Epidemiology")
    COMMUNITY_MEMBER_LIVED_EXPERIENCE = (
        "community_member_lived_experience",
        gettext_lazy("Community member / lived experience"),
    )
    OTHER = "other", pgettext_lazy("agency sector", "Other")


class SensitiveCategory(models.TextChoices):
    """Categories of restricted content; each has a view_<category> case permission."""

    PART2_SUD = "part2_sud", "SUD treatment (42 CFR Part 2)"
    MENTAL_HEALTH = "mental_health", "Mental health"
    LE_INVESTIGATIVE = "le_investigative", "Law-enforcement investigative"
    NOK_INTERVIEW = "nok_interview", "Next-of-kin interview"
    CHILD_SERVICES = "child_services", "Child services"
    EDUCATION = "education", "Education (FERPA)"


def category_permission(category: str) -> str:
    return f"view_{category}"


ALL_CATEGORIES = frozenset(SensitiveCategory.values)

# Case permissions (codenames on cases.Case) each role holds on its team's cases.
CASE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset(
        {
            "view_case",
            "change_case",
            "annotate_case",
            "view_identifiers",
            "view_access_log",
            "confirm_finding",
            # Law-enforcement investigative material of a case deferred for an
            # active investigation: its uploader and the coordinators only.
            "view_deferred_investigative",
        }
    ),
    Role.DATA_MANAGER: frozenset({"view_case", "change_case", "annotate_case", "view_identifiers"}),
    # The facilitator confirms the findings the team agrees on in the meeting.
    Role.FACILITATOR: frozenset({"view_case", "annotate_case", "confirm_finding"}),
    Role.MEMBER: frozenset({"view_case", "annotate_case"}),
    # Guests see a meeting's cases through direct, meeting-bounded grants only.
    Role.GUEST: frozenset(),
    # Partners and oversight never see case data.
    Role.AGENCY_PARTNER: frozenset(),
    Role.OVERSIGHT: frozenset(),
    Role.GOVERNING_COMMITTEE: frozenset(),
}

# Sensitive categories each role may see on its team's cases, before the sector rule.
# Next-of-kin interview material stays with its interviewer (the item's author,
# cases/policy.py), the coordinators and the facilitators: the family spoke to
# them, and other members see the touchpoints the coordinator extracts from it.
CASE_CATEGORIES: dict[str, frozenset[str]] = {
    Role.COORDINATOR: ALL_CATEGORIES,
    Role.DATA_MANAGER: ALL_CATEGORIES - {SensitiveCategory.NOK_INTERVIEW},
    Role.FACILITATOR: ALL_CATEGORIES,
    Role.MEMBER: ALL_CATEGORIES - {SensitiveCategory.NOK_INTERVIEW},
    Role.GUEST: frozenset(),
    Role.AGENCY_PARTNER: frozenset(),
    Role.OVERSIGHT: frozenset(),
    Role.GOVERNING_COMMITTEE: frozenset(),
}

# 42 CFR 2.32 forbids using Part 2 records to investigate or prosecute the
# patient: members from these sectors do not get them by default.
SECTOR_EXCLUDED_CATEGORIES: dict[str, frozenset[str]] = {
    Sector.LAW_ENFORCEMENT: frozenset({SensitiveCategory.PART2_SUD}),
    Sector.PROSECUTOR: frozenset({SensitiveCategory.PART2_SUD}),
}

# Team permissions: what each role may do that is not about one case.
# - add_team_case: open new case files on the team.
# - view_recommendations: read the team's recommendations.
# - change_recommendations: write them and record their progress.
# - update_agency_recommendations: read, and add progress updates to, the
#   recommendations the member's agency leads or partners on (no case data).
# - oversee_jurisdiction: read the recommendations and aggregate reports of
#   every team in or under the team's jurisdictions (no case data).
# - view_aggregates: read the team's aggregate reports.
# - view_data_quality: read the team's completeness report and its cases with
#   open data queries (those who prepare the review and see the cases).
# - export_cases: take the team's case files out (REDCap export), each case
#   as the confidentiality policy shows it to the person exporting.
# - record_endorsements: record the governing committee's decision on a
#   recommendation (its members, and coordinators on its behalf).
# - view_agreements: read the team's data-sharing agreements with agencies
#   and download their signed files (those who request and upload records).
# - manage_agreements: record, edit and renew them.
# - manage_community_context: record and edit the team's community resources
#   (naloxone points, MOUD providers, syringe services...); who reads them is
#   recommendations/access.py's call (community_reader_team_ids).
TEAM_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset(
        {
            "add_team_case",
            "view_recommendations",
            "change_recommendations",
            "view_aggregates",
            "view_data_quality",
            "export_cases",
            "record_endorsements",
            "view_agreements",
            "manage_agreements",
            "manage_community_context",
        }
    ),
    Role.DATA_MANAGER: frozenset(
        {
            "add_team_case",
            "view_recommendations",
            "view_aggregates",
            "view_data_quality",
            "export_cases",
            "view_agreements",
            "manage_community_context",
        }
    ),
    Role.FACILITATOR: frozenset(
        {
            "view_recommendations",
            "change_recommendations",
            "view_aggregates",
            "view_data_quality",
        }
    ),
    Role.MEMBER: frozenset({"view_recommendations"}),
    Role.GUEST: frozenset(),
    Role.AGENCY_PARTNER: frozenset({"update_agency_recommendations"}),
    Role.OVERSIGHT: frozenset({"oversee_jurisdiction"}),
    # The team's recommendations (findings as partners and oversight see them:
    # none, only how many cases) and aggregates; decides on endorsement.
    Role.GOVERNING_COMMITTEE: frozenset(
        {"view_recommendations", "view_aggregates", "record_endorsements"}
    ),
}


def roles_with(perm: str) -> frozenset[str]:
    """The roles that hold the team permission `perm`."""
    return frozenset(role for role, perms in TEAM_PERMISSIONS.items() if perm in perms)


def categories_for(role: str, sector: str | None) -> frozenset[str]:
    """Sensitive categories a member with this role, from this sector, may see."""
    excluded = SECTOR_EXCLUDED_CATEGORIES.get(sector or "", frozenset())
    return CASE_CATEGORIES[role] - excluded


def case_permissions_for(role: str, sector: str | None) -> frozenset[str]:
    """Every case permission codename a member with this role and sector holds."""
    return CASE_PERMISSIONS[role] | {category_permission(c) for c in categories_for(role, sector)}


# Deferral for an investigation: members from these sectors know of
# investigations and prosecutions and may ask the team to defer a case; these
# roles decide (and, with the asker, read the requests).
DEFERRAL_ASKING_SECTORS = frozenset({Sector.LAW_ENFORCEMENT, Sector.PROSECUTOR})
DEFERRAL_DECIDING_ROLES = frozenset({Role.COORDINATOR})

# Who gets the daily e-mail of overdue recommendations and tasks: these roles
# for all of the team's, and members whose role holds
# update_agency_recommendations for those their agency leads.
RECOMMENDATION_REMINDER_ROLES = frozenset({Role.COORDINATOR})

# Who may move a case to reviewed or closed with more of its items not
# collected than the team allows, recording why (cases/completeness.py).
COMPLETENESS_OVERRIDE_ROLES = frozenset({Role.COORDINATOR})

# Who may record that an item from a 42 CFR Part 2 program is not Part 2
# (without that reason, the confidentiality policy treats it as Part 2).
PART2_EXEMPTING_ROLES = frozenset({Role.COORDINATOR})

# Meetings (cases/access.py). Members and guests see a case only once they have
# signed the agreement of a meeting with the case on its agenda (docs/decisions.md
# "Meeting gating"); the roles that prepare the review see the team's cases.
MEETING_GATED_ROLES = frozenset({Role.MEMBER, Role.GUEST})
# Who plans meetings, keeps the roster, issues packets and runs facilitator mode.
MEETING_MANAGER_ROLES = frozenset({Role.COORDINATOR, Role.FACILITATOR})
# Who sees every meeting of the team (others see the meetings they attend).
MEETING_VIEWER_ROLES = frozenset({Role.COORDINATOR, Role.DATA_MANAGER, Role.FACILITATOR})


def ungated_case_role(role: str) -> bool:
    """Whether the role sees its team's cases without signing for a meeting."""
    return bool(CASE_PERMISSIONS[role]) and role not in MEETING_GATED_ROLES


# Whose home page is the work queue: the team's outstanding work in counts
# (overdue requests, deferrals to review, agreements to renew, meetings with
# signatures missing, overdue recommendations), each linking to its list.
WORK_QUEUE_ROLES = frozenset({Role.COORDINATOR})

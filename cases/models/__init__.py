"""The case file: the case and its lifecycle, the decedent (de-identified facts
and, apart, the identifiers), death details, circumstances, toxicology, the
timeline of touchpoints, record requests, source documents, notes and findings;
requests to defer a case for an investigation. (Meetings are the meetings app's.)

Every model keeps its history (django-simple-history). Editable records carry a
`version` for optimistic concurrency (ofr/concurrency.py). Sensitive items
carry a `sensitivity` category; cases/access.py filters them for each viewer."""

from cases.models.agreements import (
    AgreementProblem,
    DataSharingAgreement,
    agreement_problem,
    current_agreement,
)
from cases.models.case import Case, CaseGroupObjectPermission, CaseUserObjectPermission
from cases.models.deferral import DeferralRequest
from cases.models.imports import ImportMapping, PendingImport
from cases.models.items import (
    Finding,
    FindingEvent,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
    ToxicologyResult,
    document_path,
    sensitivity_field,
)
from cases.models.nok import INTERVIEW_TOPICS, NokInterview, NokOutreachAttempt
from cases.models.sections import (
    ChoiceListValidator,
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    IdentifierLookup,
    normal_name,
    normal_number,
    tristate,
)

__all__ = [
    "AgreementProblem",
    "DataSharingAgreement",
    "agreement_problem",
    "current_agreement",
    "Case",
    "CaseGroupObjectPermission",
    "CaseUserObjectPermission",
    "ChoiceListValidator",
    "Circumstances",
    "DeathDetails",
    "Decedent",
    "DecedentIdentifiers",
    "DeferralRequest",
    "Finding",
    "FindingEvent",
    "IdentifierLookup",
    "ImportMapping",
    "INTERVIEW_TOPICS",
    "NokInterview",
    "NokOutreachAttempt",
    "Note",
    "PendingImport",
    "RecordRequest",
    "SourceDocument",
    "TimelineEvent",
    "ToxicologyResult",
    "document_path",
    "normal_name",
    "normal_number",
    "sensitivity_field",
    "tristate",
]

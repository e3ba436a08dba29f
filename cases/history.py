"""The history of a whole case file, merged newest first and filtered for the
viewer exactly like the case page: identifiers only with view_identifiers, and
items in a sensitive category only with that category's permission."""

from cases.access import viewable_categories
from cases.models import (
    Case,
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    Finding,
    FindingEvent,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
    ToxicologyResult,
)
from ofr.history import HistoryEntry, merged_entries


def case_file_history(case: Case, permissions: frozenset[str]) -> list[HistoryEntry]:
    allowed = ["", *viewable_categories(permissions)]
    restricted_events = set(
        TimelineEvent.objects.filter(case=case)
        .exclude(sensitivity__in=allowed)
        .values_list("pk", flat=True)
    )
    finding_ids = set(
        Finding.history.filter(case_id=case.pk, sensitivity__in=allowed).values_list(
            "id", flat=True
        )
    )
    hidden_findings = set(
        Finding.objects.filter(case=case)
        .exclude(sensitivity__in=allowed)
        .values_list("pk", flat=True)
    )
    sources = [
        (Case, Case.history.filter(id=case.pk), lambda r: "Case"),
        (Decedent, Decedent.history.filter(case_id=case.pk), lambda r: "Decedent"),
        (DeathDetails, DeathDetails.history.filter(case_id=case.pk), lambda r: "Death"),
        (
            Circumstances,
            Circumstances.history.filter(case_id=case.pk),
            lambda r: "Circumstances",
        ),
        (
            ToxicologyResult,
            ToxicologyResult.history.filter(case_id=case.pk),
            lambda r: f"Toxicology: {r.get_substance_display()}",
        ),
        (
            TimelineEvent,
            TimelineEvent.history.filter(case_id=case.pk, sensitivity__in=allowed).exclude(
                id__in=restricted_events
            ),
            lambda r: f"Touchpoint {r.date:%Y-%m-%d}: {r.get_touchpoint_type_display()}",
        ),
        (
            Note,
            Note.history.filter(case_id=case.pk, sensitivity__in=allowed).exclude(
                timeline_event_id__in=restricted_events
            ),
            lambda r: "Note",
        ),
        (
            Finding,
            Finding.history.filter(case_id=case.pk, sensitivity__in=allowed).exclude(
                id__in=hidden_findings
            ),
            lambda r: f"Finding: {r.get_kind_display()}",
        ),
        (
            FindingEvent,
            FindingEvent.history.filter(finding_id__in=finding_ids)
            .exclude(finding_id__in=hidden_findings)
            .exclude(event_id__in=restricted_events),
            lambda r: "Finding linked to a touchpoint",
        ),
        (
            RecordRequest,
            RecordRequest.history.filter(case_id=case.pk),
            lambda r: "Record request",
        ),
        (
            SourceDocument,
            SourceDocument.history.filter(case_id=case.pk, sensitivity__in=allowed),
            lambda r: f"Document: {r.title}",
        ),
    ]
    if "view_identifiers" in permissions:
        sources.append(
            (
                DecedentIdentifiers,
                DecedentIdentifiers.history.filter(case_id=case.pk),
                lambda r: "Identifiers",
            )
        )
    return merged_entries(sources)

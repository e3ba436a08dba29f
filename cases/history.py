"""The history of a whole case file, merged newest first and filtered for the
viewer by the confidentiality policy (cases/policy.py): identifiers only with
view_identifiers, and the rows of an item only where the viewer may see the
item both as it is now and as it was in that row."""

from cases.models import (
    Case,
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    DeferralRequest,
    Finding,
    FindingEvent,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
    ToxicologyResult,
)
from cases.policy import CaseViewer, part2_notice, shown_history_rows
from ofr.history import HistoryEntry, merged_entries

# Items whose rows the policy filters, with how a row is named on the page
# (from the row itself, which the viewer may see).
ITEMS = [
    (TimelineEvent, lambda r: f"Touchpoint {r.date:%Y-%m-%d}: {r.get_touchpoint_type_display()}"),
    (Note, lambda r: "Note"),
    (Finding, lambda r: f"Finding: {r.get_kind_display()}"),
    (RecordRequest, lambda r: "Record request"),
    (SourceDocument, lambda r: f"Document: {r.title}"),
    (DeferralRequest, lambda r: "Deferral request"),
]


def case_file_history(case: Case, viewer: CaseViewer) -> tuple[list[HistoryEntry], str]:
    """The entries, newest first, and the 42 CFR 2.32 notice if any of them
    shows Part 2 content."""
    sources = [
        (Case, Case.history.filter(id=case.pk), lambda r: "Case"),
        (Decedent, Decedent.history.filter(case_id=case.pk), lambda r: "Decedent"),
        (DeathDetails, DeathDetails.history.filter(case_id=case.pk), lambda r: "Death"),
        (Circumstances, Circumstances.history.filter(case_id=case.pk), lambda r: "Circumstances"),
        (
            ToxicologyResult,
            ToxicologyResult.history.filter(case_id=case.pk),
            lambda r: f"Toxicology: {r.get_substance_display()}",
        ),
    ]
    shown = []
    for model, label in ITEMS:
        rows = shown_history_rows(ordered(model.history.filter(case_id=case.pk)), viewer)
        shown += rows
        sources.append((model, rows, label))
    links = FindingEvent.history.filter(
        finding_id__in=Finding.history.filter(case_id=case.pk).values("id")
    )
    sources.append(
        (
            FindingEvent,
            shown_history_rows(ordered(links), viewer),
            lambda r: "Finding linked to a touchpoint",
        )
    )
    if viewer.sees_identifiers:
        sources.append(
            (
                DecedentIdentifiers,
                DecedentIdentifiers.history.filter(case_id=case.pk),
                lambda r: "Identifiers",
            )
        )
    return merged_entries(sources), part2_notice(shown)


def ordered(rows):
    return rows.select_related("history_user").order_by("history_date", "history_id")

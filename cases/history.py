"""The history of a whole case file, merged newest first and filtered for the
viewer by the confidentiality policy (cases/policy.py): identifiers only with
view_identifiers, and the rows of an item only where the viewer may see the
item both as it is now and as it was in that row."""

from django.utils.translation import gettext

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
    (
        TimelineEvent,
        lambda r: (
            gettext("Touchpoint %(date)s: %(type)s")
            % {"date": f"{r.date:%Y-%m-%d}", "type": r.get_touchpoint_type_display()}
        ),
    ),
    (Note, lambda r: gettext("Note")),
    (Finding, lambda r: gettext("Finding: %(kind)s") % {"kind": r.get_kind_display()}),
    (RecordRequest, lambda r: gettext("Record request")),
    (SourceDocument, lambda r: gettext("Document: %(title)s") % {"title": r.title}),
    (DeferralRequest, lambda r: gettext("Deferral request")),
]


def case_file_history(case: Case, viewer: CaseViewer) -> tuple[list[HistoryEntry], str]:
    """The entries, newest first, and the 42 CFR 2.32 notice if any of them
    shows Part 2 content."""
    sources = [
        (Case, Case.history.filter(id=case.pk), lambda r: gettext("Case")),
        (Decedent, Decedent.history.filter(case_id=case.pk), lambda r: gettext("Decedent")),
        (DeathDetails, DeathDetails.history.filter(case_id=case.pk), lambda r: gettext("Death")),
        (
            Circumstances,
            Circumstances.history.filter(case_id=case.pk),
            lambda r: gettext("Circumstances"),
        ),
        (
            ToxicologyResult,
            ToxicologyResult.history.filter(case_id=case.pk),
            lambda r: (
                gettext("Toxicology: %(substance)s") % {"substance": r.get_substance_display()}
            ),
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
            lambda r: gettext("Finding linked to a touchpoint"),
        )
    )
    if viewer.sees_identifiers:
        sources.append(
            (
                DecedentIdentifiers,
                DecedentIdentifiers.history.filter(case_id=case.pk),
                lambda r: gettext("Identifiers"),
            )
        )
    return merged_entries(sources), part2_notice(shown)


def ordered(rows):
    return rows.select_related("history_user").order_by("history_date", "history_id")

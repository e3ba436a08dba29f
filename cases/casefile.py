"""A case file as one viewer may see it: the sections, the timeline with its
strip, records received, notes and findings, each through the confidentiality
policy (cases/policy.py). Meeting packets are made of these; nothing a viewer
may not see is put in one."""

from dataclasses import dataclass
from datetime import date

from cases import valuesets as vs
from cases.models import Case, DecedentIdentifiers, RecordRequest
from cases.policy import (
    CaseViewer,
    TimelineItem,
    identifiers_for,
    visible_findings,
    visible_notes,
    visible_timeline,
)
from cases.timeline_svg import timeline_strip_svg


@dataclass(frozen=True)
class ReceivedRecord:
    """A record request answered with the records, as one recipient may see it."""

    agency: str
    record_types: tuple[str, ...]
    received_on: date | None
    restricted: bool = False
    label: str = ""
    notice: str = ""


@dataclass(frozen=True)
class CaseFile:
    case: Case
    identifiers: DecedentIdentifiers | None
    timeline: list[TimelineItem]
    timeline_svg: str
    toxicology: list
    records: list[ReceivedRecord]
    notes: list
    findings: list  # (finding, [TimelineItem or None for each linked event])
    shows_part2: bool


def received_records(case: Case, viewer: CaseViewer) -> list[ReceivedRecord]:
    """Answered requests: agency and record types, or a placeholder when the
    policy hides the request (the agency would tell)."""
    requests = case.record_requests.filter(outcome=RecordRequest.Outcome.RECEIVED)
    records = []
    for request in requests.select_related("agency").order_by("answered_on", "id"):
        decision = viewer.decide(request)
        if not decision.shown:
            label = decision.placeholder.replace("contact", "record")
            records.append(ReceivedRecord("", (), request.answered_on, True, label))
        else:
            labels = tuple(str(vs.RecordType(t).label) for t in request.record_types)
            records.append(
                ReceivedRecord(
                    request.agency.name, labels, request.answered_on, notice=decision.notice
                )
            )
    return records


def case_file(
    case: Case, viewer: CaseViewer, *, with_identifiers: bool, strip_width: int
) -> CaseFile:
    """The case file as this viewer may see it; the strip is `strip_width` wide."""
    timeline = visible_timeline(case, viewer)
    by_event = {item.event.pk: item for item in timeline if item.event is not None}
    findings = (
        case.findings.exclude(status=vs.FindingStatus.WITHDRAWN)
        .select_related("proposed_by")
        .prefetch_related("events")
    )
    notes = visible_notes(case.notes.filter(timeline_event=None).select_related("author"), viewer)
    records = received_records(case, viewer)
    shown_findings = visible_findings(findings, viewer)
    return CaseFile(
        case=case,
        identifiers=identifiers_for(case, viewer) if with_identifiers else None,
        timeline=timeline,
        timeline_svg=timeline_strip_svg(
            timeline, case.death.date_of_death, width=strip_width, id_prefix=f"strip-{case.pk}"
        ),
        toxicology=list(case.toxicology.all()),
        records=records,
        notes=notes,
        findings=[
            (f, []) if f.restricted else (f, [by_event.get(e.pk) for e in f.events.all()])
            for f in shown_findings
        ],
        shows_part2=any(
            getattr(shown, "notice", "")
            for shown in [
                *timeline,
                *notes,
                *(n for item in timeline for n in item.notes),
                *records,
                *shown_findings,
            ]
        ),
    )

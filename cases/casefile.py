"""A case file as one viewer may see it: the sections, the timeline with its
strip, records, notes and findings, each through the confidentiality policy
(cases/policy.py). One builder for every place that shows a case file: the
case page and facilitator mode (case_file_context) and meeting packets
(case_file). Nothing a viewer may not see is put in either."""

from dataclasses import dataclass
from datetime import date

from cases import valuesets as vs
from cases.models import Case, DecedentIdentifiers, RecordRequest
from cases.policy import (
    CaseViewer,
    TimelineItem,
    case_notes_of,
    identifiers_for,
    visible_findings,
    visible_notes,
    visible_timeline,
)
from cases.timeline_svg import legend_items, timeline_strip_svg


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
            label = decision.record_placeholder
            records.append(ReceivedRecord("", (), request.answered_on, True, label))
        else:
            labels = tuple(str(vs.RecordType(t).label) for t in request.record_types)
            records.append(
                ReceivedRecord(
                    request.agency.name, labels, request.answered_on, notice=decision.notice
                )
            )
    return records


def case_notes(notes: list, viewer: CaseViewer) -> list:
    """Of the case's `notes` (case_notes_of), those on the case as a whole (a
    touchpoint's notes come with it)."""
    return visible_notes([note for note in notes if note.timeline_event_id is None], viewer)


def findings_with_events(findings, viewer: CaseViewer, timeline: list[TimelineItem]) -> list:
    """(finding, [the touchpoints it names, as the timeline shows them]) for each
    finding the policy shows; a restricted finding names none."""
    by_event = {item.event.pk: item for item in timeline if item.event is not None}
    return [
        (finding, [])
        if finding.restricted
        else (finding, [by_event.get(e.pk) for e in finding.events.all()])
        for finding in visible_findings(findings.prefetch_related("events"), viewer)
    ]


def case_file_context(case: Case, viewer: CaseViewer) -> dict:
    """The template context of the case file's sections on the case page and in
    facilitator mode: the timeline with its strips (screen and phone widths)
    and legend, toxicology, notes and findings (withdrawn ones too, marked)."""
    notes = case_notes_of(case)
    timeline = visible_timeline(case, viewer, notes)
    date_of_death = case.death.date_of_death
    findings = case.findings.select_related("proposed_by", "confirmed_by")
    return {
        "case": case,
        "perms_on_case": viewer.permissions,
        "timeline": timeline,
        "timeline_svg": timeline_strip_svg(timeline, date_of_death, id_prefix="strip"),
        "timeline_svg_phone": timeline_strip_svg(
            timeline, date_of_death, width=390, id_prefix="strip-phone"
        ),
        "timeline_legend": legend_items(timeline),
        "toxicology": case.toxicology.all(),
        "notes": case_notes(notes, viewer),
        "findings": findings_with_events(findings, viewer, timeline),
    }


def case_file(
    case: Case, viewer: CaseViewer, *, with_identifiers: bool, strip_width: int
) -> CaseFile:
    """The case file for a meeting packet, as this viewer may see it: no
    withdrawn findings, the records received; the strip is `strip_width` wide."""
    all_notes = case_notes_of(case)
    timeline = visible_timeline(case, viewer, all_notes)
    findings = case.findings.active().select_related("proposed_by")
    notes = case_notes(all_notes, viewer)
    records = received_records(case, viewer)
    shown_findings = findings_with_events(findings, viewer, timeline)
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
        findings=shown_findings,
        shows_part2=any(
            getattr(shown, "notice", "")
            for shown in [
                *timeline,
                *notes,
                *(n for item in timeline for n in item.notes),
                *records,
                *(finding for finding, _ in shown_findings),
            ]
        ),
    )

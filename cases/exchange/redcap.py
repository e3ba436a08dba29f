"""The case file in REDCap's formats: the data dictionary (to build a blank
project) and the records, "flat" import format with repeating instruments.

Both come from the field table (cases/exchange/fields.py). Every case's content
goes through the confidentiality policy (cases/policy.py): identifiers only from
identifiers_for, touchpoints only those visible_timeline shows the viewer, and
a touchpoint (or next-of-kin interview) the viewer may not see is left out
altogether (a placeholder row would only say that something is hidden, and
REDCap has nowhere to show it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from types import SimpleNamespace

from django.db.models import Prefetch, prefetch_related_objects

from cases import valuesets as vs
from cases.exchange.fields import (
    DEIDENTIFIED,
    FULL,
    TOP_AGE,
    Field,
    fields_for,
    forms_for,
)
from cases.models import Case, TimelineEvent
from cases.policy import CaseViewer, identifiers_for, visible_interviews, visible_timeline
from ofr.spreadsheets import neutralise

# Cases whose touchpoints are fetched together: a query or two a batch, and a
# batch's touchpoints in memory at a time.
BATCH = 500

DICTIONARY_HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
RECORD_ID = "record_id"
REPEAT_COLUMNS = ("redcap_repeat_instrument", "redcap_repeat_instance")
COMPLETE = "2"  # REDCap's form status "Complete"
CHOICE_TYPES = ("dropdown", "radio", "checkbox")


class ExportRefused(Exception):
    """The viewer may not have this export (a full export without identifiers on every case)."""


def _csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return out.getvalue()


def dictionary_rows(level: str = FULL) -> list[tuple[str, ...]]:
    rows = []
    for field in fields_for(level):
        annotation = f"Source: {field.source}." + (f" {field.note}" if field.note else "")
        rows.append(
            (
                field.name,
                field.form,
                "",
                field.type,
                field.label,
                field.choices_text() if field.type in CHOICE_TYPES else "",
                field.field_note(level),
                field.validation,
                "",
                "",
                "y" if field.identifier else "",
                field.branching,
                "y" if field.name == RECORD_ID else "",
                "",
                "",
                "",
                "",
                annotation,
            )
        )
    return rows


def data_dictionary_csv(level: str = FULL) -> str:
    """REDCap's data dictionary for the export at `level`: upload it to a blank
    project (Project Setup > Data Dictionary) before importing the records."""
    return _csv([DICTIONARY_HEADER, *dictionary_rows(level)])


REPEATING_HEADER = ("form_name", "custom_form_label")


def repeating_instruments_csv(level: str = FULL) -> str:
    """The instruments to make repeating, in the CSV that REDCap's Project Setup
    (Repeating instruments and events, Upload) and its API take for a classic
    project; the custom label names each instance in REDCap's lists."""
    labels = {
        "toxicology": "[tox_substance]",
        "touchpoints": "[tp_date] [tp_system]",
        "nok_interview": "[nok_status]",
    }
    rows = [(form.name, labels.get(form.name, "")) for form in forms_for(level) if form.repeating]
    return _csv([REPEATING_HEADER, *rows])


def record_columns(level: str) -> list[str]:
    """record_id, the repeat columns, then each form's columns and its <form>_complete."""
    columns = [RECORD_ID, *REPEAT_COLUMNS]
    fields = fields_for(level)
    for form in forms_for(level):
        for field in fields:
            if field.form == form.name and field.name != RECORD_ID:
                columns += field.columns()
        columns.append(f"{form.name}_complete")
    return columns


def _read(field: Field, roots: dict):
    section, *attributes = field.source.split(".")
    value = roots.get(section)
    for attribute in attributes:
        if value is None:
            return None
        value = getattr(value, attribute)
    return value


def _cells(field: Field, value, level: str) -> dict[str, str]:
    """The field's record cells for one raw value."""
    if field.type == "checkbox":
        chosen = set(value or ())
        return {
            f"{field.name}___{code}": "1" if code in chosen else "0" for code, _ in field.choices
        }
    if value is None or value == "":
        return {field.name: ""}
    if field.type == "yesno":
        return {field.name: "1" if value else "0"}
    if field.is_date:
        day = value.replace(day=1) if level == DEIDENTIFIED else value
        return {field.name: day.isoformat()}
    if field.top_age and level == DEIDENTIFIED and value > TOP_AGE - 1:
        return {field.name: str(TOP_AGE)}
    return {field.name: str(value)}


def _not_collected_cells(field: Field) -> dict[str, str]:
    """An item the case's form version did not have: the not-collected code
    where the field has one, else blank cells (never "no", never an unticked 0)."""
    if field.type in ("radio", "dropdown") and vs.TriState.NOT_COLLECTED in dict(field.choices):
        return {field.name: vs.TriState.NOT_COLLECTED}
    return dict.fromkeys(field.columns(), "")


def _form_cells(form: str, roots: dict, level: str, case: Case | None = None) -> dict[str, str]:
    """`case`: for the case file's sections, whose items may postdate the case's form version."""
    from cases.completeness import NOT_IN_VERSION, fields_by_name, item_answer

    cells = {}
    for field in fields_for(level):
        if field.form == form and field.has_data:
            if (
                case is not None
                and field.name in fields_by_name()
                and item_answer(case, field.name).state == NOT_IN_VERSION
            ):
                cells.update(_not_collected_cells(field))
                continue
            cells.update(_cells(field, _read(field, roots), level))
    # Checkboxes always have a column per value: only a ticked one is an answer.
    if any(value == "1" if "___" in name else value for name, value in cells.items()):
        cells[f"{form}_complete"] = COMPLETE
    return cells


def case_rows(case: Case, viewer: CaseViewer, level: str) -> list[dict[str, str]]:
    """One case's rows: the case row (its non-repeating forms), then one per
    toxicology result and one per touchpoint the viewer may see."""
    if level == FULL and not viewer.sees_identifiers:
        raise ExportRefused(f"No permission to see the identifiers of case {case.reference}.")
    identifiers = identifiers_for(case, viewer) if level == FULL else None
    roots = {
        "case": case,
        "decedent": case.decedent,
        "identifiers": identifiers,
        "death": case.death,
        "circumstances": case.circumstances,
    }
    record_id = case.reference
    main = {RECORD_ID: record_id}
    for form in forms_for(level):
        if not form.repeating:
            main.update(_form_cells(form.name, roots, level, case))
    rows = [main]
    for number, result in enumerate(case.toxicology.all(), start=1):
        rows.append(_repeat_row(record_id, "toxicology", number, {"toxicology": result}, level))
    events = case.timeline_events.all()  # prefetched by records_csv when it exports
    shown = [
        item
        for item in visible_timeline(case, viewer, notes=[], events=events)
        if not item.restricted
    ]
    for number, item in enumerate(shown, start=1):
        roots = {"touchpoint": item.event, "policy": SimpleNamespace(part2=bool(item.notice))}
        rows.append(_repeat_row(record_id, "touchpoints", number, roots, level))
    if level == FULL:
        # Next-of-kin interviews: only those the viewer may read; prefetched by
        # records_csv when it exports.
        interviews = visible_interviews(case.nok_interviews.all(), viewer)
        for number, interview in enumerate(interviews, start=1):
            rows.append(_repeat_row(record_id, "nok_interview", number, {"nok": interview}, level))
    return rows


def _repeat_row(record_id: str, form: str, number: int, roots: dict, level: str) -> dict:
    return {
        RECORD_ID: record_id,
        "redcap_repeat_instrument": form,
        "redcap_repeat_instance": str(number),
        **_form_cells(form, roots, level),
    }


def records_csv(cases, viewers: dict[int, CaseViewer], level: str) -> str:
    """The cases as REDCap's flat records import, each as its viewer
    (cases.access.viewers_for: case pk -> CaseViewer) may see it. A full export
    is refused (ExportRefused) unless the viewer sees the identifiers of every case."""
    return "".join(records_lines(cases, viewers, level))


def records_lines(cases, viewers: dict[int, CaseViewer], level: str) -> Iterator[str]:
    """records_csv a batch of cases at a time, for a streamed download: the
    refusal comes before the first line, and a team's file is never held whole."""
    if level not in (FULL, DEIDENTIFIED):
        raise ValueError(f"Unknown export level {level!r}")
    cases = list(cases)
    if level == FULL:
        hidden = [case.reference for case in cases if not viewers[case.pk].sees_identifiers]
        if hidden:
            raise ExportRefused(
                f"You may not see the identifiers of {len(hidden)} of these cases "
                f"({', '.join(hidden[:5])}{', ...' if len(hidden) > 5 else ''})."
            )
    columns = record_columns(level)
    return _batches(cases, viewers, level, columns)


def _batches(cases, viewers, level: str, columns: list[str]) -> Iterator[str]:
    yield _csv([columns])
    for start in range(0, len(cases), BATCH):
        batch = cases[start : start + BATCH]
        # Touchpoints (and, at the full level, identifiers: every viewer sees
        # them, checked above) for a batch at a time, not a query a case.
        fetch = [Prefetch("timeline_events", TimelineEvent.objects.select_related("agency"))]
        if level == FULL:
            fetch += ["identifiers", "nok_interviews"]
        prefetch_related_objects(batch, *fetch)
        rows = []
        for case in batch:
            for row in case_rows(case, viewers[case.pk], level):
                rows.append([row.get(column, "") for column in columns])
            # Done with: let the batch's touchpoints and identifiers go.
            case._prefetched_objects_cache = {}
        yield _csv(rows)

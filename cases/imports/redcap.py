"""A REDCap flat records file (as cases/exchange/redcap.py writes it) read as
import rows: one row per record_id, with its repeating toxicology and
touchpoint rows kept beside it.

Which column fills which case-file field is not written down here: it comes
from the export's field table (cases/exchange/fields.py), each field going to
the import target with the same source path, so the export and the import
cannot drift apart."""

from __future__ import annotations

from django.utils.translation import gettext

from cases.exchange.fields import FIELDS, FORMS_BY_NAME, FULL, Field
from cases.exchange.redcap import RECORD_ID, REPEAT_COLUMNS, record_columns
from cases.imports.reading import MAX_ROWS, ImportFileError, Sheet
from cases.imports.targets import REPEAT_TARGETS_BY_KEY, TARGETS_BY_KEY, Target

REPEAT_INSTRUMENT, REPEAT_INSTANCE = REPEAT_COLUMNS
# Exported facts that the system works out again and so are not read back.
DERIVED = {"toxicology.substance_class", "policy.part2", "policy.notice"}
# Repeating forms the export writes that are not read back: next-of-kin
# interviews belong to their interviewer and the team's coordinators, and an
# import could not say who interviewed (interviews are assigned in the system).
NOT_READ_BACK_FORMS = {"nok_interview"}
# Free text (summaries, touchpoint descriptions) runs longer than a spreadsheet's cells.
MAX_CELL = 20_000


def is_redcap(header: list[str]) -> bool:
    names = {name.strip().casefold() for name in header}
    return RECORD_ID in names and REPEAT_INSTRUMENT in names


def target_of(field: Field) -> Target | None:
    return TARGETS_BY_KEY.get(field.source) or REPEAT_TARGETS_BY_KEY.get(field.source)


def imported_fields() -> list[Field]:
    return [f for f in FIELDS if f.has_data and f.source not in DERIVED and target_of(f)]


def columns() -> dict[str, str]:
    """target key -> column of the grouped sheet, for the case's own (not repeating) fields."""
    return {
        target_of(f).key: f.name for f in imported_fields() if not FORMS_BY_NAME[f.form].repeating
    }


def repeat_values(form: str, cells: dict[str, str]) -> dict[str, str]:
    """One repeating row's cells (variable -> text) as target key -> text."""
    return {
        target_of(f).key: cells[f.name]
        for f in imported_fields()
        if f.form == form and cells.get(f.name)
    }


def redcap_sheet(table: list[list[str]]) -> Sheet:
    """The file's rows grouped by record_id: the sheet has one row per case, each
    checkbox field as one cell of its ticked codes; `repeats` holds each case's
    toxicology and touchpoint rows; `lines` the file line of each case's first row."""
    table = [[cell.strip() for cell in row] for row in table]
    while table and not any(table[-1]):
        table.pop()
    header = [name.casefold() for name in table[0]]
    while header and not header[-1]:
        header.pop()
    known = set(record_columns(FULL))
    unknown = [name for name in header if name not in known]
    if unknown:
        raise ImportFileError(
            gettext("This REDCap file has columns the system's export does not write: %(columns)s.")
            % {"columns": ", ".join(f"“{name[:60]}”" for name in unknown[:10])}
        )
    if len(set(header)) != len(header):
        raise ImportFileError(gettext("The header names a column twice."))
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(
            gettext("The file has more than %(count)s rows: split it.") % {"count": f"{MAX_ROWS:,}"}
        )
    main_fields = [
        f for f in imported_fields() if not FORMS_BY_NAME[f.form].repeating and f.name != RECORD_ID
    ]
    sheet_header = [RECORD_ID] + [f.name for f in main_fields if set(f.columns()) & set(header)]
    records: dict[str, dict] = {}
    for line, row in enumerate(table[1:], start=2):
        if not any(row):
            continue
        if any(row[len(header) :]):
            raise ImportFileError(
                gettext("Row %(row)s has more cells than the header has columns.") % {"row": line}
            )
        if any(len(cell) > MAX_CELL for cell in row):
            raise ImportFileError(
                gettext("Row %(row)s has a cell longer than %(count)s characters.")
                % {"row": line, "count": f"{MAX_CELL:,}"}
            )
        cells = dict(zip(header, row + [""] * len(header), strict=False))
        record_id = cells[RECORD_ID]
        if not record_id:
            raise ImportFileError(gettext("Row %(row)s has no record_id.") % {"row": line})
        record = records.setdefault(record_id, {"line": line, "main": {}, "repeats": {}})
        form = cells.get(REPEAT_INSTRUMENT, "")
        if form in NOT_READ_BACK_FORMS:
            continue
        if not form:
            if record["main"]:
                raise ImportFileError(
                    gettext("Row %(row)s: record %(record)s has a second main row.")
                    % {"row": line, "record": record_id}
                )
            record["main"] = cells
        elif form in FORMS_BY_NAME and FORMS_BY_NAME[form].repeating:
            instance = cells.get(REPEAT_INSTANCE, "")
            if not (instance.isdigit() and len(instance) < 8):
                raise ImportFileError(
                    gettext("Row %(row)s: the repeat instance “%(instance)s” is not a number.")
                    % {"row": line, "instance": instance[:20]}
                )
            record["repeats"].setdefault(form, []).append(cells)
        else:
            raise ImportFileError(
                gettext("Row %(row)s: “%(form)s” is not a repeating form.")
                % {"row": line, "form": form[:60]}
            )
    rows, repeats, lines = [], [], []
    for record_id, record in records.items():
        main = record["main"]
        row = [record_id]
        for f in main_fields:
            if f.name not in sheet_header:
                continue
            if f.type == "checkbox":
                for column in f.columns():
                    if main.get(column, "") not in ("", "0", "1"):
                        raise ImportFileError(
                            gettext(
                                "Row %(row)s: %(column)s is “%(value)s”; "
                                "a checkbox column holds 0 or 1."
                            )
                            % {"row": record["line"], "column": column, "value": main[column][:20]}
                        )
                ticked = [code for code, _ in f.choices if main.get(f"{f.name}___{code}") == "1"]
                row.append(",".join(ticked))
            else:
                row.append(main.get(f.name, ""))
        rows.append(row)
        lines.append(record["line"])
        repeats.append(
            {
                form: [
                    repeat_values(form, cells)
                    for cells in sorted(instances, key=lambda c: instance_number(c))
                ]
                for form, instances in record["repeats"].items()
            }
        )
    return Sheet(header=sheet_header, rows=rows, repeats=repeats, lines=lines)


def instance_number(cells: dict[str, str]) -> int:
    return int(cells[REPEAT_INSTANCE])  # checked as the file is read

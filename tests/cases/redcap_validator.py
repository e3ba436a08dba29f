"""REDCap's own import rules, applied to a data dictionary and a records file
(flat format, repeating instruments). Returns the problems found, in words;
an empty list means REDCap would take both."""

import csv
import io
import re
from datetime import date

from cases.exchange.redcap import DICTIONARY_HEADER

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CODE = re.compile(r"^[a-z0-9_]+$", re.IGNORECASE)
RECORD_NAME = re.compile(r"^[A-Za-z0-9 _-]+$")
TYPES = {
    "text",
    "notes",
    "dropdown",
    "radio",
    "yesno",
    "truefalse",
    "checkbox",
    "descriptive",
    "calc",
    "file",
    "slider",
    "sql",
}
VALIDATIONS = {
    "",
    "date_ymd",
    "date_mdy",
    "date_dmy",
    "datetime_ymd",
    "integer",
    "number",
    "email",
    "phone",
    "zipcode",
    "time",
}
CHOICE_TYPES = {"dropdown", "radio", "checkbox"}
REPEAT = ("redcap_repeat_instrument", "redcap_repeat_instance")


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def parse_choices(text: str) -> list[str] | None:
    """The codes of "code, label | code, label", or None when malformed."""
    codes = []
    for part in text.split("|"):
        code, comma, label = part.strip().partition(",")
        if not comma or not code.strip() or not label.strip():
            return None
        codes.append(code.strip())
    return codes


def check_dictionary(text: str) -> tuple[list[str], dict]:
    """(problems, fields by name)."""
    problems = []
    header = next(csv.reader(io.StringIO(text)))
    if tuple(header) != DICTIONARY_HEADER:
        problems.append(f"header is not REDCap's: {header}")
    rows = read_csv(text)
    fields = {}
    for number, row in enumerate(rows, start=2):
        name = row["Variable / Field Name"]
        kind = row["Field Type"]
        if not NAME.match(name):
            problems.append(f"line {number}: bad variable name {name!r}")
        if len(name) > 26:
            problems.append(f"line {number}: {name} is longer than 26 characters")
        if name in fields:
            problems.append(f"line {number}: {name} appears twice")
        if not NAME.match(row["Form Name"]):
            problems.append(f"line {number}: bad form name {row['Form Name']!r}")
        if kind not in TYPES:
            problems.append(f"line {number}: unknown field type {kind!r}")
        validation = row["Text Validation Type OR Show Slider Number"]
        if validation not in VALIDATIONS or (validation and kind != "text"):
            problems.append(f"line {number}: validation {validation!r} on a {kind} field")
        codes = []
        if kind in CHOICE_TYPES:
            codes = parse_choices(row["Choices, Calculations, OR Slider Labels"])
            if codes is None:
                problems.append(f"line {number}: malformed choices for {name}")
                codes = []
            elif len(set(codes)) != len(codes) or not all(CODE.match(c) for c in codes):
                problems.append(f"line {number}: bad or repeated codes for {name}: {codes}")
        elif row["Choices, Calculations, OR Slider Labels"] and kind not in ("calc", "slider"):
            problems.append(f"line {number}: choices on a {kind} field")
        if row["Identifier?"] not in ("", "y"):
            problems.append(f"line {number}: Identifier? must be y or empty")
        if not row["Field Label"] and kind != "descriptive":
            problems.append(f"line {number}: {name} has no label")
        fields[name] = {
            "form": row["Form Name"],
            "type": kind,
            "validation": validation,
            "codes": codes,
            "identifier": row["Identifier?"] == "y",
        }
    if not rows or rows[0]["Variable / Field Name"] != "record_id":
        problems.append("the first field is not record_id")
    return problems, fields


def column_field(column: str, fields: dict) -> tuple[str, str] | None:
    """(field, checkbox code or "") a record column belongs to, or None."""
    if column in fields and fields[column]["type"] not in ("checkbox", "descriptive"):
        return column, ""
    name, sep, code = column.partition("___")
    if sep and fields.get(name, {}).get("type") == "checkbox" and code in fields[name]["codes"]:
        return name, code
    return None


def check_records(text: str, fields: dict) -> list[str]:
    problems = []
    rows = read_csv(text)
    columns = list(rows[0].keys()) if rows else next(csv.reader(io.StringIO(text)))
    forms = {f["form"] for f in fields.values()}
    if columns[:1] != ["record_id"]:
        problems.append("the first column is not record_id")
    owner = {}
    for column in columns:
        if column == "record_id" or column in REPEAT:
            continue
        if column.endswith("_complete") and column[: -len("_complete")] in forms:
            owner[column] = column[: -len("_complete")]
            continue
        found = column_field(column, fields)
        if found is None:
            problems.append(f"column {column} is not in the dictionary")
            continue
        owner[column] = fields[found[0]]["form"]
    for number, row in enumerate(rows, start=2):
        if not row["record_id"] or not RECORD_NAME.match(row["record_id"]):
            problems.append(f"line {number}: bad record_id {row['record_id']!r}")
        instrument, instance = row.get(REPEAT[0], ""), row.get(REPEAT[1], "")
        if instrument or instance:
            if instrument not in forms or not instance.isdigit() or int(instance) < 1:
                problems.append(f"line {number}: repeating row without instrument and instance")
            stray = [c for c, form in owner.items() if row[c] and form != instrument]
            if stray:
                problems.append(f"line {number}: {instrument} row fills {stray[:3]}")
        for column, value in row.items():
            if not value or column not in owner or column.endswith("_complete"):
                if column.endswith("_complete") and value not in ("", "0", "1", "2"):
                    problems.append(f"line {number}: {column} = {value!r}")
                continue
            name, code = column_field(column, fields)
            field = fields[name]
            if code:
                ok = value in ("0", "1")
            elif field["type"] in ("dropdown", "radio"):
                ok = value in field["codes"]
            elif field["type"] == "yesno":
                ok = value in ("0", "1")
            elif field["validation"] == "date_ymd":
                ok = _is_date(value)
            elif field["validation"] == "integer":
                ok = re.fullmatch(r"-?\d+", value) is not None
            elif field["validation"] == "number":
                ok = re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
            else:
                ok = True
            if not ok:
                problems.append(f"line {number}: {column} = {value!r} is not valid")
    return problems


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_repeating(text: str, fields: dict, records: str) -> list[str]:
    """The repeating instruments file: REDCap's columns, instruments of the
    dictionary, and exactly the instruments the records repeat."""
    problems = []
    header = next(csv.reader(io.StringIO(text)))
    if header != ["form_name", "custom_form_label"]:
        problems.append(f"repeating instruments header is not REDCap's: {header}")
    forms = {f["form"] for f in fields.values()}
    declared = set()
    for number, row in enumerate(read_csv(text), start=2):
        if row.get("form_name") not in forms:
            problems.append(f"repeating line {number}: {row.get('form_name')!r} is no instrument")
        declared.add(row.get("form_name"))
        for piped in re.findall(r"\[([a-z0-9_]+)\]", row.get("custom_form_label") or ""):
            if fields.get(piped, {}).get("form") != row.get("form_name"):
                problems.append(f"repeating line {number}: label pipes {piped} of another form")
    repeated = {row[REPEAT[0]] for row in read_csv(records)} - {""}
    if repeated - declared:
        problems.append(f"records repeat {sorted(repeated - declared)}, not declared repeating")
    return problems


def check(dictionary: str, records: str, repeating: str | None = None) -> list[str]:
    problems, fields = check_dictionary(dictionary)
    problems += check_records(records, fields)
    if repeating is not None:
        problems += check_repeating(repeating, fields, records)
    return problems

"""A spreadsheet's bytes to a header and rows of text, CSV or XLSX.

Refusals are ImportFileError with a sentence for the person who uploaded the
file. The file is recognised by its first bytes (an XLSX is a ZIP archive),
not by its name."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext

from ofr.spreadsheets import restore

MAX_BYTES = 5 * 1024 * 1024
# The confirmation writes in the request, about 9-14 ms a row: 2,000 rows stay
# well inside the web worker's 60-second timeout on both databases.
MAX_ROWS = 2_000
MAX_COLUMNS = 100
MAX_CELL = 1_000


class ImportFileError(ValueError):
    pass


@dataclass
class Sheet:
    header: list[str]
    rows: list[list[str]]  # each as long as the header; row i is line i + 2 of the file
    # A REDCap records file only (cases/imports/redcap.py): each row's repeating
    # rows (form -> [target key -> text]) and the file line each row starts on.
    repeats: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def read_sheet(content: bytes, name: str) -> Sheet:
    if len(content) > MAX_BYTES:
        raise ImportFileError(
            gettext("The file is larger than %(size)s MB: split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise ImportFileError(gettext("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        table = read_xlsx(content)
    elif content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            gettext(
                "This is an older Excel file (.xls): save it as .xlsx or CSV and upload it again."
            )
        )
    else:
        table = read_csv(content)
    table = [[restore(cell) for cell in row] for row in table]
    from cases.imports.redcap import is_redcap, redcap_sheet

    if table and is_redcap(table[0]):
        return redcap_sheet(table)
    return to_sheet(table)


def read_csv(content: bytes) -> list[list[str]]:
    if b"\x00" in content[:4096]:
        raise ImportFileError(gettext("This is not a CSV or XLSX file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Excel on Windows saves "CSV" in this code page unless told otherwise.
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(
                gettext(
                    "The file is not in a text encoding we read (UTF-8 or Windows-1252): "
                    "save it as “CSV UTF-8” and upload it again."
                )
            ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise ImportFileError(
            gettext("The CSV file cannot be read: %(error)s.") % {"error": error}
        ) from None


def read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError(
            gettext("The file is a ZIP archive but not an Excel workbook (.xlsx) we can read.")
        ) from None
    try:
        sheet = book.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append([cell_text(v) for v in values])
            if len(table) > MAX_ROWS + 1:
                break
        return table
    finally:
        book.close()


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_sheet(table: list[list[str]]) -> Sheet:
    table = [[cell.strip() for cell in row] for row in table]
    # Blank lines (and a spreadsheet's formatted but empty rows) are not rows.
    while table and not any(table[-1]):
        table.pop()
    if not table or not any(table[0]):
        raise ImportFileError(
            gettext("The file has no header row: its first line must name the columns.")
        )
    header = table[0]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            gettext("The file has more than %(count)s columns.") % {"count": MAX_COLUMNS}
        )
    if "" in header:
        position = header.index("") + 1
        raise ImportFileError(
            gettext("Column %(position)s of the header row has no name.") % {"position": position}
        )
    seen = set()
    for name in header:
        if name.casefold() in seen:
            raise ImportFileError(
                gettext("The header names the column “%(name)s” twice.") % {"name": name}
            )
        seen.add(name.casefold())
    rows = table[1:]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            gettext("The file has more than %(count)s rows: split it into smaller files.")
            % {"count": f"{MAX_ROWS:,}"}
        )
    if not rows:
        raise ImportFileError(gettext("The file has a header row but no rows."))
    width = len(header)
    sized = []
    for number, row in enumerate(rows, start=2):
        if any(row[width:]):
            raise ImportFileError(
                gettext("Row %(row)s has more cells than the header has columns.") % {"row": number}
            )
        if any(len(cell) > MAX_CELL for cell in row):
            raise ImportFileError(
                gettext("Row %(row)s has a cell longer than %(count)s characters.")
                % {"row": number, "count": MAX_CELL}
            )
        sized.append((row + [""] * width)[:width])
    return Sheet(header=header, rows=sized)

"""Versions of the case-file form: which version introduced each item.

An item is named as in the export field table (cases/exchange/fields.py, e.g.
"naloxone_given"). Every item not listed here belongs to version 1, the form
as it first shipped. A new item gets an entry with the next version number;
the current version is the highest. A case records the version it was
reviewed under (Case.form_version), and an item newer than that version reads
"not collected (added in version N)" everywhere (cases.completeness.item_answer),
never as a stored default such as "no".

Kept free of model imports: Case.form_version's default reads it.
"""

FIRST_VERSION = 1

# Item name -> the form version that introduced it (unlisted: version 1).
ITEM_VERSIONS: dict[str, int] = {}


def current_version() -> int:
    return max(ITEM_VERSIONS.values(), default=FIRST_VERSION)


def version_of(item: str) -> int:
    return ITEM_VERSIONS.get(item, FIRST_VERSION)

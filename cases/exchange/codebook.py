"""The codebook: every exported field in words, with its values and source,
from the same field table as the data dictionary (cases/exchange/fields.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases.exchange.fields import (
    DATE,
    DEIDENTIFIED,
    INTEGER,
    LEVELS,
    NOT_EXPORTED,
    NUMBER,
    Field,
    Form,
    fields_for,
    forms_for,
)

# The codebook's words for REDCap's field types and validations (marked for
# translation; the types' codes stay in the data dictionary).
TYPE_LABELS = {
    "text": _("Text"),
    "notes": _("Free text (several lines)"),
    "dropdown": _("One of the values (dropdown)"),
    "radio": _("One of the values"),
    "yesno": _("Yes (1) or no (0)"),
    "checkbox": _("Any of the values (one 0/1 column each, <variable>___<code>)"),
    "descriptive": _("Text shown on the form, no value"),
}
VALIDATION_LABELS = {
    DATE: _("Date, YYYY-MM-DD"),
    INTEGER: _("Whole number"),
    NUMBER: _("Number"),
}


@dataclass(frozen=True)
class Entry:
    field: Field
    kind: str
    values: tuple[tuple[str, str], ...]
    field_note: str


@dataclass(frozen=True)
class Section:
    form: Form
    entries: list[Entry]


@dataclass(frozen=True)
class Codebook:
    level: str
    level_label: str
    sections: list[Section]
    not_exported: tuple[tuple[str, str], ...]
    withheld: list[Field]  # fields of the full export left out at this level


def kind_of(field: Field) -> str:
    if field.validation:
        return VALIDATION_LABELS[field.validation]
    return TYPE_LABELS[field.type]


def codebook(level: str) -> Codebook:
    fields = fields_for(level)
    sections = [
        Section(
            form,
            [
                Entry(field, kind_of(field), field.choices, field.field_note(level))
                for field in fields
                if field.form == form.name
            ],
        )
        for form in forms_for(level)
    ]
    withheld = [field for field in fields_for("full") if field not in fields]
    return Codebook(
        level=level,
        level_label=LEVELS[level],
        sections=sections,
        not_exported=NOT_EXPORTED,
        withheld=withheld if level == DEIDENTIFIED else [],
    )

"""Readable, field-by-field change history built from django-simple-history rows."""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    kind: str
    reason: str
    changes: list[FieldChange]
    record: str = ""  # which record changed, when a page merges several


def _display(field: models.Field, value, related_names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return related_names.get((field.related_model, value), f"#{value}")
    # Multi-choice lists (cases.models.ChoiceListValidator) name their codes.
    if isinstance(value, list) and field.validators and hasattr(field.validators[0], "labels"):
        return field.validators[0].labels(value) or "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


# Bookkeeping columns nobody needs to read in a history.
ALWAYS_HIDDEN = frozenset({"version", "file"})


def _shown_fields(model: type[models.Model], hidden_fields: frozenset[str]) -> list:
    hidden = hidden_fields | ALWAYS_HIDDEN
    tracked = {f.attname for f in model.history.model._meta.fields}
    return [
        f
        for f in model._meta.concrete_fields
        if f.attname in tracked and f.name not in hidden and not f.primary_key
    ]


def _in_order(history_rows) -> list:
    if isinstance(history_rows, list):
        return history_rows
    return list(history_rows.select_related("history_user").order_by("history_date", "history_id"))


def entries_from_records(
    model: type[models.Model],
    history_rows,
    *,
    hidden_fields: frozenset[str] = frozenset(),
    label=None,
    related_names: dict | None = None,
) -> list[HistoryEntry]:
    """Entries from the history rows of one or more records of `model`,
    newest first; each record is diffed against its own previous row.
    `label(row)` names the record when a page shows several. `history_rows`
    is a queryset, or a list already in order (oldest first) after a filter.
    `related_names` (from _related_names) spares the queries that name the
    foreign keys."""
    fields = _shown_fields(model, hidden_fields)
    records = _in_order(history_rows)
    if related_names is None:
        related_names = _related_names([(fields, records)])
    entries = []
    previous_by_id: dict = {}
    for record in records:
        previous = previous_by_id.get(record.id)
        changes = []
        for field in fields:
            new = getattr(record, field.attname)
            old = getattr(previous, field.attname) if previous is not None else None
            if previous is None and new in (None, "", []):
                continue
            if previous is not None and old == new:
                continue
            changes.append(
                FieldChange(
                    label=str(field.verbose_name).capitalize(),
                    old=_display(field, old, related_names) if previous is not None else "",
                    new=_display(field, new, related_names),
                )
            )
        user = record.history_user
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user else gettext("System"),
                kind=record.get_history_type_display(),
                reason=record.history_change_reason or "",
                changes=changes,
                record=label(record) if label else "",
            )
        )
        previous_by_id[record.id] = record
    entries.reverse()
    return entries


def merged_entries(sources) -> list[HistoryEntry]:
    """One history, newest first, from (model, history rows, label) sources:
    the pages that merge several records (a case file, a meeting, a recommendation)."""
    sources = [(model, _in_order(rows), label) for model, rows, label in sources]
    related_names = _related_names(
        [(_shown_fields(model, frozenset()), records) for model, records, _ in sources]
    )
    entries = []
    for model, records, label in sources:
        entries.extend(
            entries_from_records(model, records, label=label, related_names=related_names)
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def reference_label(obj: models.Model) -> str:
    """How a history names a linked record: by its reference or its code, never
    by str() (which, for some records, would carry their text). A linked record
    the viewer may not see is named without saying what it holds."""
    reference = getattr(obj, "reference", None)
    if reference:
        return reference
    if not hasattr(obj, "case_id"):
        return str(obj)  # not a record of a case file: a user, an agency, a meeting
    kind = str(obj._meta.verbose_name).capitalize()
    code = getattr(obj, "code", None)
    return f"{kind} {str(code)[:8]}" if code is not None else f"{kind} #{obj.pk}"


def _related_names(sources) -> dict:
    """Names for the foreign keys shown in the history of (fields, records)
    sources: one query per related model, however many sources name it."""
    wanted: dict = {}
    for fields, records in sources:
        for field in fields:
            if field.is_relation:
                ids = {getattr(r, field.attname) for r in records} - {None}
                wanted.setdefault(field.related_model, set()).update(ids)
    names: dict = {}
    for related_model, ids in wanted.items():
        if ids:
            for obj in related_model._default_manager.filter(pk__in=ids):
                names[(related_model, obj.pk)] = reference_label(obj)
    return names

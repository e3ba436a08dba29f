"""Optimistic concurrency that keeps history, on SQLite and PostgreSQL.

Each editable record has a `version`; its form carries the version it was
opened at. Saving compares it with the row inside the write transaction
(SQLite's IMMEDIATE transactions hold the write lock from BEGIN;
select_for_update locks the row on PostgreSQL) and saves through save(), so
simple-history writes its row. A stale form is refused and nothing is saved.
"""

from dataclasses import dataclass

from django import forms
from django.db import transaction

from ofr.forms import USWDSFormMixin


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


class EditConflict(Exception):
    """The record changed since the form was opened."""

    def __init__(self, current, changes: list[Change], changed_by: str) -> None:
        super().__init__("The record changed since the form was opened.")
        self.current = current
        self.changes = changes
        self.changed_by = changed_by


class VersionedForm(USWDSFormMixin, forms.ModelForm):
    """A ModelForm with the version it was opened at, as a hidden field."""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opened_version"].initial = self.instance.version


def _display(instance, field_name: str) -> str:
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname, None)
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    return "" if value in (None, "") else str(value)


def changes_since(instance, version: int, viewer=None) -> tuple[list[Change], str]:
    """Field changes between the saved `version` of the record and now, with
    who made the latest one (from the record's history). With a viewer (anything
    with decide(record).shown, such as cases/policy.py's), the changes are
    listed only if the viewer may see the record both as it was then and as it
    is now, as on the history page: the version comes from the form, and anyone
    can post one."""
    past = instance.history.filter(version=version).order_by("-history_id").first()
    latest = instance.history.order_by("-history_id").first()
    changed_by = ""
    if latest is not None and latest.history_user is not None:
        changed_by = latest.history_user.get_full_name() or latest.history_user.username
    if past is None or latest is None:
        return [], changed_by
    if viewer is not None and not (viewer.decide(past).shown and viewer.decide(latest).shown):
        return [], changed_by
    delta = latest.diff_against(past, excluded_fields=["version"])
    changes = []
    for change in delta.changes:
        changes.append(
            Change(
                field=str(instance._meta.get_field(change.field).verbose_name).capitalize(),
                old=_display(past.instance, change.field),
                new=_display(instance, change.field),
            )
        )
    return changes, changed_by


def save_versioned(form: VersionedForm, *, by, reason: str, viewer=None):
    """Save the form's instance if nobody saved it since the form was opened.

    Raises EditConflict (nothing saved) otherwise, naming the changes the
    `viewer` may see (see changes_since). Returns the saved instance."""
    instance = form.instance
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=instance.pk)
        opened = form.cleaned_data["opened_version"]
        if current.version != opened:
            changes, changed_by = changes_since(current, opened, viewer)
            raise EditConflict(current, changes, changed_by)
        instance = form.save(commit=False)
        instance.version = current.version + 1
        instance._history_user = by
        instance._change_reason = reason
        instance.save()
        form.save_m2m()
    return instance

"""Which stored files no record names, and which records name a file that is
not there: after a crash between writing a file and committing its row, or a
file lost from the disk or bucket. Every app's file fields on private storage
are found through the app registry (ofr imports none of the apps)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.db import models
from django.utils import timezone

from ofr.files import private_storage


@dataclass(frozen=True)
class MissingFile:
    model: str
    pk: int
    name: str


def file_fields() -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every file field kept in private storage, and
    the same column of the model's history (django-simple-history keeps it as
    text): a file an earlier version named is not an orphan."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField) and field.storage is private_storage:
                found.append((model, field.name))
                history = getattr(model, "history", None)
                if history is not None and hasattr(history, "model"):
                    found.append((history.model, field.name))
    return found


def stored_names(folder: str = "") -> list[str]:
    folders, files = private_storage.listdir(folder)
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_names(f"{folder}/{sub}" if folder else sub)
    return names


def orphans(older_than: timedelta) -> list[str]:
    """Stored files no record (current or historical) names, last written more
    than `older_than` ago (a younger one may belong to an upload in progress)."""
    named = set()
    for model, field in file_fields():
        named |= set(model._default_manager.exclude(**{field: ""}).values_list(field, flat=True))
    cutoff = timezone.now() - older_than
    return sorted(name for name in stored_names() if name not in named and modified(name) < cutoff)


def modified(name: str) -> datetime:
    return private_storage.get_modified_time(name)


def missing() -> list[MissingFile]:
    """Current records naming a file that is not in storage."""
    found = []
    for model, field in file_fields():
        if not isinstance(model._meta.get_field(field), models.FileField):
            continue  # a history row: an earlier version may name a file deleted on purpose
        rows = model._default_manager.exclude(**{field: ""}).values_list("pk", field)
        for pk, name in rows.iterator():
            if not private_storage.exists(name):
                found.append(MissingFile(model._meta.label_lower, pk, name))
    return found

"""Where stored files and records disagree: a file no record names, a record
whose file is missing, and a record that committed while its file still waits
under its temporary name (ofr.files.committed_with_file), after a crash or a
file lost from the disk or bucket. Every app's file fields on private storage
are found through the app registry (ofr imports none of the apps)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db import models
from django.utils import timezone

from ofr.files import TEMPORARY_FOLDER, is_bucket, private_storage, temporary_name


@dataclass(frozen=True)
class MissingFile:
    model: str
    pk: int
    name: str


@dataclass
class Findings:
    # Files no record names, last written before the cutoff (temporary ones included).
    unnamed: list[str] = field(default_factory=list)
    # Committed records whose file was never moved from its temporary name.
    unmoved: list[MissingFile] = field(default_factory=list)
    # Current records whose file is nowhere.
    missing: list[MissingFile] = field(default_factory=list)


def file_fields() -> list[tuple[type[models.Model], str]]:
    """(model, field name) for every file field kept in private storage, and
    the same column of the model's history (django-simple-history keeps it as
    text): a file an earlier version named is not an orphan."""
    found = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField) and model_field.storage is private_storage:
                found.append((model, model_field.name))
                history = getattr(model, "history", None)
                if history is not None and hasattr(history, "model"):
                    found.append((history.model, model_field.name))
    return found


def is_temporary(name: str) -> bool:
    return name.startswith(f"{TEMPORARY_FOLDER}/")


def stored_files() -> dict[str, datetime]:
    """Every stored file's name and when it was last written."""
    if is_bucket(private_storage):
        # One listing of the bucket rather than a request per folder and per file.
        prefix = f"{private_storage.location}/" if private_storage.location else ""
        objects = private_storage.bucket.objects.filter(Prefix=prefix)
        return {item.key.removeprefix(prefix): item.last_modified for item in objects}
    return {name: private_storage.get_modified_time(name) for name in _walk("")}


def stored_names() -> list[str]:
    return sorted(stored_files())


def _walk(folder: str) -> list[str]:
    folders, files = private_storage.listdir(folder)
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += _walk(f"{folder}/{sub}" if folder else sub)
    return names


def check(older_than: timedelta) -> Findings:
    """Compare the records with storage. Only files last written more than
    `older_than` ago count as unnamed or unmoved: a younger one may belong to
    an upload in progress."""
    current: dict[str, MissingFile] = {}
    named: set[str] = set()
    # Records first, then storage: a file moved into place meanwhile is then
    # listed, never taken for missing.
    for model, name in file_fields():
        rows = model._default_manager.exclude(**{name: ""}).values_list("pk", name)
        if isinstance(model._meta.get_field(name), models.FileField):
            for pk, stored in rows.iterator():
                current[stored] = MissingFile(model._meta.label_lower, pk, stored)
        else:  # a history row: an earlier version may name a file deleted on purpose
            named.update(stored for _, stored in rows.iterator())
    files = stored_files()
    cutoff = timezone.now() - older_than
    findings = Findings()
    awaited = set()
    for stored, row in current.items():
        if stored in files:
            continue
        temporary = temporary_name(stored)
        awaited.add(temporary)
        if temporary not in files:
            findings.missing.append(row)
        elif files[temporary] < cutoff:
            findings.unmoved.append(row)
    named |= current.keys() | awaited
    findings.unnamed = sorted(
        stored for stored, modified in files.items() if stored not in named and modified < cutoff
    )
    return findings

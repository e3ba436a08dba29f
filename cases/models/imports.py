"""Case import: a team's saved column mapping, and an uploaded file waiting
between its dry run and its confirmation."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ofr.encryption import EncryptedTextField
from ofr.models import Team

PENDING_HOURS = 24


class ImportMapping(models.Model):
    """Which column of a team's spreadsheets fills which case-file field
    (cases/imports/targets.py), chosen once and reused for every file."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="import_mappings")
    name = models.CharField(max_length=100, help_text=_("E.g. “County ME monthly list”."))
    # target key -> column header; a target left out is not imported.
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="import_mapping_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from cases.imports.targets import TARGETS_BY_KEY

        unknown = sorted(set(self.columns) - set(TARGETS_BY_KEY))
        if unknown:
            raise ValidationError(
                gettext("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)}
            )
        headers = [h.casefold() for h in self.columns.values()]
        if len(set(headers)) != len(headers):
            raise ValidationError(gettext("Each column may fill one field only."))


class PendingImportQuerySet(models.QuerySet):
    def expired(self) -> PendingImportQuerySet:
        return self.filter(expires_at__lte=timezone.now())


class PendingImport(models.Model):
    """An uploaded file's rows, kept from the dry run to the confirmation.

    Only its uploader sees it, for its team, until it expires (PENDING_HOURS);
    expired ones are deleted at the next upload. The rows hold identifiers, so
    they are kept encrypted (never in the session, never as a plain file). A
    staging copy, not a record: no history (the cases it writes have theirs)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        DONE = "done", _("Imported")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    # target key -> column header, as the mapping said at upload.
    columns = models.JSONField(default=dict)
    sheet = EncryptedTextField(help_text=_("JSON: the header and the rows, as text."))
    row_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    outcome = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = PendingImportQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="pending_import_expiry")]

    def __str__(self) -> str:
        return f"Import {self.code}"

    @classmethod
    def hold(
        cls, *, team: Team, by, file_name: str, columns: dict, header, rows, repeats=(), lines=()
    ) -> PendingImport:
        """`repeats` and `lines`: a REDCap records file's repeating rows and
        file lines (cases.imports.reading.Sheet)."""
        cls.objects.expired().delete()
        sheet = {"header": header, "rows": rows}
        if repeats:
            sheet.update(repeats=list(repeats), lines=list(lines))
        return cls.objects.create(
            team=team,
            created_by=by,
            file_name=file_name[:200],
            columns=columns,
            sheet=json.dumps(sheet),
            row_count=len(rows),
            expires_at=timezone.now() + timedelta(hours=PENDING_HOURS),
        )

    @property
    def header(self) -> list[str]:
        return self._sheet["header"]

    @property
    def rows(self) -> list[list[str]]:
        return self._sheet["rows"]

    @property
    def repeats(self) -> list[dict]:
        return self._sheet.get("repeats") or [{} for _ in self.rows]

    @property
    def lines(self) -> list[int]:
        return self._sheet.get("lines") or list(range(2, len(self.rows) + 2))

    @property
    def _sheet(self) -> dict:
        cached = getattr(self, "_sheet_cache", None)
        if cached is None:
            cached = self._sheet_cache = json.loads(self.sheet)
        return cached

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def dry_run(self):
        """Every row's plan; nothing is written."""
        from cases.imports.planning import plan_rows

        return plan_rows(self)

    def confirm(self, *, by, update_rows: set[int]) -> dict:
        """Write the rows the dry run accepts (the matched rows only when their
        number is in `update_rows`), one transaction per row; return counts."""
        from cases.imports.applying import apply_rows

        self.outcome = apply_rows(self, by=by, update_rows=update_rows)
        self.status = self.Status.DONE
        self.save(update_fields=["outcome", "status"])
        return self.outcome

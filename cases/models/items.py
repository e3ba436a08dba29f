"""The items of a case file, many per case: toxicology, touchpoints, source
documents, record requests, notes and findings.

Their str() names them by code and carries none of their content: it shows up
in places (admin, history, logs) that the confidentiality policy does not
filter item by item."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases import valuesets as vs
from cases.business_days import add_business_days
from cases.models.agreements import AgreementChecked
from cases.models.case import Case
from cases.models.sections import ChoiceListValidator
from ofr.files import get_private_storage
from ofr.models import Agency
from ofr.roles import SensitiveCategory

# --- Items of the case file (many per case) ------------------------------------


class ToxicologyResult(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="toxicology")
    substance = models.CharField(max_length=40, choices=vs.Substance.choices)
    substance_detail = models.CharField(
        max_length=100, blank=True, help_text=_("The specific drug, e.g. an analogue's name.")
    )
    caused_death = models.BooleanField(
        _("listed as a cause of death"),
        default=False,
        help_text=_("Unticked: detected but not listed as a cause."),
    )
    concentration = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=20, choices=vs.ConcentrationUnit.choices, blank=True)
    specimen = models.CharField(max_length=40, choices=vs.Specimen.choices, blank=True)
    lab = models.CharField(max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-caused_death", "substance", "id"]
        indexes = [models.Index(fields=["substance", "case"], name="tox_substance_case")]

    def __str__(self) -> str:
        return self.get_substance_display()

    @property
    def substance_class(self) -> str:
        return vs.SUBSTANCE_CLASS[self.substance]

    def get_substance_class_display(self) -> str:
        return vs.SubstanceClass(self.substance_class).label

    def clean(self) -> None:
        errors = {}
        if self.concentration is not None and not self.unit:
            errors["unit"] = gettext("Give the unit of the concentration.")
        if self.substance == vs.Substance.OTHER and not self.substance_detail:
            errors["substance_detail"] = gettext("Name the substance.")
        if errors:
            raise ValidationError(errors)


def sensitivity_field():
    return models.CharField(
        max_length=30,
        choices=SensitiveCategory.choices,
        blank=True,
        help_text=_("Leave empty unless the item comes from a protected record."),
    )


def not_part2_reason_field():
    """Why an item from a 42 CFR Part 2 program is not Part 2 (a coordinator's
    call); without it, such an item is Part 2 whatever its category says."""
    return models.CharField(
        _("why this is not Part 2"),
        max_length=300,
        blank=True,
        help_text=_(
            "Only for an item from a Part 2 program that is not Part 2 (a coordinator records why)."
        ),
    )


class TimelineEvent(models.Model):
    """A contact of the decedent with a system before death (a touchpoint)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="timeline_events")
    date = models.DateField()
    date_precision = models.CharField(
        max_length=20, choices=vs.DatePrecision.choices, default=vs.DatePrecision.DAY
    )
    system = models.CharField(max_length=40, choices=vs.TouchpointSystem.choices)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    touchpoint_type = models.CharField(max_length=40, choices=vs.TouchpointType.choices)
    description = models.TextField(blank=True)
    source_document = models.ForeignKey(
        "SourceDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="timeline_events",
    )
    sensitivity = sensitivity_field()
    not_part2_reason = not_part2_reason_field()
    missed_opportunity = models.BooleanField(default=False)
    # A touchpoint the family told of: its source is shown to every viewer of
    # the touchpoint, the interview only to those who may read it.
    from_nok_interview = models.ForeignKey(
        "NokInterview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
        verbose_name=_("from next-of-kin interview"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["case", "date"], name="timeline_case_date")]

    def __str__(self) -> str:
        return f"Touchpoint {str(self.code)[:8]}"

    def days_before_death(self, date_of_death: date | None) -> int | None:
        return (date_of_death - self.date).days if date_of_death else None

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": gettext("A touchpoint cannot be in the future.")})
        date_of_death = getattr(getattr(self.case, "death", None), "date_of_death", None)
        if self.date and date_of_death and self.date > date_of_death:
            raise ValidationError(
                {"date": gettext("A touchpoint cannot be after the date of death.")}
            )


def document_path(document: SourceDocument, filename: str) -> str:
    # The stored name carries no part of the uploaded name (which may identify someone).
    return f"cases/{document.case.code}/{uuid.uuid4().hex}{document.extension}"


class SourceDocument(AgreementChecked):
    """A record received for the case. Stored outside the static root and
    served only through a permission-checked view (cases/views). An upload
    from an agency needs a current data-sharing agreement covering its type
    (cases/models/agreements.py)."""

    AGREEMENT_TYPES_FIELD = "document_type"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    document_type = models.CharField(max_length=40, choices=vs.RecordType.choices)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    record_request = models.ForeignKey(
        "RecordRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    received_on = models.DateField(null=True, blank=True)
    sensitivity = sensitivity_field()
    not_part2_reason = not_part2_reason_field()
    file = models.FileField(storage=get_private_storage, upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=255)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"Document {str(self.code)[:8]}"

    def clean(self) -> None:
        self.check_agreement()


class RecordRequest(AgreementChecked):
    """A request to an agency for a decedent's records, with its deadline. It
    needs a current data-sharing agreement covering each record type asked
    for (cases/models/agreements.py)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Awaiting answer")
        RECEIVED = "received", _("Received")
        UNAVAILABLE = "unavailable", _("Determined unavailable")
        WITHHELD = "withheld", _("Withheld")

    # Minimum necessary (45 CFR 164.502(b)): a window, never "all records".
    DEFAULT_WINDOW_MONTHS = 24

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="record_requests")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    record_types = models.JSONField(validators=[ChoiceListValidator(vs.RecordType)])
    legal_basis = models.CharField(max_length=40, choices=vs.LegalBasis.choices)
    window_start = models.DateField("records from")
    window_end = models.DateField("records to")
    requested_on = models.DateField()
    due_on = models.DateField(blank=True)
    re_requested_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    answered_on = models.DateField(null=True, blank=True)
    withheld_reason = models.CharField(max_length=40, choices=vs.WithheldReason.choices, blank=True)
    not_part2_reason = not_part2_reason_field()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["outcome", "due_on"], name="request_outcome_due")]

    def __str__(self) -> str:
        return f"Record request {str(self.code)[:8]}"

    def save(self, *args, **kwargs) -> None:
        if self.due_on is None:
            self.due_on = self.compute_due_on()
        super().save(*args, **kwargs)

    @property
    def is_health_care(self) -> bool:
        return any(t in vs.HEALTH_CARE_RECORD_TYPES for t in self.record_types)

    def compute_due_on(self) -> date:
        """Business days from the (latest) request, per the team's rule."""
        team = self.case.team
        if self.is_health_care:
            days = team.health_care_record_due_days
        else:
            days = team.agency_record_due_days
        start = self.re_requested_on or self.requested_on
        holidays = team.holidays.filter(date__gte=start).values_list("date", flat=True)
        return add_business_days(start, days, holidays)

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.outcome == self.Outcome.PENDING and self.due_on < today

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.window_start and self.window_end and self.window_start > self.window_end:
            errors["window_start"] = gettext("The window must start before it ends.")
        if self.requested_on and self.requested_on > today:
            errors["requested_on"] = gettext("The request date cannot be in the future.")
        if self.re_requested_on and self.requested_on and self.re_requested_on < self.requested_on:
            errors["re_requested_on"] = gettext("A re-request cannot come before the request.")
        if self.outcome == self.Outcome.WITHHELD and not self.withheld_reason:
            errors["withheld_reason"] = gettext("Say why the records were withheld.")
        if self.outcome != self.Outcome.PENDING and not self.answered_on:
            errors["answered_on"] = gettext("Give the date of the answer.")
        if self.answered_on and self.answered_on > today:
            errors["answered_on"] = gettext("The answer date cannot be in the future.")
        if isinstance(self.record_types, list):  # else the field's validator says so
            try:
                self.check_agreement()
            except ValidationError as refused:
                errors.update(refused.message_dict)
        if errors:
            raise ValidationError(errors)

    @classmethod
    def default_window(cls, date_of_death: date | None) -> tuple[date, date]:
        end = date_of_death or timezone.localdate()
        return end - timedelta(days=round(cls.DEFAULT_WINDOW_MONTHS * 30.44)), end


class Note(models.Model):
    """A member's annotation on the case or on one timeline event."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    timeline_event = models.ForeignKey(
        TimelineEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    sensitivity = sensitivity_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note {str(self.code)[:8]}"


class FindingQuerySet(models.QuerySet):
    def active(self) -> FindingQuerySet:
        """Proposed and confirmed findings: a withdrawn one stays in the case
        file, marked, but counts nowhere else (packets, recommendations, reports)."""
        return self.exclude(status=vs.FindingStatus.WITHDRAWN)


class Finding(models.Model):
    """A missed opportunity, system gap, risk or protective factor, or good
    practice: proposed by members, confirmed by the facilitator."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=40, choices=vs.FindingKind.choices)
    system = models.CharField(max_length=40, choices=vs.TouchpointSystem.choices)
    description = models.TextField(
        help_text=_("Describe what the system missed or did, not who is to blame.")
    )
    # A finding drawn from protected touchpoints is as protected as they are.
    sensitivity = sensitivity_field()
    status = models.CharField(
        max_length=20, choices=vs.FindingStatus.choices, default=vs.FindingStatus.PROPOSED
    )
    events = models.ManyToManyField(
        TimelineEvent, through="FindingEvent", blank=True, related_name="findings"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["proposed_at", "id"]

    def __str__(self) -> str:
        return f"Finding {str(self.code)[:8]}"

    def confirm(self, *, by) -> None:
        if self.status != vs.FindingStatus.PROPOSED:
            raise ValidationError(gettext("Only a proposed finding can be confirmed."))
        self.status = vs.FindingStatus.CONFIRMED
        self.confirmed_by = by
        self.confirmed_at = timezone.now()
        self.version += 1
        self._history_user = by
        self._change_reason = "Finding confirmed"
        self.save()


class FindingEvent(models.Model):
    """Links a finding to the timeline events behind it (with history)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE)
    event = models.ForeignKey(TimelineEvent, on_delete=models.CASCADE)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "event"], name="finding_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.finding} ← {self.event}"

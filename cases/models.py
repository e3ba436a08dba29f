"""The case file: the case and its lifecycle, the decedent (de-identified facts
and, apart, the identifiers), death details, circumstances, toxicology, the
timeline of touchpoints, record requests, source documents, notes and findings.

Every model keeps its history (django-simple-history). Editable records carry a
`version` for optimistic concurrency (cases/concurrency.py). Sensitive items
carry a `sensitivity` category; cases/access.py filters them for each viewer."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from cases import valuesets as vs
from cases.business_days import add_business_days
from ofr.models import Agency, Team
from ofr.roles import CASE_PERMISSIONS, Role, SensitiveCategory, category_permission

MAX_AGE = 120


class Case(models.Model):
    """One death under review, addressed by an unguessable code."""

    class Status(models.TextChoices):
        IDENTIFIED = "identified", "Identified"
        AWAITING_INFORMATION = "awaiting_information", "Awaiting toxicology / investigation"
        SELECTED = "selected", "Selected for review"
        RECORDS_REQUESTED = "records_requested", "Records requested"
        SUMMARY_IN_PREPARATION = "summary_in_preparation", "Summary in preparation"
        READY_FOR_REVIEW = "ready_for_review", "Ready for review"
        REVIEWED = "reviewed", "Reviewed"
        CLOSED = "closed", "Closed"
        EXCLUDED = "excluded", "Excluded"
        DEFERRED = "deferred", "Deferred"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(
        max_length=30, help_text="The team's own case number, e.g. RIV-2025-004. No names."
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.IDENTIFIED)
    summary = models.TextField(
        blank=True, help_text="De-identified case summary: no names, dates of birth or addresses."
    )
    exclusion_reason = models.CharField(
        max_length=40, choices=vs.ExclusionReason.choices, blank=True
    )
    deferral_reason = models.CharField(max_length=40, choices=vs.DeferralReason.choices, blank=True)
    status_note = models.CharField(
        max_length=300, blank=True, help_text="Why the status last changed."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    # The lifecycle (domain.md B2). Excluded and deferred need a reason; a
    # deferred case resumes where the team decides.
    TRANSITIONS: dict[str, set[str]] = {
        Status.IDENTIFIED: {Status.AWAITING_INFORMATION, Status.SELECTED},
        Status.AWAITING_INFORMATION: {Status.IDENTIFIED, Status.SELECTED},
        Status.SELECTED: {Status.RECORDS_REQUESTED, Status.SUMMARY_IN_PREPARATION},
        Status.RECORDS_REQUESTED: {Status.SUMMARY_IN_PREPARATION},
        Status.SUMMARY_IN_PREPARATION: {Status.RECORDS_REQUESTED, Status.READY_FOR_REVIEW},
        Status.READY_FOR_REVIEW: {Status.SUMMARY_IN_PREPARATION, Status.REVIEWED},
        Status.REVIEWED: {Status.READY_FOR_REVIEW, Status.CLOSED},
        Status.CLOSED: {Status.REVIEWED},
        Status.EXCLUDED: {Status.IDENTIFIED},
        Status.DEFERRED: {
            Status.IDENTIFIED,
            Status.AWAITING_INFORMATION,
            Status.SELECTED,
            Status.RECORDS_REQUESTED,
            Status.SUMMARY_IN_PREPARATION,
        },
    }
    # Any open case may be excluded or deferred.
    OPEN_STATUSES = {
        Status.IDENTIFIED,
        Status.AWAITING_INFORMATION,
        Status.SELECTED,
        Status.RECORDS_REQUESTED,
        Status.SUMMARY_IN_PREPARATION,
        Status.READY_FOR_REVIEW,
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("annotate_case", "Annotate the case"),
            ("view_identifiers", "View decedent identifiers"),
            ("view_access_log", "View who accessed the case"),
            ("confirm_finding", "Confirm proposed findings"),
        ] + [(category_permission(c.value), f"View {c.label} content") for c in SensitiveCategory]
        constraints = [
            models.UniqueConstraint(fields=["team", "reference"], name="case_unique_reference"),
        ]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="case_team_created"),
            # The case list's default order (measured with manage.py bench).
            models.Index(fields=["-created_at", "-id"], name="case_created"),
        ]

    def __str__(self) -> str:
        return self.reference

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._saved_team_id = self.team_id

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            adding = self._state.adding
            team_changed = adding or self.team_id != self._saved_team_id
            super().save(*args, **kwargs)
            if team_changed:
                self.grant_team_access()
                self._saved_team_id = self.team_id
            if adding:
                self.create_sections()

    def create_sections(self) -> None:
        """Every case has its one-to-one sections from the start, so that each
        has one history from its first edit and pages never test for absence."""
        for model in (Decedent, DecedentIdentifiers, DeathDetails, Circumstances):
            section = model(case=self)
            section._history_user = getattr(self, "_history_user", None) or self.created_by
            section._change_reason = "Case created"
            section.save()

    def allowed_statuses(self) -> list[str]:
        allowed = set(self.TRANSITIONS[self.status])
        if self.status in self.OPEN_STATUSES:
            allowed |= {self.Status.EXCLUDED, self.Status.DEFERRED}
        return [s for s in self.Status.values if s in allowed]

    def move_to(
        self,
        status: str,
        *,
        by,
        note: str = "",
        exclusion_reason: str = "",
        deferral_reason: str = "",
    ) -> None:
        """Change the lifecycle status, recording who, when and why (in the
        case's history, with the note as the change reason)."""
        if status not in self.allowed_statuses():
            raise ValidationError(
                f"A case that is {self.get_status_display().lower()} cannot move to "
                f"{self.Status(status).label.lower() if status in self.Status.values else status}."
            )
        if status == self.Status.EXCLUDED and exclusion_reason not in vs.ExclusionReason.values:
            raise ValidationError("Say why the case is excluded.")
        if status == self.Status.DEFERRED and deferral_reason not in vs.DeferralReason.values:
            raise ValidationError("Say why the case is deferred.")
        self.status = status
        self.exclusion_reason = exclusion_reason if status == self.Status.EXCLUDED else ""
        self.deferral_reason = deferral_reason if status == self.Status.DEFERRED else ""
        self.status_note = note.strip()
        self.status_changed_at = timezone.now()
        self.status_changed_by = by
        self.version += 1
        self._history_user = by
        label = self.Status(status).label
        self._change_reason = f"Status: {label}" + (f" ({note.strip()})" if note.strip() else "")
        self.save()

    @property
    def status_reason_display(self) -> str:
        if self.status == self.Status.EXCLUDED and self.exclusion_reason:
            return vs.ExclusionReason(self.exclusion_reason).label
        if self.status == self.Status.DEFERRED and self.deferral_reason:
            return vs.DeferralReason(self.deferral_reason).label
        return ""

    def grant_team_access(self) -> None:
        """Give the case's team groups their permissions on it, and no one else's.

        Runs when a case is created or moves team, in the same transaction."""
        CaseGroupObjectPermission.objects.filter(content_object=self).delete()
        by_codename = {
            p.codename: p
            for p in Permission.objects.filter(
                content_type__app_label="cases", content_type__model="case"
            )
        }
        grants = []
        for role in Role:
            group = self.team.role_group(role)
            grants += [(group, by_codename[c]) for c in CASE_PERMISSIONS[role]]
        for category in SensitiveCategory:
            group = self.team.category_group(category)
            grants.append((group, by_codename[category_permission(category)]))
        # Permission rows are not audited models; the case's own history records the move.
        CaseGroupObjectPermission.objects.bulk_create(
            [
                CaseGroupObjectPermission(group=g, permission=p, content_object=self)
                for g, p in grants
            ]
        )


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


# --- Sections of the case file (one each per case) --------------------------


class Decedent(models.Model):
    """De-identified facts about the person who died. Identifiers live apart,
    in DecedentIdentifiers, so that nothing here needs hiding."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="decedent")
    age_at_death = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_AGE)]
    )
    sex = models.CharField(max_length=40, choices=vs.Sex.choices, blank=True)
    race = models.CharField(max_length=40, choices=vs.Race.choices, blank=True)
    ethnicity = models.CharField(max_length=40, choices=vs.Ethnicity.choices, blank=True)
    residence_county = models.CharField("county of residence", max_length=100, blank=True)
    residence_zip = models.CharField(
        "ZIP code of residence",
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", "Enter a five-digit ZIP code.")],
    )
    homeless = models.CharField(
        "experiencing homelessness",
        max_length=20,
        choices=vs.TriState.choices,
        default=vs.TriState.NOT_COLLECTED,
    )
    veteran = models.CharField(
        "veteran or National Guard",
        max_length=20,
        choices=vs.TriState.choices,
        default=vs.TriState.NOT_COLLECTED,
    )
    occupation = models.CharField("usual occupation", max_length=100, blank=True)
    education = models.CharField(max_length=40, choices=vs.EducationLevel.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Decedent of {self.case}"


class DecedentIdentifiers(models.Model):
    """Who the person was. Shown only to viewers holding view_identifiers."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="identifiers")
    legal_name = models.CharField(max_length=200, blank=True)
    aliases = models.CharField(
        max_length=300, blank=True, help_text="Other names, comma-separated."
    )
    date_of_birth = models.DateField(null=True, blank=True)
    residence_address = models.CharField(max_length=300, blank=True)
    me_case_number = models.CharField("ME/coroner case number", max_length=50, blank=True)
    death_certificate_number = models.CharField(max_length=50, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "decedent identifiers"
        indexes = [models.Index(fields=["legal_name"], name="identifiers_legal_name")]

    def __str__(self) -> str:
        return f"Identifiers of {self.case}"


class DeathDetails(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="death")
    date_of_death = models.DateField(null=True, blank=True)
    date_last_seen_alive = models.DateField(null=True, blank=True)
    manner = models.CharField(
        "manner of death", max_length=40, choices=vs.MannerOfDeath.choices, blank=True
    )
    cause_immediate = models.CharField("immediate cause", max_length=200, blank=True)
    cause_due_to = models.CharField("due to (or as a consequence of)", max_length=200, blank=True)
    cause_underlying = models.CharField("underlying cause", max_length=200, blank=True)
    other_conditions = models.CharField("other significant conditions", max_length=300, blank=True)
    icd10_underlying = models.CharField(
        "ICD-10 underlying cause",
        max_length=8,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$",
                "Enter an ICD-10 code such as X42 or T40.4.",
            )
        ],
    )
    place_of_death = models.CharField(max_length=40, choices=vs.PlaceOfDeath.choices, blank=True)
    autopsy = models.CharField(
        "autopsy performed",
        max_length=20,
        choices=vs.TriState.choices,
        default=vs.TriState.NOT_COLLECTED,
    )
    county_of_injury = models.CharField(max_length=100, blank=True)
    county_of_death = models.CharField(max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "death details"
        indexes = [
            models.Index(fields=["date_of_death"], name="death_date"),
            models.Index(fields=["manner"], name="death_manner"),
        ]

    def __str__(self) -> str:
        return f"Death details of {self.case}"

    def clean(self) -> None:
        today = timezone.localdate()
        errors = {}
        if self.date_of_death and self.date_of_death > today:
            errors["date_of_death"] = "The date of death cannot be in the future."
        if self.date_last_seen_alive and self.date_last_seen_alive > today:
            errors["date_last_seen_alive"] = "This date cannot be in the future."
        if (
            self.date_of_death
            and self.date_last_seen_alive
            and self.date_last_seen_alive > self.date_of_death
        ):
            errors["date_last_seen_alive"] = "The person cannot be seen alive after the death."
        if errors:
            raise ValidationError(errors)


@deconstructible
class ChoiceListValidator:
    """A JSON list whose items are all codes of `choices`, each once."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self.choices = choices

    def __call__(self, value) -> None:
        if not isinstance(value, list) or len(set(value)) != len(value):
            raise ValidationError("Choose each option at most once.")
        unknown = [v for v in value if v not in self.choices.values]
        if unknown:
            raise ValidationError(f"Unknown code: {', '.join(map(str, unknown))}.")

    def __eq__(self, other) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices is self.choices


def tristate(label: str):
    return models.CharField(
        label, max_length=20, choices=vs.TriState.choices, default=vs.TriState.NOT_COLLECTED
    )


class Circumstances(models.Model):
    """Overdose circumstances, SUDORS-aligned. Each item is yes / no / unknown /
    not collected: "not collected" is not "no"."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="circumstances")
    route_of_use = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.RouteOfUse)]
    )
    bystander_present = tristate("potential bystander present")
    bystander_relationship = models.CharField(
        max_length=40, choices=vs.BystanderRelationship.choices, blank=True
    )
    naloxone_administered = tristate("naloxone administered")
    naloxone_administered_by = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.NaloxoneAdministeredBy)]
    )
    naloxone_doses = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(50)]
    )
    no_pulse_at_arrival = tristate("no pulse when first responders arrived")
    prior_overdose_past_year = tristate("prior overdose in the past year")
    recent_ed_visit = tristate("recent emergency department visit")
    recent_release = tristate("recent release from an institution")
    recent_release_from = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.InstitutionType)]
    )
    current_sud_treatment = tristate("in substance use disorder treatment")
    sud_treatment_types = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.SudTreatmentType)]
    )
    mental_health_diagnosis = tristate("mental health diagnosis")
    mental_health_diagnoses = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.MentalHealthDiagnosis)]
    )
    drugs_on_scene = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.DrugsOnScene)]
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "circumstances"

    def __str__(self) -> str:
        return f"Circumstances of {self.case}"


# --- Items of the case file (many per case) ------------------------------------


class ToxicologyResult(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="toxicology")
    substance = models.CharField(max_length=40, choices=vs.Substance.choices)
    substance_detail = models.CharField(
        max_length=100, blank=True, help_text="The specific drug, e.g. an analogue's name."
    )
    caused_death = models.BooleanField(
        "listed as a cause of death",
        default=False,
        help_text="Unticked: detected but not listed as a cause.",
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
            errors["unit"] = "Give the unit of the concentration."
        if self.substance == vs.Substance.OTHER and not self.substance_detail:
            errors["substance_detail"] = "Name the substance."
        if errors:
            raise ValidationError(errors)


def sensitivity_field():
    return models.CharField(
        max_length=30,
        choices=SensitiveCategory.choices,
        blank=True,
        help_text="Leave empty unless the item comes from a protected record.",
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
    missed_opportunity = models.BooleanField(default=False)
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
        return f"{self.date} {self.get_touchpoint_type_display()}"

    def days_before_death(self, date_of_death: date | None) -> int | None:
        return (date_of_death - self.date).days if date_of_death else None

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "A touchpoint cannot be in the future."})
        date_of_death = getattr(getattr(self.case, "death", None), "date_of_death", None)
        if self.date and date_of_death and self.date > date_of_death:
            raise ValidationError({"date": "A touchpoint cannot be after the date of death."})


# MEDIA_ROOT, read when used (tests point it at a temporary folder); no URL:
# nothing in it is served directly.
private_storage = FileSystemStorage()


def document_path(document: SourceDocument, filename: str) -> str:
    # The stored name carries no part of the uploaded name (which may identify someone).
    return f"cases/{document.case.code}/{uuid.uuid4().hex}{document.extension}"


class SourceDocument(models.Model):
    """A record received for the case. Stored outside the static root and
    served only through a permission-checked view (cases/views)."""

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
    file = models.FileField(storage=private_storage, upload_to=document_path, max_length=200)
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
        return self.title


class RecordRequest(models.Model):
    """A request to an agency for a decedent's records, with its deadline."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Awaiting answer"
        RECEIVED = "received", "Received"
        UNAVAILABLE = "unavailable", "Determined unavailable"
        WITHHELD = "withheld", "Withheld"

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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["outcome", "due_on"], name="request_outcome_due")]

    def __str__(self) -> str:
        return f"Request to {self.agency}"

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
            errors["window_start"] = "The window must start before it ends."
        if self.requested_on and self.requested_on > today:
            errors["requested_on"] = "The request date cannot be in the future."
        if self.re_requested_on and self.requested_on and self.re_requested_on < self.requested_on:
            errors["re_requested_on"] = "A re-request cannot come before the request."
        if self.outcome == self.Outcome.WITHHELD and not self.withheld_reason:
            errors["withheld_reason"] = "Say why the records were withheld."
        if self.outcome != self.Outcome.PENDING and not self.answered_on:
            errors["answered_on"] = "Give the date of the answer."
        if self.answered_on and self.answered_on > today:
            errors["answered_on"] = "The answer date cannot be in the future."
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
        return f"Note by {self.author} on {self.case}"

    @property
    def effective_sensitivity(self) -> str:
        """The note's category, else its event's (for notices and forms)."""
        if self.sensitivity:
            return self.sensitivity
        return self.timeline_event.sensitivity if self.timeline_event_id else ""

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category a viewer needs: a note on a protected event is at
        least as protected as the event, whatever its own category."""
        event_category = self.timeline_event.sensitivity if self.timeline_event_id else ""
        return tuple(c for c in dict.fromkeys((self.sensitivity, event_category)) if c)


class Finding(models.Model):
    """A missed opportunity, system gap, risk or protective factor, or good
    practice: proposed by members, confirmed by the facilitator."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=40, choices=vs.FindingKind.choices)
    system = models.CharField(max_length=40, choices=vs.TouchpointSystem.choices)
    description = models.TextField(
        help_text="Describe what the system missed or did, not who is to blame."
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

    class Meta:
        ordering = ["proposed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:40]}"

    def confirm(self, *, by) -> None:
        if self.status != vs.FindingStatus.PROPOSED:
            raise ValidationError("Only a proposed finding can be confirmed.")
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

"""The one-to-one sections of a case file: decedent facts, identifiers, death
details and circumstances."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from simple_history.models import HistoricalRecords

from cases import valuesets as vs
from cases.models.case import MAX_AGE, Case

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


# The path stays cases.models.ChoiceListValidator, as the migrations name it.
@deconstructible(path="cases.models.ChoiceListValidator")
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

    def labels(self, codes) -> str:
        """The codes' labels, comma-separated (an unknown code shows as itself)."""
        labels = dict(self.choices.choices)
        return ", ".join(str(labels.get(code, code)) for code in codes)


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

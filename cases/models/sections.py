"""The one-to-one sections of a case file: decedent facts, identifiers, death
details and circumstances."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases import valuesets as vs
from cases.models.case import MAX_AGE, Case
from ofr.encryption import (
    EncryptedCharField,
    EncryptedDateField,
    blind_index,
    blind_indexes,
    field_keys_rotated,
)

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
    residence_county = models.CharField(_("county of residence"), max_length=100, blank=True)
    residence_zip = models.CharField(
        _("ZIP code of residence"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", "Enter a five-digit ZIP code.")],
    )
    homeless = models.CharField(
        _("experiencing homelessness"),
        max_length=20,
        choices=vs.TriState.choices,
        default=vs.TriState.NOT_COLLECTED,
    )
    veteran = models.CharField(
        _("veteran or National Guard"),
        max_length=20,
        choices=vs.TriState.choices,
        default=vs.TriState.NOT_COLLECTED,
    )
    occupation = models.CharField(_("usual occupation"), max_length=100, blank=True)
    education = models.CharField(max_length=40, choices=vs.EducationLevel.choices, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Decedent of {self.case}"


class DecedentIdentifiers(models.Model):
    """Who the person was. Shown only to viewers holding view_identifiers.

    Encrypted at rest (ofr/encryption.py), history included: the database
    cannot search these columns, so each save rebuilds the case's
    IdentifierLookup rows, through which the case list finds a case by name
    or number."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="identifiers")
    legal_name = EncryptedCharField(max_length=200, blank=True)
    aliases = EncryptedCharField(
        max_length=300, blank=True, help_text=_("Other names, comma-separated.")
    )
    date_of_birth = EncryptedDateField(null=True, blank=True)
    residence_address = EncryptedCharField(max_length=300, blank=True)
    me_case_number = EncryptedCharField(_("ME/coroner case number"), max_length=50, blank=True)
    death_certificate_number = EncryptedCharField(max_length=50, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("decedent identifiers")

    def __str__(self) -> str:
        return f"Identifiers of {self.case}"

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            adding = self._state.adding
            super().save(*args, **kwargs)
            if not adding:
                IdentifierLookup.objects.filter(case_id=self.case_id).delete()
            IdentifierLookup.objects.bulk_create(IdentifierLookup.rows_for(self))

    def names(self) -> list[str]:
        """The legal name, then each alias."""
        aliases = [alias.strip() for alias in self.aliases.split(",")]
        return [name for name in [self.legal_name.strip(), *aliases] if name]


# --- Blind indexes of the identifiers ----------------------------------------

# Generational suffixes are not last names: "John Smith Jr." is found as Smith.
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def normal_name(text: str) -> str:
    """A name as the lookups compare it: case, accents, apostrophes and
    punctuation aside ("O'Brien-Núñez" and "obrien nunez" are the same)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"['\u2018\u2019\u02bc`]", "", text)
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def normal_number(text: str) -> str:
    """An ME or death-certificate number as the lookups compare it: upper
    case, without spaces or dashes ("me-2024 0012" is ME20240012)."""
    return re.sub(r"[\s\-\u2010-\u2015]+", "", text).upper()


def name_forms(name: str) -> dict[str, str]:
    """The forms of a normalised name that a search may give, by lookup kind:
    the full name and, for two words or more, first + last and the last name."""
    forms = {IdentifierLookup.Kind.FULL_NAME: name}
    words = name.split()
    while len(words) > 2 and words[-1] in NAME_SUFFIXES:
        words.pop()
    if len(words) >= 2:
        forms[IdentifierLookup.Kind.FIRST_LAST] = f"{words[0]} {words[-1]}"
        forms[IdentifierLookup.Kind.LAST_NAME] = words[-1]
    return forms


def identifier_terms(
    names: list[str], date_of_birth: date | None, me_case_number: str, certificate_number: str
) -> set[tuple[str, str]]:
    """(kind, normalised value) of every lookup of one decedent's identifiers."""
    terms = set()
    for name in filter(None, map(normal_name, names)):
        for kind, form in name_forms(name).items():
            terms.add((kind, form))
            if date_of_birth and kind != IdentifierLookup.Kind.LAST_NAME:
                terms.add((IdentifierLookup.Kind.NAME_BIRTH, f"{form} {date_of_birth.isoformat()}"))
    for kind, number in (
        (IdentifierLookup.Kind.ME_NUMBER, normal_number(me_case_number)),
        (IdentifierLookup.Kind.CERTIFICATE_NUMBER, normal_number(certificate_number)),
    ):
        if number:
            terms.add((kind, number))
    return terms


class IdentifierLookupQuerySet(models.QuerySet):
    def matching(self, query: str) -> IdentifierLookupQuerySet:
        """Lookups that a case-list search finds: the query is a full name, a
        first + last name, a last name (one word), or an ME or death-certificate
        number. Digests under every key, so that rows indexed before a key
        rotation finished are found."""
        name, number = normal_name(query), normal_number(query)
        Kind = IdentifierLookup.Kind
        terms = []
        if name:
            terms += [(Kind.FULL_NAME, name), (Kind.FIRST_LAST, name)]
            if " " not in name:
                terms.append((Kind.LAST_NAME, name))
        if number:
            terms += [(Kind.ME_NUMBER, number), (Kind.CERTIFICATE_NUMBER, number)]
        match = models.Q(pk__in=[])
        for kind, value in terms:
            digests = blind_indexes(IdentifierLookup.purpose(kind), value)
            match |= models.Q(kind=kind, digest__in=digests)
        return self.filter(match)


class IdentifierLookup(models.Model):
    """A keyed digest (ofr.encryption.blind_index) of one normalised identifier
    of a case, to find the case without decrypting every row.

    Derived data, rebuilt from DecedentIdentifiers on each of its saves and on
    a key rotation; so it keeps no history (the identifiers' history is the
    record)."""

    class Kind(models.TextChoices):
        FULL_NAME = "full_name", "Full name"
        FIRST_LAST = "first_last", "First and last name"
        LAST_NAME = "last_name", "Last name"
        ME_NUMBER = "me_number", "ME/coroner case number"
        CERTIFICATE_NUMBER = "certificate_number", "Death certificate number"
        # For matching an imported record to a case already on file.
        NAME_BIRTH = "name_birth", "Name and date of birth"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="identifier_lookups")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    digest = models.CharField(max_length=64)

    objects = IdentifierLookupQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["kind", "digest"], name="identifier_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "digest"], name="identifier_lookup_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} lookup of {self.case_id}"

    @staticmethod
    def purpose(kind: str) -> str:
        return f"decedent-identifiers:{kind}"

    @classmethod
    def rows_for(cls, identifiers: DecedentIdentifiers) -> list[IdentifierLookup]:
        """The lookups of one case's identifiers, under the newest key (unsaved)."""
        terms = identifier_terms(
            identifiers.names(),
            identifiers.date_of_birth,
            identifiers.me_case_number,
            identifiers.death_certificate_number,
        )
        return [
            cls(
                case_id=identifiers.case_id, kind=kind, digest=blind_index(cls.purpose(kind), value)
            )
            for kind, value in sorted(terms)
        ]

    @classmethod
    def rebuild_all(cls, batch_size: int = 500) -> int:
        """Every case's lookups again, under the newest key (after a rotation).
        Returns how many rows there are now."""
        every = DecedentIdentifiers.objects.order_by("pk")
        with transaction.atomic():
            cls.objects.all().delete()
            batch = list(every[:batch_size])
            while batch:
                cls.objects.bulk_create([row for one in batch for row in cls.rows_for(one)])
                batch = list(every.filter(pk__gt=batch[-1].pk)[:batch_size])
            return cls.objects.count()


class DeathDetails(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="death")
    date_of_death = models.DateField(null=True, blank=True)
    date_last_seen_alive = models.DateField(null=True, blank=True)
    manner = models.CharField(
        _("manner of death"), max_length=40, choices=vs.MannerOfDeath.choices, blank=True
    )
    cause_immediate = models.CharField(_("immediate cause"), max_length=200, blank=True)
    cause_due_to = models.CharField(
        _("due to (or as a consequence of)"), max_length=200, blank=True
    )
    cause_underlying = models.CharField(_("underlying cause"), max_length=200, blank=True)
    other_conditions = models.CharField(
        _("other significant conditions"), max_length=300, blank=True
    )
    icd10_underlying = models.CharField(
        _("ICD-10 underlying cause"),
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
        _("autopsy performed"),
        max_length=20,
        choices=vs.TriState.choices,
        default=vs.TriState.NOT_COLLECTED,
    )
    county_of_injury = models.CharField(max_length=100, blank=True)
    county_of_death = models.CharField(max_length=100, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("death details")
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
            errors["date_of_death"] = gettext("The date of death cannot be in the future.")
        if self.date_last_seen_alive and self.date_last_seen_alive > today:
            errors["date_last_seen_alive"] = gettext("This date cannot be in the future.")
        if (
            self.date_of_death
            and self.date_last_seen_alive
            and self.date_last_seen_alive > self.date_of_death
        ):
            errors["date_last_seen_alive"] = gettext(
                "The person cannot be seen alive after the death."
            )
        if errors:
            raise ValidationError(errors)


@receiver(field_keys_rotated, dispatch_uid="cases.rebuild_identifier_lookups")
def rebuild_identifier_lookups(sender, **kwargs) -> str:
    return f"Rebuilt {IdentifierLookup.rebuild_all()} identifier lookups under the newest key."


# The path stays cases.models.ChoiceListValidator, as the migrations name it.
@deconstructible(path="cases.models.ChoiceListValidator")
class ChoiceListValidator:
    """A JSON list whose items are all codes of `choices`, each once."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self.choices = choices

    def __call__(self, value) -> None:
        if not isinstance(value, list) or len(set(value)) != len(value):
            raise ValidationError(gettext("Choose each option at most once."))
        unknown = [v for v in value if v not in self.choices.values]
        if unknown:
            raise ValidationError(
                gettext("Unknown code: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
            )

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
    bystander_present = tristate(_("potential bystander present"))
    bystander_relationship = models.CharField(
        max_length=40, choices=vs.BystanderRelationship.choices, blank=True
    )
    naloxone_administered = tristate(_("naloxone administered"))
    naloxone_administered_by = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.NaloxoneAdministeredBy)]
    )
    naloxone_doses = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(50)]
    )
    no_pulse_at_arrival = tristate(_("no pulse when first responders arrived"))
    prior_overdose_past_year = tristate(_("prior overdose in the past year"))
    recent_ed_visit = tristate(_("recent emergency department visit"))
    recent_release = tristate(_("recent release from an institution"))
    recent_release_from = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.InstitutionType)]
    )
    current_sud_treatment = tristate(_("in substance use disorder treatment"))
    sud_treatment_types = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.SudTreatmentType)]
    )
    mental_health_diagnosis = tristate(_("mental health diagnosis"))
    mental_health_diagnoses = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.MentalHealthDiagnosis)]
    )
    drugs_on_scene = models.JSONField(
        default=list, blank=True, validators=[ChoiceListValidator(vs.DrugsOnScene)]
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = _("circumstances")

    def __str__(self) -> str:
        return f"Circumstances of {self.case}"

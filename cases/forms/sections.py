"""Forms for the sections of the case file and its toxicology results."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from cases import valuesets as vs
from cases.models import (
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    ToxicologyResult,
)
from ofr.concurrency import VersionedForm
from ofr.forms import USWDSFormMixin

DATE = forms.DateInput(attrs={"type": "date"})


def multi(choices: type, label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class DecedentForm(VersionedForm):
    class Meta:
        model = Decedent
        fields = [
            "age_at_death",
            "sex",
            "race",
            "ethnicity",
            "residence_county",
            "residence_zip",
            "homeless",
            "veteran",
            "occupation",
            "education",
        ]


class IdentifiersForm(VersionedForm):
    class Meta:
        model = DecedentIdentifiers
        fields = [
            "legal_name",
            "aliases",
            "date_of_birth",
            "residence_address",
            "me_case_number",
            "death_certificate_number",
        ]
        widgets = {"date_of_birth": DATE}

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born and born > timezone.localdate():
            raise forms.ValidationError(gettext("The date of birth cannot be in the future."))
        died = self.instance.case.death.date_of_death
        if born and died and born > died:
            raise forms.ValidationError(
                gettext("The date of birth cannot be after the date of death (%(date)s).")
                % {"date": f"{died:%Y-%m-%d}"}
            )
        return born


class DeathForm(VersionedForm):
    class Meta:
        model = DeathDetails
        fields = [
            "date_of_death",
            "date_last_seen_alive",
            "manner",
            "cause_immediate",
            "cause_due_to",
            "cause_underlying",
            "other_conditions",
            "icd10_underlying",
            "place_of_death",
            "autopsy",
            "county_of_injury",
            "county_of_death",
        ]
        widgets = {"date_of_death": DATE, "date_last_seen_alive": DATE}

    def clean_icd10_underlying(self) -> str:
        return self.cleaned_data["icd10_underlying"].strip().upper()

    def clean_date_of_death(self):
        died = self.cleaned_data["date_of_death"]
        if not died:
            return died
        case = self.instance.case
        born = case.identifiers.date_of_birth
        if born and died < born:
            raise forms.ValidationError(
                gettext("The date of death cannot be before the date of birth.")
            )
        later = case.timeline_events.filter(date__gt=died).count()
        if later:
            raise forms.ValidationError(
                ngettext(
                    "%(count)s timeline touchpoint is dated after this "
                    "date. Correct the timeline first, or check the date.",
                    "%(count)s timeline touchpoints are dated after this "
                    "date. Correct the timeline first, or check the date.",
                    later,
                )
                % {"count": later}
            )
        return died


class CircumstancesForm(VersionedForm):
    route_of_use = multi(vs.RouteOfUse, gettext_lazy("Route of use"))
    naloxone_administered_by = multi(
        vs.NaloxoneAdministeredBy, gettext_lazy("Naloxone administered by")
    )
    recent_release_from = multi(vs.InstitutionType, gettext_lazy("Recently released from"))
    sud_treatment_types = multi(vs.SudTreatmentType, gettext_lazy("Current treatment types"))
    mental_health_diagnoses = multi(
        vs.MentalHealthDiagnosis, gettext_lazy("Mental health diagnoses")
    )
    drugs_on_scene = multi(vs.DrugsOnScene, gettext_lazy("Drugs on scene"))

    class Meta:
        model = Circumstances
        fields = [
            "route_of_use",
            "bystander_present",
            "bystander_relationship",
            "naloxone_administered",
            "naloxone_administered_by",
            "naloxone_doses",
            "no_pulse_at_arrival",
            "prior_overdose_past_year",
            "recent_ed_visit",
            "recent_release",
            "recent_release_from",
            "current_sud_treatment",
            "sud_treatment_types",
            "mental_health_diagnosis",
            "mental_health_diagnoses",
            "drugs_on_scene",
        ]


class ToxicologyForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = ToxicologyResult
        fields = [
            "substance",
            "substance_detail",
            "caused_death",
            "concentration",
            "unit",
            "specimen",
            "lab",
        ]


class ToxicologyEditForm(VersionedForm):
    class Meta(ToxicologyForm.Meta):
        pass

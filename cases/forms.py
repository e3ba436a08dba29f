from django import forms

from cases.models import Case
from ofr.forms import USWDSFormMixin
from ofr.models import Team


class CaseForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = Case
        fields = ["reference", "status", "summary"]

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()

    def clean(self) -> dict:
        cleaned = super().clean()
        team = cleaned.get("team") or (self.instance.team if self.instance.team_id else None)
        reference = cleaned.get("reference")
        if team and reference:
            clash = Case.objects.filter(team=team, reference=reference).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("reference", "This team already has a case with this reference.")
        return cleaned


class NewCaseForm(CaseForm):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)

    class Meta(CaseForm.Meta):
        fields = ["team", "reference", "status", "summary"]

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

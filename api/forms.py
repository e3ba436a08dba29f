from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiKey
from ofr.forms import USWDSFormMixin
from ofr.models import Agency

OFFERED_SCOPES = [(scope.value, scope.label) for scope in ApiKey.Scope]


class ApiKeyForm(USWDSFormMixin, forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=OFFERED_SCOPES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "An agency's key: read recommendations, post updates. "
            "A team's own key: read aggregates, add cases."
        ),
    )

    class Meta:
        model = ApiKey
        fields = ["team", "name", "agency", "scopes", "expires_on"]
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].empty_label = None
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=365)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

"""Forms for deferral requests: a member asks the team to defer a case for an
investigation; a coordinator declines with a reason."""

from django import forms
from django.utils.translation import gettext_lazy

from cases.models import DeferralRequest
from ofr.forms import USWDSFormMixin


class AskDeferralForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = DeferralRequest
        fields = ["reason", "note"]
        widgets = {"reason": forms.RadioSelect}
        labels = {"reason": gettext_lazy("Why should the team defer the case?")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [c for c in self.fields["reason"].choices if c[0]]


class DeclineDeferralForm(USWDSFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why not defer"),
        max_length=300,
        help_text=gettext_lazy("Short; the asker reads it. No names."),
    )

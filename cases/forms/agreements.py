"""The form of a team's data-sharing agreement with an agency, and its signed file."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext, gettext_lazy

from cases import valuesets as vs
from cases.forms.documents import ACCEPT
from cases.models import DataSharingAgreement
from ofr.concurrency import VersionedForm
from ofr.files import inspect_upload
from ofr.models import Agency

DATE = forms.DateInput(attrs={"type": "date"})


class AgreementForm(VersionedForm):
    """Record or edit an agreement. `teams` are those the user manages the
    agreements of; the team is chosen only when there are several, and only
    for a new agreement. The signed file is optional, and replaces the one
    kept when given on an edit (the old one stays in the history)."""

    record_types = forms.MultipleChoiceField(
        label=gettext_lazy("Record types it covers"),
        choices=vs.RecordType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one record type.")},
    )
    file = forms.FileField(
        label=gettext_lazy("Signed agreement"),
        required=False,
        allow_empty_file=True,  # inspect_upload says "This file is empty." itself
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = DataSharingAgreement
        fields = [
            "team",
            "agency",
            "reference",
            "other_parties",
            "record_types",
            "signed_on",
            "expires_on",
        ]
        widgets = {
            "signed_on": DATE,
            "expires_on": DATE,
            "other_parties": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.upload_info = None
        adding = self.instance._state.adding
        if adding:
            # A new agreement has no version yet; the field is for edits.
            self.fields["opened_version"].required = False
        if not adding or len(teams) == 1:
            del self.fields["team"]
            if adding:
                self.instance.team = teams[0]
        else:
            self.fields["team"].queryset = self.fields["team"].queryset.filter(
                pk__in=[t.pk for t in teams]
            )
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.fields["agency"].empty_label = gettext("- Choose an agency -")
        keeps = " " + gettext("It replaces the file kept now.") if self.instance.sha256 else ""
        self.fields["file"].help_text = (
            gettext(
                "The signed copy: a PDF, PNG or JPEG image, or a plain-text file, up to "
                "%(size)s. Only the team's coordinators "
                "and data managers can download it; each download is recorded."
            )
            % {"size": filesizeformat(settings.OFR_MAX_UPLOAD_BYTES)}
        ) + keeps

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            self.upload_info = inspect_upload(upload, settings.OFR_MAX_UPLOAD_BYTES)
        return upload

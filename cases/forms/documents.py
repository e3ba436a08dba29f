"""Forms for source documents: the upload, and the edit of its details."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from cases import valuesets as vs
from cases.forms.part2 import check_part2_program, setup_not_part2_reason
from cases.models import SourceDocument
from cases.policy import shown_choices
from ofr.concurrency import VersionedForm
from ofr.files import inspect_upload
from ofr.forms import USWDSFormMixin
from ofr.roles import SensitiveCategory

DATE = forms.DateInput(attrs={"type": "date"})
ACCEPT = ".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain"
NO_CATEGORY = gettext_lazy("Not restricted (or the default for the document type)")


def default_category(document_type: str) -> str:
    """The sensitivity a document of this type gets when none is chosen ("" if none)."""
    return vs.RECORD_TYPE_CATEGORY.get(document_type, "")


def _defaults_hint() -> str:
    pairs = [
        f"{vs.RecordType(kind).label} → {SensitiveCategory(category).label}"
        for kind, category in vs.RECORD_TYPE_CATEGORY.items()
    ]
    return gettext("Left empty, some document types are restricted by default: %(pairs)s.") % {
        "pairs": "; ".join(pairs)
    }


class DocumentDetailsMixin:
    """The details shared by the upload and the edit form.

    `viewer` is the confidentiality policy's view of the user on the case
    (cases/policy.py): the sensitivity list offers only the categories they may
    file in, a document may not be filed (by choice or by its type's default)
    in a category they could not see, and only the requests they may see are
    offered to answer."""

    def __init__(self, *args, viewer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        self.applied_default = ""
        requests = self.instance.case.record_requests.select_related("agency")
        # Choices name the agencies asked: a Part 2 request brings the notice.
        ids, self.part2_notice = shown_choices(requests, viewer)
        self.fields["record_request"].queryset = requests.filter(pk__in=ids)
        self.fields["record_request"].label_from_instance = lambda request: (
            gettext("Request to %(agency)s (requested %(date)s)")
            % {"agency": request.agency, "date": f"{request.requested_on:%Y-%m-%d}"}
        )
        self.fields["record_request"].label = gettext("Answers record request")
        sensitivity = self.fields["sensitivity"]
        sensitivity.choices = [("", NO_CATEGORY)] + [
            (value, SensitiveCategory(value).label) for value in viewer.fileable_categories()
        ]
        sensitivity.help_text = _defaults_hint()
        sensitivity.error_messages["invalid_choice"] = gettext(
            "You may not file a document in a category you cannot view yourself. "
            "Choose another category, or ask someone who may view it to add the document."
        )
        setup_not_part2_reason(self, viewer)

    def clean_received_on(self):
        received = self.cleaned_data["received_on"]
        if received and received > timezone.localdate():
            raise forms.ValidationError(gettext("The date received cannot be in the future."))
        return received

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("document_type")
        if "sensitivity" in cleaned and not cleaned["sensitivity"] and kind:
            category = default_category(kind)
            if category:
                cleaned["sensitivity"] = category
                self.applied_default = category
                if category not in self.viewer.fileable_categories():
                    self.add_error(
                        "sensitivity",
                        gettext(
                            "%(type)s documents are restricted to the category "
                            "%(category)s, which you may not view, so you "
                            "cannot add or file this one. Ask someone who may view that category."
                        )
                        % {
                            "type": vs.RecordType(kind).label,
                            "category": SensitiveCategory(category).label,
                        },
                    )
        check_part2_program(self, cleaned)
        return cleaned


class DocumentForm(DocumentDetailsMixin, USWDSFormMixin, forms.ModelForm):
    """Upload a new document. The file is checked by its contents (ofr/files.py);
    `upload_info` describes it once the form is valid."""

    file = forms.FileField(
        label=gettext_lazy("File"),
        allow_empty_file=True,  # inspect_upload says "This file is empty." itself
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = SourceDocument
        fields = [
            "title",
            "document_type",
            "agency",
            "record_request",
            "received_on",
            "sensitivity",
            "not_part2_reason",
        ]
        widgets = {"received_on": DATE}

    field_order = ["file", *Meta.fields]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.upload_info = None
        self.fields["file"].help_text = gettext(
            "A PDF, PNG or JPEG image, or a plain-text file, up to %(size)s."
        ) % {"size": filesizeformat(settings.OFR_MAX_UPLOAD_BYTES)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Its ValidationError (too large, empty, disguised) becomes this field's error.
        self.upload_info = inspect_upload(upload, settings.OFR_MAX_UPLOAD_BYTES)
        return upload


class DocumentEditForm(DocumentDetailsMixin, VersionedForm):
    """The details of a stored document; the file itself is never replaced."""

    class Meta(DocumentForm.Meta):
        pass

"""Forms for next-of-kin interviews (cases/views/nok.py). Each takes its
instance with `case` (and an interview) set; the model's clean() checks dates,
consent before the interview, and refuses outreach after a do-not-contact wish."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.access import trained_interviewers
from cases.forms.documents import ACCEPT
from cases.models import INTERVIEW_TOPICS, NokInterview, NokOutreachAttempt, TimelineEvent
from ofr.concurrency import VersionedForm
from ofr.files import inspect_upload
from ofr.forms import USWDSFormMixin

DATE = forms.DateInput(attrs={"type": "date"})


class AssignForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = NokInterview
        fields = ["interviewer"]
        help_texts = {
            "interviewer": gettext_lazy("Only members of the team trained to interview families.")
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["interviewer"]
        field.queryset = trained_interviewers(self.instance.case.team_id)
        field.label_from_instance = lambda user: user.get_full_name() or user.username


class AttemptForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = NokOutreachAttempt
        fields = ["date", "channel", "outcome", "note"]
        widgets = {"date": DATE}
        help_texts = {
            "note": gettext_lazy(
                "What to remember for the next try. Only the interviewer's team reads it."
            )
        }


class ConsentForm(VersionedForm):
    signed_form = forms.FileField(
        label=gettext_lazy("Signed consent form"),
        required=False,
        help_text=gettext_lazy("For written consent: the scanned form (PDF or image)."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    class Meta:
        model = NokInterview
        fields = ["consent_name", "consent_relationship", "consent_kind", "consent_on"]
        widgets = {"consent_on": DATE}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True
        self.upload_info = None

    def clean_signed_form(self):
        upload = self.cleaned_data.get("signed_form")
        if upload:
            self.upload_info = inspect_upload(upload)
        return upload


class InterviewForm(VersionedForm):
    class Meta:
        model = NokInterview
        fields = ["interviewed_on", "mode", "place", *INTERVIEW_TOPICS, "notes"]
        widgets = {"interviewed_on": DATE}
        help_texts = {
            "notes": gettext_lazy(
                "What the family told. Only the interviewer, coordinators and facilitators read it."
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interviewed_on"].required = True
        self.fields["mode"].required = True


class DebriefForm(VersionedForm):
    class Meta:
        model = NokInterview
        fields = ["debriefed", "debriefed_on"]
        widgets = {"debriefed_on": DATE}
        labels = {"debriefed": gettext_lazy("I have debriefed after this interview")}
        help_texts = {
            "debriefed": gettext_lazy(
                "Your self-care step. Coordinators see only how many interviews were debriefed."
            )
        }


class DoNotContactForm(VersionedForm):
    class Meta:
        model = NokInterview
        fields = ["do_not_contact_on"]
        widgets = {"do_not_contact_on": DATE}
        labels = {"do_not_contact_on": gettext_lazy("Date the family asked not to be contacted")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["do_not_contact_on"]
        field.required = True
        field.initial = timezone.localdate()


class TouchpointForm(USWDSFormMixin, forms.ModelForm):
    """A touchpoint the family told of. Not restricted: the team sees it, with
    its source, though not the interview."""

    class Meta:
        model = TimelineEvent
        fields = [
            "date",
            "date_precision",
            "system",
            "touchpoint_type",
            "description",
            "missed_opportunity",
        ]
        widgets = {"date": DATE}
        labels = {
            "system": gettext_lazy("System or sector"),
            "missed_opportunity": gettext_lazy("Missed opportunity"),
        }
        help_texts = {
            "date": gettext_lazy(
                "For a month or year only, enter its first day and choose the precision."
            ),
            "description": gettext_lazy(
                "What the contact was. No names, and nothing only the family could know."
            ),
        }

"""Forms of the meeting pages: the meeting, its status, agenda, roster,
signatures, the agreement text and packet copies."""

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from cases.models import Case
from cases.policy import TextGuard
from meetings.models import (
    AdoptedRecommendation,
    Attendance,
    Meeting,
    PacketCopy,
    ReportedUpdate,
    display_name,
)
from meetings.public_text import DECEDENT_NAME
from ofr.concurrency import VersionedForm
from ofr.forms import USWDSFormMixin
from ofr.models import Membership
from recommendations.models import ProgressUpdate, Recommendation

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def https_urls(field, **kwargs):
    """Links typed without a scheme are https (Django 6's default, said now)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class MeetingForm(VersionedForm):
    """The meeting's details; the team is chosen once, when it is created."""

    text_limits = {"minutes": 50_000}  # a long meeting's minutes

    class Meta:
        formfield_callback = https_urls
        model = Meeting
        fields = ["team", "title", "kind", "starts_at", "place", "video_link", "minutes"]
        widgets = {"starts_at": DateTimeInput(), "minutes": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "team": gettext_lazy("Team"),
            "title": gettext_lazy("Title"),
            "kind": gettext_lazy("Type of meeting"),
            "starts_at": gettext_lazy("Date and time"),
            "place": gettext_lazy("Place"),
            "video_link": gettext_lazy("Video link"),
            "minutes": gettext_lazy("Minutes"),
        }
        help_texts = {"video_link": gettext_lazy("Leave empty for an in-person meeting.")}

    def __init__(self, *args, teams=(), guard: TextGuard | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard  # for the minutes, which never name a decedent
        self.fields["starts_at"].input_formats = [DATETIME_FORMAT]
        if self.instance.pk:
            del self.fields["team"]
        else:
            del self.fields["opened_version"]
            del self.fields["minutes"]
            self.fields["team"].queryset = self.fields["team"].queryset.filter(
                pk__in=[t.pk for t in teams]
            )
            if len(teams) == 1:
                self.fields["team"].initial = teams[0].pk

    def clean_minutes(self) -> str:
        minutes = self.cleaned_data["minutes"]
        problem = self.guard.problem(minutes) if self.guard is not None else ""
        if problem:
            raise forms.ValidationError(problem)
        return minutes

    def _post_clean(self) -> None:
        """The model's own checks (Meeting.clean: a public summary's minutes).
        A name the public-summary check found is told to a writer who may not
        see the team's identifiers as the guard tells its own refusals: logged,
        counted, without the name."""
        super()._post_clean()
        errors = self._errors.get("minutes") if self._errors else None
        if not errors or self.guard is None or self.guard.sees_identifiers:
            return
        found = errors.as_data()
        if any(error.code == DECEDENT_NAME for error in found):
            kept = [error for error in found if error.code != DECEDENT_NAME]
            self._errors["minutes"] = self.error_class(renderer=self.renderer)
            self._errors["minutes"].extend(
                [*kept, forms.ValidationError(self.guard.refused_unseen(), code=DECEDENT_NAME)]
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        place, link = cleaned.get("place"), cleaned.get("video_link")
        if "place" in cleaned and "video_link" in cleaned and not place and not link:
            self.add_error("place", gettext("Give a place or a video link."))
        kind = cleaned.get("kind")
        if (
            self.instance.pk
            and kind == Meeting.Kind.PUBLIC_SUMMARY
            and self.instance.agenda_items.exists()
        ):
            self.add_error(
                "kind",
                gettext("A public summary carries no cases: take the cases off the agenda first."),
            )
        return cleaned


class MeetingStatusForm(USWDSFormMixin, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"))
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "Needed to close a meeting with packet copies outstanding: say why."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    opened_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (s, Meeting.Status(s).label) for s in meeting.allowed_statuses()
        ]
        self.fields["opened_version"].initial = meeting.version


class AgendaCaseForm(USWDSFormMixin, forms.Form):
    """Put a case on the agenda: the team's cases that are ready for review.
    Whether this meeting may take the case is Meeting.add_to_agenda's to say."""

    case = forms.UUIDField(label=gettext_lazy("Case"), widget=forms.Select)

    def __init__(self, *args, meeting: Meeting, cases, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cases = cases
        on_agenda = meeting.agenda_items.values("case_id")
        ready = cases.filter(team=meeting.team, status=Case.Status.READY_FOR_REVIEW).exclude(
            pk__in=on_agenda
        )
        self.fields["case"].widget.choices = [("", gettext("Choose a case"))] + [
            (str(c.code), c.reference) for c in ready.order_by("reference")
        ]

    def clean_case(self) -> Case:
        case = self.cases.filter(code=self.cleaned_data["case"]).first()
        if case is None:
            raise forms.ValidationError(gettext("That case is not one of this team's cases."))
        return case


class AgendaMoveForm(USWDSFormMixin, forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class AddMembersForm(USWDSFormMixin, forms.Form):
    """Put team members on the roster."""

    users = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Team members"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        members = (
            Membership.objects.filter(team=meeting.team)
            .active()
            .exclude(role__in=["guest", "agency_partner", "oversight", "governing_committee"])
            .values("user_id")
        )
        self.fields["users"].queryset = (
            get_user_model()
            .objects.filter(pk__in=members, is_active=True)
            .exclude(attendances__meeting=meeting)
            .order_by("last_name", "first_name", "username")
        )
        self.fields["users"].label_from_instance = lambda u: u.get_full_name() or u.username


class InviteGuestForm(USWDSFormMixin, forms.Form):
    """A guest or observer for this meeting only, by their account's user name or e-mail."""

    account = forms.CharField(
        label=gettext_lazy("User name or e-mail of the guest's account"),
        max_length=254,
        help_text=gettext_lazy("The system administrator creates accounts for guests."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Attends as"),
        choices=[
            (Attendance.Kind.GUEST, gettext_lazy("Guest (takes part in the review)")),
            (Attendance.Kind.OBSERVER, gettext_lazy("Observer")),
        ],
        widget=forms.RadioSelect,
        initial=Attendance.Kind.GUEST,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    def clean_account(self):
        account = self.cleaned_data["account"].strip()
        user = (
            get_user_model()
            .objects.filter(Q(username__iexact=account) | Q(email__iexact=account), is_active=True)
            .first()
        )
        if user is None:
            raise forms.ValidationError(
                gettext(
                    "No active account has that user name or e-mail. Ask the system administrator "
                    "to create one first."
                )
            )
        if Attendance.objects.filter(meeting=self.meeting, user=user).exists():
            raise forms.ValidationError(gettext("That person is already on the roster."))
        members = Membership.objects.filter(team=self.meeting.team, user=user).active()
        if members.exclude(role="guest").exists():
            raise forms.ValidationError(
                gettext("That person is a member of the team: add them as a team member.")
            )
        return user


class SignatureForm(USWDSFormMixin, forms.Form):
    typed_name = forms.CharField(
        label=gettext_lazy("Type your full name"),
        max_length=200,
        help_text=gettext_lazy("As on your account."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have read this confidentiality agreement and I agree to it for this meeting."
        ),
        required=True,
        error_messages={"required": gettext_lazy("Tick the box to confirm that you agree.")},
    )


class AgreementForm(USWDSFormMixin, forms.Form):
    text_limits = {"text": 50_000}  # an agreement of several pages
    text = forms.CharField(
        label=gettext_lazy("Agreement text"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy(
            "Saving makes a new version. Signatures keep the version they signed."
        ),
    )


class DisposeCopyForm(USWDSFormMixin, forms.Form):
    disposition = forms.ChoiceField(
        label=gettext_lazy("The copy was"),
        choices=[
            (PacketCopy.Disposition.COLLECTED, gettext_lazy("Collected")),
            (PacketCopy.Disposition.DESTROYED, gettext_lazy("Destroyed")),
        ],
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class PacketRecipientForm(USWDSFormMixin, forms.Form):
    """A manager's choice of recipient: the roster's signed attendees."""

    recipient = forms.ChoiceField(label=gettext_lazy("Prepare a packet for"))

    def __init__(self, *args, signed: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [(u.get_username(), display_name(u)) for u in signed]
        self.fields["recipient"].error_messages["invalid_choice"] = gettext(
            "Choose someone on the roster who has signed the confidentiality agreement for this "
            "meeting."
        )


class MeetingRecordForm(USWDSFormMixin, forms.Form):
    """What the meeting did with the team's recommendations: one adopted here,
    or one progress update reported here (or both)."""

    adopted = forms.ModelChoiceField(
        label=gettext_lazy("Recommendation adopted at this meeting"),
        queryset=Recommendation.objects.none(),
        to_field_name="code",
        required=False,
    )
    reported = forms.ModelChoiceField(
        label=gettext_lazy("Progress update reported at this meeting"),
        queryset=ProgressUpdate.objects.none(),
        to_field_name="code",
        required=False,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["adopted"].queryset = (
            Recommendation.objects.filter(team_id=meeting.team_id, adopted_on__isnull=False)
            .exclude(pk__in=AdoptedRecommendation.objects.values("recommendation_id"))
            .order_by("title")
        )
        self.fields["reported"].queryset = (
            ProgressUpdate.objects.filter(recommendation__team_id=meeting.team_id)
            .exclude(pk__in=ReportedUpdate.objects.values("update_id"))
            .select_related("recommendation")
            .order_by("-reported_on", "-id")
        )
        self.fields["reported"].label_from_instance = lambda update: (
            f"{update.recommendation.title}: {update.reported_on:%Y-%m-%d}, "
            f"{update.get_new_status_display().lower()}"
        )

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("adopted") and not data.get("reported"):
            raise forms.ValidationError(gettext("Choose a recommendation, an update, or both."))
        return data

"""Forms of facilitator mode: a quick finding and the minutes of one agenda case.

What is written during the meeting is non-identifying: the minutes (and a
quick finding's description) are refused when they contain a part of the
decedent's legal name or aliases, or the date of birth in a common format
(cases.policy.TextGuard, which also decides what the writer is told)."""

from django import forms
from django.utils.translation import gettext_lazy

from cases.forms.timeline import FindingForm
from cases.policy import TextGuard
from meetings.models import AgendaItem
from ofr.concurrency import VersionedForm


def refuse_identifying(text: str, guard: TextGuard | None) -> None:
    problem = guard.problem(text) if guard is not None else ""
    if problem:
        raise forms.ValidationError(problem)


class QuickFindingForm(FindingForm):
    """The case page's finding form, with a "confirmed by the team" box for
    those who may confirm findings. Instance: Finding(case=case, proposed_by=user),
    the case carrying viewer_permissions."""

    confirmed = forms.BooleanField(
        label=gettext_lazy("Confirmed by the team"),
        required=False,
        help_text=gettext_lazy("Tick when the team agreed on this finding in the meeting."),
    )

    def __init__(self, *args, guard: TextGuard | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        if "confirm_finding" not in self.instance.case.viewer_permissions:
            del self.fields["confirmed"]
        self.fields["description"].widget.attrs["rows"] = 3

    def clean_description(self) -> str:
        description = super().clean_description()
        refuse_identifying(description, self.guard)
        return description


class DiscussionForm(VersionedForm):
    """The non-identifying minutes of one agenda case."""

    class Meta:
        model = AgendaItem
        fields = ["discussion_notes", "recommendation_ideas"]
        labels = {
            "discussion_notes": gettext_lazy("Discussion notes"),
            "recommendation_ideas": gettext_lazy("Recommendation ideas"),
        }
        widgets = {
            "discussion_notes": forms.Textarea(attrs={"rows": 6}),
            "recommendation_ideas": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, guard: TextGuard | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard

    def clean_discussion_notes(self) -> str:
        text = self.cleaned_data["discussion_notes"].strip()
        refuse_identifying(text, self.guard)
        return text

    def clean_recommendation_ideas(self) -> str:
        text = self.cleaned_data["recommendation_ideas"].strip()
        refuse_identifying(text, self.guard)
        return text

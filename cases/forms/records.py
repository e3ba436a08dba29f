"""Forms for record requests to agencies.

The request window is required and kept to the minimum necessary
(45 CFR 164.502(b)): a window longer than WIDE_WINDOW_MONTHS is refused unless
the user confirms it is needed. The due date is never typed: it is computed
from the (re-)request date by the team's business-day rule.
"""

import calendar
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from cases import valuesets as vs
from cases.forms.part2 import check_part2_program, setup_not_part2_reason
from cases.models import RecordRequest
from ofr.concurrency import VersionedForm
from ofr.forms import USWDSFormMixin
from ofr.models import Agency

DATE = forms.DateInput(attrs={"type": "date"})
WIDE_WINDOW_MONTHS = 36
# A change to any of these moves the due date.
DUE_DATE_INPUTS = frozenset({"requested_on", "re_requested_on", "record_types"})


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def due_rule(team) -> str:
    return gettext(
        "The due date is computed, not typed: %(agency_days)s business days "
        "for an agency, %(health_days)s when a health-care record "
        "(hospital, outpatient, mental-health or SUD treatment) is asked for, skipping "
        "weekends and the team's holidays."
    ) % {
        "agency_days": team.agency_record_due_days,
        "health_days": team.health_care_record_due_days,
    }


class RequestRules(forms.Form):
    """Fields and validation shared by the add and edit forms (the model's
    clean() adds the rest). A Form, so that its declared fields are inherited."""

    record_types = forms.MultipleChoiceField(
        label=gettext_lazy("Record types"),
        choices=vs.RecordType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one record type.")},
    )
    confirm_wide_window = forms.BooleanField(
        label=gettext_lazy("I confirm the wider window is necessary"),
        required=False,
        help_text=format_lazy(
            gettext_lazy(
                "Only for a window longer than {months} months. Ask for the minimum "
                "necessary (45 CFR 164.502(b)): the default is the 24 months before death."
            ),
            months=WIDE_WINDOW_MONTHS,
        ),
    )

    def setup_fields(self) -> None:
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        self.fields["agency"].empty_label = gettext("- Choose an agency -")
        self.fields["legal_basis"].choices = [
            ("", gettext("- Choose the legal basis -")),
            *vs.LegalBasis.choices,
        ]

    def clean_requested_on(self):
        return self._not_in_future(
            "requested_on", gettext("The request date cannot be in the future.")
        )

    def clean_window_start(self):
        return self._not_in_future(
            "window_start", gettext("The window cannot start in the future.")
        )

    def clean_window_end(self):
        return self._not_in_future("window_end", gettext("The window cannot end in the future."))

    def _not_in_future(self, name: str, message: str):
        value = self.cleaned_data.get(name)
        if value and value > timezone.localdate():
            raise forms.ValidationError(message)
        return value

    def window_changed(self) -> bool:
        """A wide window is confirmed once: editing the answer later does not ask again."""
        return self.instance._state.adding or bool(
            {"window_start", "window_end"} & set(self.changed_data)
        )

    def clean(self):
        cleaned = super().clean()
        check_part2_program(self, cleaned)
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end and start > end:
            self.add_error("window_end", gettext("The window must end after it starts."))
        elif (
            start
            and end
            and start < months_before(end, WIDE_WINDOW_MONTHS)
            and self.window_changed()
            and not cleaned.get("confirm_wide_window")
        ):
            self.add_error(
                "confirm_wide_window",
                gettext(
                    "This window is longer than %(months)s months. Ask only for the "
                    "minimum necessary (45 CFR 164.502(b)): shorten the window, or confirm that "
                    "the wider window is necessary."
                )
                % {"months": WIDE_WINDOW_MONTHS},
            )
        return cleaned


class RequestForm(RequestRules, USWDSFormMixin, forms.ModelForm):
    """A new request. The instance comes with its case and the default window."""

    class Meta:
        model = RecordRequest
        fields = [
            "agency",
            "record_types",
            "legal_basis",
            "window_start",
            "window_end",
            "confirm_wide_window",
            "requested_on",
            "not_part2_reason",
        ]
        widgets = {"window_start": DATE, "window_end": DATE, "requested_on": DATE}
        labels = {
            "window_start": gettext_lazy("Records from"),
            "window_end": gettext_lazy("Records to"),
        }
        help_texts = {
            "window_start": gettext_lazy(
                "The default window is the 24 months before the date of death."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_fields()
        self.fields["requested_on"].help_text = due_rule(self.instance.case.team)
        setup_not_part2_reason(self, self.instance.case.viewer)


class RequestEditForm(RequestRules, VersionedForm):
    """A request's answer, re-request and details. A change to the request or
    re-request date or to the record types recomputes the due date."""

    class Meta:
        model = RecordRequest
        fields = [
            "agency",
            "record_types",
            "legal_basis",
            "window_start",
            "window_end",
            "confirm_wide_window",
            "requested_on",
            "re_requested_on",
            "outcome",
            "answered_on",
            "withheld_reason",
            "not_part2_reason",
        ]
        widgets = {
            "window_start": DATE,
            "window_end": DATE,
            "requested_on": DATE,
            "re_requested_on": DATE,
            "answered_on": DATE,
        }
        labels = {
            "window_start": gettext_lazy("Records from"),
            "window_end": gettext_lazy("Records to"),
            "re_requested_on": gettext_lazy("Re-requested on"),
            "answered_on": gettext_lazy("Answered on"),
            "withheld_reason": gettext_lazy("Reason withheld"),
        }
        help_texts = {
            "answered_on": gettext_lazy("The date the records arrived, or the agency answered."),
            "withheld_reason": gettext_lazy("Required when the records are withheld."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_fields()
        self.fields["withheld_reason"].choices = [
            ("", gettext("- Not withheld -")),
            *vs.WithheldReason.choices,
        ]
        setup_not_part2_reason(self, self.instance.case.viewer)
        request = self.instance
        self.fields["re_requested_on"].help_text = (
            gettext("Currently due %(due)s. A re-request restarts the clock.")
            % {"due": f"{request.due_on:%Y-%m-%d}"}
            + " "
            + due_rule(request.case.team)
        )

    def clean_re_requested_on(self):
        return self._not_in_future(
            "re_requested_on", gettext("The re-request date cannot be in the future.")
        )

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        answered, requested = cleaned.get("answered_on"), cleaned.get("requested_on")
        if outcome == RecordRequest.Outcome.PENDING and answered:
            self.add_error(
                "answered_on",
                gettext(
                    "A request awaiting an answer has no answer date: choose the outcome, "
                    "or clear the date."
                ),
            )
        if answered and requested and answered < requested:
            self.add_error("answered_on", gettext("The answer cannot come before the request."))
        if outcome and outcome != RecordRequest.Outcome.WITHHELD:
            cleaned["withheld_reason"] = ""  # a reason only goes with withheld records
        return cleaned

    def save(self, commit: bool = True) -> RecordRequest:
        request = super().save(commit=False)
        if DUE_DATE_INPUTS & set(self.changed_data):
            request.due_on = request.compute_due_on()
        if commit:
            request.save()
            self.save_m2m()
        return request

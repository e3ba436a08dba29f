"""Forms for timeline events (touchpoints), notes and findings.

Each form takes its instance with `case` set, and the case carries the
confidentiality policy's view of the user (`case.viewer`, from
cases/access.py): the choices offered (source documents, sensitivity
categories, events to link) are only those the viewer may see."""

from django import forms
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from cases.forms.part2 import check_part2_program, setup_not_part2_reason
from cases.models import Finding, FindingEvent, Note, TimelineEvent
from cases.policy import shown_choices
from ofr.concurrency import VersionedForm
from ofr.forms import USWDSFormMixin
from ofr.models import Agency

DATE = forms.DateInput(attrs={"type": "date"})


def limit_sensitivity(field: forms.ChoiceField, viewer) -> None:
    """Offer only the categories the viewer may file in: nobody files an item
    they would then be unable to open. A value outside them is refused as invalid."""
    allowed = {"", *viewer.fileable_categories()}
    field.choices = [(value, label) for value, label in field.choices if value in allowed]


def visible_events(case, viewer):
    """The case's touchpoints the policy shows the viewer, as a queryset, and
    the notice their labels call for."""
    ids, notice = shown_choices(case.timeline_events.select_related("agency"), viewer)
    return case.timeline_events.filter(pk__in=ids), notice


# --- Timeline events -----------------------------------------------------------


class EventForm(USWDSFormMixin, forms.ModelForm):
    """A touchpoint. The model's clean() refuses dates in the future and after
    the date of death (the instance has its case before validation)."""

    class Meta:
        model = TimelineEvent
        fields = [
            "date",
            "date_precision",
            "system",
            "agency",
            "touchpoint_type",
            "description",
            "source_document",
            "sensitivity",
            "not_part2_reason",
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
            "description": gettext_lazy("What happened, from the record. No names."),
            "source_document": gettext_lazy(
                "The document this touchpoint comes from, if it is uploaded."
            ),
            "missed_opportunity": gettext_lazy("A point where a system could have intervened."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        case = self.instance.case
        viewer = case.viewer
        self.fields["agency"].queryset = Agency.objects.order_by("name")
        # Choices are labelled with their titles: a Part 2 title brings the notice.
        ids, self.part2_notice = shown_choices(case.documents.all(), viewer)
        self.fields["source_document"].queryset = case.documents.filter(pk__in=ids).order_by(
            "title"
        )
        self.fields["source_document"].label_from_instance = lambda document: document.title
        limit_sensitivity(self.fields["sensitivity"], viewer)
        setup_not_part2_reason(self, viewer)

    def clean(self):
        cleaned = super().clean()
        check_part2_program(self, cleaned)
        document = cleaned.get("source_document")
        sensitivity = cleaned.get("sensitivity", "")
        if document is not None and document.sensitivity and sensitivity != document.sensitivity:
            self.add_error(
                "sensitivity",
                gettext(
                    "The source document is %(category)s: give the touchpoint the same category."
                )
                % {"category": document.get_sensitivity_display()},
            )
        return cleaned


class EventEditForm(VersionedForm, EventForm):
    class Meta(EventForm.Meta):
        pass


# --- Notes -----------------------------------------------------------------------


class NoteForm(USWDSFormMixin, forms.ModelForm):
    """A note on the case, or on one timeline event (instance.timeline_event)."""

    class Meta:
        model = Note
        fields = ["text", "sensitivity"]
        labels = {"text": gettext_lazy("Note")}
        help_texts = {
            "sensitivity": gettext_lazy(
                "Leave empty unless the note repeats content from a protected "
                "record. A note on a protected touchpoint is protected like the touchpoint."
            )
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit_sensitivity(self.fields["sensitivity"], self.instance.case.viewer)

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(gettext("Write the note."))
        return text

    def clean_sensitivity(self) -> str:
        sensitivity = self.cleaned_data["sensitivity"]
        event = self.instance.timeline_event
        if event is not None and event.sensitivity and sensitivity not in ("", event.sensitivity):
            # A different category would let people who may not see the touchpoint read the note.
            raise forms.ValidationError(
                gettext(
                    "This touchpoint is %(category)s: its notes keep that "
                    "category. Leave this empty."
                )
                % {"category": event.get_sensitivity_display()}
            )
        return sensitivity


class NoteEditForm(VersionedForm, NoteForm):
    class Meta(NoteForm.Meta):
        pass


# --- Findings --------------------------------------------------------------------


class EventChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, event: TimelineEvent) -> str:
        return f"{event.date:%Y-%m-%d}: {event.get_touchpoint_type_display()}"


def save_finding_links(finding: Finding, chosen, visible) -> None:
    """Link the chosen events and unlink the other visible ones, one row at a
    time so that each link keeps its history. Links to events the editor may
    not see are left alone."""
    chosen_ids = {event.pk for event in chosen}
    visible_ids = set(visible.values_list("pk", flat=True))
    with transaction.atomic():
        linked = FindingEvent.objects.filter(finding=finding).select_related("event")
        present = set()
        for link in linked:
            present.add(link.event_id)
            if link.event_id in visible_ids and link.event_id not in chosen_ids:
                link._change_reason = "Touchpoint unlinked from finding"
                link.delete()
        for event in chosen:
            if event.pk not in present:
                link = FindingEvent(finding=finding, event=event)
                link._change_reason = "Touchpoint linked to finding"
                link.save()


class FindingForm(USWDSFormMixin, forms.ModelForm):
    linked_events = EventChoiceField(
        label=gettext_lazy("Touchpoints behind this finding"),
        queryset=TimelineEvent.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Finding
        fields = ["kind", "system", "description", "sensitivity"]
        labels = {"system": gettext_lazy("System or sector")}
        help_texts = {
            "description": gettext_lazy(
                "Blame-neutral: describe what the system missed or did, not who "
                "is to blame. No names of the decedent, family or staff."
            ),
            "sensitivity": gettext_lazy(
                "Leave empty unless the finding rests on a protected record; a "
                "finding linked to a protected touchpoint takes its category."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        case = self.instance.case
        limit_sensitivity(self.fields["sensitivity"], case.viewer)
        self.visible, self.part2_notice = visible_events(case, case.viewer)
        self.fields["linked_events"].queryset = self.visible
        if self.instance.pk:
            self.fields["linked_events"].initial = list(
                self.visible.filter(findings=self.instance).values_list("pk", flat=True)
            )

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise forms.ValidationError(gettext("Describe the finding."))
        return description

    def clean(self) -> dict:
        cleaned = super().clean()
        linked = {e.sensitivity for e in cleaned.get("linked_events") or () if e.sensitivity}
        chosen = cleaned.get("sensitivity", "")
        if len(linked) > 1:
            self.add_error(
                "linked_events",
                gettext(
                    "These touchpoints are in different protected categories; "
                    "write one finding for each."
                ),
            )
        elif linked:
            category = linked.pop()
            if chosen and chosen != category:
                self.add_error(
                    "sensitivity",
                    gettext(
                        "A finding linked to a protected touchpoint keeps "
                        "the touchpoint's category."
                    ),
                )
            cleaned["sensitivity"] = category
            self.instance.sensitivity = category
        return cleaned

    def _save_m2m(self) -> None:
        # Called by save() (or save_m2m() after save(commit=False)), inside the
        # caller's transaction: the links change with the finding or not at all.
        super()._save_m2m()
        save_finding_links(self.instance, self.cleaned_data["linked_events"], self.visible)


class FindingEditForm(VersionedForm, FindingForm):
    class Meta(FindingForm.Meta):
        pass

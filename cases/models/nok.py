"""Next-of-kin interviews: a trained interviewer talks with the decedent's family
(the BJA next-of-kin interview guide) to learn the contacts no agency at the
table knows about.

Who reads an interview is the confidentiality policy's (cases/policy.py,
`may_see_interview`): its interviewer, the team's coordinators and facilitators.
What others learn of it is the touchpoints its interviewer extracts onto the
timeline (TimelineEvent.from_nok_interview), never the interview itself.

str() names an interview by code and carries none of its content."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.case import Case
from cases.models.sections import tristate
from ofr.concurrency import EditConflict, changes_since
from ofr.files import get_private_storage

DO_NOT_CONTACT_REFUSAL = _(
    "The family asked not to be contacted again: no further outreach may be recorded."
)

# The structured topics of the interview (BJA next-of-kin guide), each
# yes / no / unknown / not collected. Field name -> label.
INTERVIEW_TOPICS = {
    "substance_use_known": _("substance use history known to the family"),
    "prior_overdoses": _("prior overdoses"),
    "treatment_attempts": _("treatment attempts"),
    "treatment_barriers": _("barriers to treatment"),
    "criminal_legal_contact": _("contact with the criminal legal system"),
    "mental_health": _("mental health concerns"),
    "housing_instability": _("housing instability"),
    "recent_loss": _("recent life events or loss"),
    "naloxone_in_home": _("naloxone in the home"),
}


def consent_path(interview: NokInterview, filename: str) -> str:
    # The stored name carries no part of the uploaded name (it may name the family).
    return f"cases/{interview.case.code}/nok-{uuid.uuid4().hex}{interview.consent_extension}"


class NokInterview(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        OUTREACH = "outreach", _("Outreach under way")
        CONSENTED = "consented", _("Consented")
        INTERVIEWED = "interviewed", _("Interviewed")
        DECLINED = "declined", _("Declined")
        DO_NOT_CONTACT = "do_not_contact", _("Do not contact")

    class ConsentKind(models.TextChoices):
        VERBAL = "verbal", _("Verbal")
        WRITTEN = "written", _("Written")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        PHONE = "phone", _("By phone")
        VIDEO = "video", _("By video call")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="nok_interviews")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_on = models.DateField(default=timezone.localdate)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ASSIGNED)

    # Consent: who agreed, how and when; a written consent's signed form.
    consent_name = models.CharField(_("family member's name"), max_length=200, blank=True)
    consent_relationship = models.CharField(
        _("relationship to the decedent"), max_length=100, blank=True
    )
    consent_kind = models.CharField(
        _("consent given"), max_length=10, choices=ConsentKind.choices, blank=True
    )
    consent_on = models.DateField(_("date of consent"), null=True, blank=True)
    consent_file = models.FileField(
        _("signed consent form"),
        storage=get_private_storage,
        upload_to=consent_path,
        max_length=200,
        blank=True,
    )
    consent_original_name = models.CharField(max_length=255, blank=True)
    consent_extension = models.CharField(max_length=10, blank=True)
    consent_content_type = models.CharField(max_length=100, blank=True)
    consent_size = models.PositiveBigIntegerField(null=True, blank=True)
    consent_sha256 = models.CharField(max_length=64, blank=True)

    # The interview.
    interviewed_on = models.DateField(_("date of the interview"), null=True, blank=True)
    mode = models.CharField(_("how"), max_length=20, choices=Mode.choices, blank=True)
    place = models.CharField(
        _("place"),
        max_length=200,
        blank=True,
        help_text=_("Where you met (leave empty for a call)."),
    )
    substance_use_known = tristate(INTERVIEW_TOPICS["substance_use_known"])
    prior_overdoses = tristate(INTERVIEW_TOPICS["prior_overdoses"])
    treatment_attempts = tristate(INTERVIEW_TOPICS["treatment_attempts"])
    treatment_barriers = tristate(INTERVIEW_TOPICS["treatment_barriers"])
    criminal_legal_contact = tristate(INTERVIEW_TOPICS["criminal_legal_contact"])
    mental_health = tristate(INTERVIEW_TOPICS["mental_health"])
    housing_instability = tristate(INTERVIEW_TOPICS["housing_instability"])
    recent_loss = tristate(INTERVIEW_TOPICS["recent_loss"])
    naloxone_in_home = tristate(INTERVIEW_TOPICS["naloxone_in_home"])
    notes = models.TextField(_("interview notes"), blank=True)

    # The family's wish not to be contacted again: it ends the outreach.
    do_not_contact_on = models.DateField(null=True, blank=True)
    do_not_contact_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The interviewer's self-care step after a hard conversation.
    debriefed = models.BooleanField(_("debriefed"), default=False)
    debriefed_on = models.DateField(_("date of the debrief"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assigned_on", "id"]

    def __str__(self) -> str:
        return f"Next-of-kin interview {str(self.code)[:8]}"

    @property
    def consent_written(self) -> bool | None:
        return self.consent_kind == self.ConsentKind.WRITTEN if self.consent_kind else None

    @property
    def do_not_contact(self) -> bool:
        return self.do_not_contact_on is not None

    @property
    def topics(self) -> list[tuple[str, str]]:
        """(label, answer) of each structured topic."""
        return [
            (label, getattr(self, f"get_{name}_display")())
            for name, label in INTERVIEW_TOPICS.items()
        ]

    # --- Changes, each with its history row's author and reason ---------------------

    def save_as(self, *, by, reason: str, opened_version: int | None = None) -> None:
        """Save with history. With `opened_version` (the version a form was
        opened at), refuse with EditConflict, saving nothing, when someone has
        saved the interview since: the row is locked while it is compared."""
        with transaction.atomic():
            if self.pk is not None:
                current = type(self).objects.select_for_update().get(pk=self.pk)
                if opened_version is not None and current.version != opened_version:
                    raise EditConflict(current, *changes_since(current, opened_version))
                self.version = current.version + 1
            self._history_user = by
            self._change_reason = reason
            self.save()

    def record_attempt(self, attempt: NokOutreachAttempt, *, by) -> None:
        """Save an outreach attempt (refused after a do-not-contact wish) and
        move the interview along: a family reached that declined ends it."""
        if self.do_not_contact:
            raise ValidationError(DO_NOT_CONTACT_REFUSAL)
        attempt.interview = self
        attempt.recorded_by = by
        attempt._history_user = by
        attempt._change_reason = "Outreach attempt recorded"
        attempt.save()
        if attempt.outcome == NokOutreachAttempt.Outcome.REACHED_DECLINED:
            self.status = self.Status.DECLINED
        elif self.status == self.Status.ASSIGNED:
            self.status = self.Status.OUTREACH
        else:
            return
        self.save_as(by=by, reason="Outreach attempt recorded")

    def record_consent(self, *, by, opened_version: int | None = None) -> None:
        if self.status in (self.Status.ASSIGNED, self.Status.OUTREACH, self.Status.DECLINED):
            self.status = self.Status.CONSENTED
        self.save_as(by=by, reason="Consent recorded", opened_version=opened_version)

    def record_interview(self, *, by, opened_version: int | None = None) -> None:
        self.status = self.Status.INTERVIEWED
        self.save_as(by=by, reason="Interview recorded", opened_version=opened_version)

    def record_do_not_contact(self, *, by, opened_version: int | None = None) -> None:
        """The wish blocks outreach; an interview already held stays interviewed."""
        self.do_not_contact_by = by
        if self.status != self.Status.INTERVIEWED:
            self.status = self.Status.DO_NOT_CONTACT
        self.save_as(
            by=by, reason="Family asked not to be contacted", opened_version=opened_version
        )

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        for field in ("consent_on", "interviewed_on", "do_not_contact_on", "debriefed_on"):
            value = getattr(self, field)
            if value and value > today:
                errors[field] = gettext("This date cannot be in the future.")
        if self.debriefed and not self.debriefed_on:
            errors["debriefed_on"] = gettext("Give the date of the debrief.")
        if self.consent_kind and not (self.consent_name and self.consent_on):
            errors["consent_name"] = gettext("Say who consented, and when.")
        if self.interviewed_on and not self.consent_kind:
            errors["interviewed_on"] = gettext("Record the family's consent before the interview.")
        if errors:
            raise ValidationError(errors)


class NokOutreachAttempt(models.Model):
    """One try at reaching the family: refused once they asked not to be contacted."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("E-mail")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", _("No answer")
        LEFT_MESSAGE = "left_message", _("Left a message")
        REACHED_DECLINED = "reached_declined", _("Reached, declined")
        REACHED_AGREED = "reached_agreed", _("Reached, agreed")
        RETURNED_MAIL = "returned_mail", _("Mail returned")
        OTHER = "other", _("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interview = models.ForeignKey(NokInterview, on_delete=models.CASCADE, related_name="attempts")
    date = models.DateField(default=timezone.localdate)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"Outreach attempt {str(self.code)[:8]}"

    def clean(self) -> None:
        if self.interview_id and self.interview.do_not_contact:
            raise ValidationError(DO_NOT_CONTACT_REFUSAL)
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": gettext("An attempt cannot be in the future.")})

"""A law-enforcement or prosecutor member's request that the team defer a case
while an investigation or prosecution runs. The coordinator grants it by
deferring the case (Case.move_to) or declines it with a reason."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases import valuesets as vs
from cases.models.case import Case


class DeferralRequestQuerySet(models.QuerySet):
    def open(self) -> DeferralRequestQuerySet:
        return self.filter(resolved_at__isnull=True)


class DeferralRequest(models.Model):
    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Granted")
        DECLINED = "declined", _("Declined")

    # Records outstanding is the coordinator's own call, not law enforcement's.
    REASONS = (vs.DeferralReason.ACTIVE_INVESTIGATION, vs.DeferralReason.PROSECUTION_PENDING)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deferral_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(
        max_length=40, choices=[(r.value, r.label) for r in REASONS], verbose_name=_("why defer")
    )
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text=_(
            "Optional, short: what the team should know (e.g. when charges are expected). No names."
        ),
    )
    requested_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    decline_reason = models.CharField(
        max_length=300, blank=True, help_text=_("Why the team will not defer the case. No names.")
    )
    history = HistoricalRecords()

    objects = DeferralRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per case; the second asker reads the first.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(resolved_at__isnull=True),
                name="deferral_request_one_open",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True, outcome="")
                | models.Q(resolved_at__isnull=False, outcome__in=["granted", "declined"]),
                name="deferral_request_outcome_when_resolved",
            ),
        ]

    def __str__(self) -> str:
        return f"Deferral request on {self.case.reference}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @classmethod
    def problem_asking(cls, case: Case) -> str:
        """Why no deferral can be asked for on this case now, or ''."""
        if case.status == Case.Status.DEFERRED:
            return gettext("Case %(reference)s is already deferred.") % {
                "reference": case.reference
            }
        if case.status not in Case.OPEN_STATUSES:
            return gettext("Case %(reference)s is %(status)s: it can no longer be deferred.") % {
                "reference": case.reference,
                "status": case.get_status_display().lower(),
            }
        if cls.objects.open().filter(case=case).exists():
            return gettext(
                "A deferral of case %(reference)s has already been asked for; "
                "the coordinator will decide on it."
            ) % {"reference": case.reference}
        return ""

    @classmethod
    def ask(cls, case: Case, *, by, reason: str, note: str = "") -> DeferralRequest:
        """Record the request (who may ask is the view's access check)."""
        if reason not in cls.REASONS:
            raise ValidationError(
                gettext("Choose an active investigation or a pending prosecution.")
            )
        request = cls(case=case, requested_by=by, reason=reason, note=note.strip())
        try:
            with transaction.atomic():
                problem = cls.problem_asking(case)
                if problem:
                    raise ValidationError(problem)
                request.full_clean()
                request._history_user = by
                request._change_reason = "Deferral requested"
                request.save()
        except IntegrityError:
            # Two askers at once: the constraint kept the first.
            raise ValidationError(
                cls.problem_asking(case) or gettext("The request was not saved.")
            ) from None
        return request

    def resolve(self, outcome: str, *, by, reason: str = "") -> None:
        """Grant (the case was deferred) or decline (with a reason) the request."""
        reason = reason.strip()
        if not self.is_open:
            raise ValidationError(gettext("This request has already been decided."))
        if outcome == self.Outcome.DECLINED and not reason:
            raise ValidationError(gettext("Say why the case will not be deferred."))
        if len(reason) > 300:
            raise ValidationError(gettext("Keep the reason to 300 characters."))
        self.outcome = outcome
        self.resolved_at = timezone.now()
        self.resolved_by = by
        self.decline_reason = reason if outcome == self.Outcome.DECLINED else ""
        self._history_user = by
        self._change_reason = (
            f"Deferral declined ({reason})"
            if outcome == self.Outcome.DECLINED
            else "Deferral granted: case deferred"
        )
        self.save()

    def decline(self, *, by, reason: str) -> None:
        self.resolve(self.Outcome.DECLINED, by=by, reason=reason)

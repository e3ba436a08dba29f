"""The case, its lifecycle and its object-permission tables."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from cases import valuesets as vs
from cases.formversions import current_version
from cases.signals import case_deferred
from ofr.models import Team
from ofr.roles import CASE_PERMISSIONS, Role, SensitiveCategory, category_permission

MAX_AGE = 120


class CaseQuerySet(models.QuerySet):
    def deferrals_due(self, on: date) -> CaseQuerySet:
        """Deferred cases whose review-by date has come: the coordinator decides
        whether the deferral still holds."""
        return self.filter(status=Case.Status.DEFERRED, deferral_review_on__lte=on).order_by(
            "deferral_review_on", "reference"
        )

    def with_open_deferral_requests(self) -> CaseQuerySet:
        """Cases someone asked to defer and nobody has decided on yet, each with
        its `open_deferral_requests`."""
        from cases.models.deferral import DeferralRequest

        open_requests = DeferralRequest.objects.open()
        return (
            self.filter(models.Exists(open_requests.filter(case=models.OuterRef("pk"))))
            .prefetch_related(
                models.Prefetch(
                    "deferral_requests",
                    queryset=open_requests.select_related("requested_by"),
                    to_attr="open_deferral_requests",
                )
            )
            .order_by("reference")
        )


class Case(models.Model):
    """One death under review, addressed by an unguessable code."""

    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("Identified")
        AWAITING_INFORMATION = "awaiting_information", _("Awaiting toxicology / investigation")
        SELECTED = "selected", _("Selected for review")
        RECORDS_REQUESTED = "records_requested", _("Records requested")
        SUMMARY_IN_PREPARATION = "summary_in_preparation", _("Summary in preparation")
        READY_FOR_REVIEW = "ready_for_review", _("Ready for review")
        REVIEWED = "reviewed", _("Reviewed")
        CLOSED = "closed", _("Closed")
        EXCLUDED = "excluded", _("Excluded")
        DEFERRED = "deferred", _("Deferred")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(
        max_length=30, help_text=_("The team's own case number, e.g. RIV-2025-004. No names.")
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.IDENTIFIED)
    summary = models.TextField(
        blank=True,
        help_text=_("De-identified case summary: no names, dates of birth or addresses."),
    )
    exclusion_reason = models.CharField(
        max_length=40, choices=vs.ExclusionReason.choices, blank=True
    )
    deferral_reason = models.CharField(max_length=40, choices=vs.DeferralReason.choices, blank=True)
    deferral_review_on = models.DateField(
        _("review the deferral by"),
        null=True,
        blank=True,
        help_text=_("Set when the case is deferred, from the team's deferral review period."),
    )
    status_note = models.CharField(
        max_length=300, blank=True, help_text=_("Why the status last changed.")
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    form_version = models.PositiveSmallIntegerField(
        default=current_version,
        help_text=_(
            "The case-file form version the case was reviewed under "
            "(cases/formversions.py): set when it moves to reviewed."
        ),
    )
    completeness_override_reason = models.CharField(
        max_length=300,
        blank=True,
        help_text=_(
            "Why a coordinator moved the case to reviewed or closed with more items "
            "not collected than the team allows."
        ),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = CaseQuerySet.as_manager()

    # The lifecycle (docs/sources.md B2). Excluded and deferred need a reason; a
    # deferred case resumes where the team decides.
    TRANSITIONS: dict[str, set[str]] = {
        Status.IDENTIFIED: {Status.AWAITING_INFORMATION, Status.SELECTED},
        Status.AWAITING_INFORMATION: {Status.IDENTIFIED, Status.SELECTED},
        Status.SELECTED: {Status.RECORDS_REQUESTED, Status.SUMMARY_IN_PREPARATION},
        Status.RECORDS_REQUESTED: {Status.SUMMARY_IN_PREPARATION},
        Status.SUMMARY_IN_PREPARATION: {Status.RECORDS_REQUESTED, Status.READY_FOR_REVIEW},
        Status.READY_FOR_REVIEW: {Status.SUMMARY_IN_PREPARATION, Status.REVIEWED},
        Status.REVIEWED: {Status.READY_FOR_REVIEW, Status.CLOSED},
        Status.CLOSED: {Status.REVIEWED},
        Status.EXCLUDED: {Status.IDENTIFIED},
        # Deferred again: the coordinator extends the deferral (a new review-by date).
        Status.DEFERRED: {
            Status.DEFERRED,
            Status.IDENTIFIED,
            Status.AWAITING_INFORMATION,
            Status.SELECTED,
            Status.RECORDS_REQUESTED,
            Status.SUMMARY_IN_PREPARATION,
        },
    }
    # Any open case may be excluded or deferred.
    OPEN_STATUSES = {
        Status.IDENTIFIED,
        Status.AWAITING_INFORMATION,
        Status.SELECTED,
        Status.RECORDS_REQUESTED,
        Status.SUMMARY_IN_PREPARATION,
        Status.READY_FOR_REVIEW,
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("annotate_case", "Annotate the case"),
            ("view_identifiers", "View decedent identifiers"),
            ("view_access_log", "View who accessed the case"),
            ("confirm_finding", "Confirm proposed findings"),
            (
                "view_deferred_investigative",
                "View law-enforcement investigative material while the case is deferred",
            ),
        ] + [(category_permission(c.value), f"View {c.label} content") for c in SensitiveCategory]
        constraints = [
            models.UniqueConstraint(fields=["team", "reference"], name="case_unique_reference"),
        ]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="case_team_created"),
            # The case list's default order (measured with manage.py bench).
            models.Index(fields=["-created_at", "-id"], name="case_created"),
        ]

    def __str__(self) -> str:
        return self.reference

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._saved_team_id = self.team_id

    def save(self, *args, sections: dict[str, dict] | None = None, **kwargs) -> None:
        """`sections`: a new case's first section values by section name
        ("death": {"manner": ...}), saved in the sections' first history rows."""
        with transaction.atomic():
            adding = self._state.adding
            team_changed = adding or self.team_id != self._saved_team_id
            super().save(*args, **kwargs)
            if team_changed:
                self.grant_team_access()
                self._saved_team_id = self.team_id
            if adding:
                self.create_sections(sections or {})

    def create_sections(self, values: dict[str, dict]) -> None:
        """Every case has its one-to-one sections from the start, so that each
        has one history from its first edit and pages never test for absence."""
        from cases.models.sections import (
            Circumstances,
            DeathDetails,
            Decedent,
            DecedentIdentifiers,
        )

        for name, model in (
            ("decedent", Decedent),
            ("identifiers", DecedentIdentifiers),
            ("death", DeathDetails),
            ("circumstances", Circumstances),
        ):
            section = model(case=self, **values.get(name, {}))
            section._history_user = getattr(self, "_history_user", None) or self.created_by
            # An import names its file and row here, as on the case.
            section._change_reason = getattr(self, "_change_reason", None) or "Case created"
            section.save()

    def allowed_statuses(self) -> list[str]:
        allowed = set(self.TRANSITIONS[self.status])
        if self.status in self.OPEN_STATUSES:
            allowed |= {self.Status.EXCLUDED, self.Status.DEFERRED}
        return [s for s in self.Status.values if s in allowed]

    def move_to(
        self,
        status: str,
        *,
        by,
        note: str = "",
        exclusion_reason: str = "",
        deferral_reason: str = "",
        completeness_reason: str = "",
    ) -> list:
        """Change the lifecycle status, recording who, when and why (in the
        case's history, with the note as the change reason).

        Deferring sets the review-by date from the team's period, grants open
        deferral requests and tells the apps above (cases/signals.py: the
        meetings take the case off planned agendas); it returns what they did,
        in sentences for the person who deferred it (else an empty list).

        Reviewed and closed need the case file complete enough for the team
        (cases/completeness.py); `completeness_reason`, a coordinator's reason
        to go ahead anyway (the caller checks who may give one), is kept on
        the case. Moving to reviewed records the current form version."""
        if status not in self.allowed_statuses():
            raise ValidationError(
                gettext("A case that is %(current)s cannot move to %(new)s.")
                % {
                    "current": self.get_status_display().lower(),
                    "new": (
                        self.Status(status).label.lower()
                        if status in self.Status.values
                        else status
                    ),
                }
            )
        if status == self.Status.EXCLUDED and exclusion_reason not in vs.ExclusionReason.values:
            raise ValidationError(gettext("Say why the case is excluded."))
        if status == self.Status.DEFERRED and deferral_reason not in vs.DeferralReason.values:
            raise ValidationError(gettext("Say why the case is deferred."))
        from cases.completeness import REVIEW_STATUSES, completeness_refusal

        completeness_reason = completeness_reason.strip()
        refusal = completeness_refusal(self, status)
        if refusal and not completeness_reason:
            raise ValidationError(refusal)
        if status in REVIEW_STATUSES:
            self.completeness_override_reason = completeness_reason if refusal else ""
        if status == self.Status.REVIEWED:
            self.form_version = current_version()
        deferring = status == self.Status.DEFERRED
        self.status = status
        self.exclusion_reason = exclusion_reason if status == self.Status.EXCLUDED else ""
        self.deferral_reason = deferral_reason if deferring else ""
        # Set and cleared in the status change's own save, so one history row shows both.
        self.deferral_review_on = (
            timezone.localdate() + timedelta(days=self.team.deferral_review_days)
            if deferring
            else None
        )
        self.status_note = note.strip()
        self.status_changed_at = timezone.now()
        self.status_changed_by = by
        self.version += 1
        self._history_user = by
        with translation.override("en"):  # the history stays in English
            label = str(self.Status(status).label)
        self._change_reason = f"Status: {label}" + (f" ({note.strip()})" if note.strip() else "")
        if refusal:
            self._change_reason += f"; completeness override: {completeness_reason}"
        with transaction.atomic():
            self.save()
            if not deferring:
                return []
            done = [said for _, said in case_deferred.send(Case, case=self, by=by) if said]
            self.grant_deferral_requests(by=by)
        return done

    def grant_deferral_requests(self, *, by) -> None:
        from cases.models.deferral import DeferralRequest

        for request in DeferralRequest.objects.open().filter(case=self):
            request.resolve(DeferralRequest.Outcome.GRANTED, by=by)

    @property
    def status_reason_display(self) -> str:
        if self.status == self.Status.EXCLUDED and self.exclusion_reason:
            return vs.ExclusionReason(self.exclusion_reason).label
        if self.status == self.Status.DEFERRED and self.deferral_reason:
            return vs.DeferralReason(self.deferral_reason).label
        return ""

    def grant_team_access(self) -> None:
        """Give the case's team groups their permissions on it, and no one else's.

        Runs when a case is created or moves team, in the same transaction."""
        CaseGroupObjectPermission.objects.filter(content_object=self).delete()
        by_codename = {
            p.codename: p
            for p in Permission.objects.filter(
                content_type__app_label="cases", content_type__model="case"
            )
        }
        wanted = {self.team.role_group_name(role): CASE_PERMISSIONS[role] for role in Role}
        for category in SensitiveCategory:
            wanted[self.team.category_group_name(category)] = {category_permission(category)}
        # One query for the team's groups rather than one each (an import creates many cases).
        groups = {g.name: g for g in Group.objects.filter(name__in=wanted)}
        for name in wanted.keys() - groups.keys():
            groups[name], _ = Group.objects.get_or_create(name=name)
        grants = [
            (groups[name], by_codename[codename])
            for name, codenames in wanted.items()
            for codename in sorted(codenames)
        ]
        # Permission rows are not audited models; the case's own history records the move.
        CaseGroupObjectPermission.objects.bulk_create(
            [
                CaseGroupObjectPermission(group=g, permission=p, content_object=self)
                for g, p in grants
            ]
        )


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass

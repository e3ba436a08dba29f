"""Case records. This issue holds the minimal Case; the full case file follows."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models, transaction
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from ofr.models import Team
from ofr.roles import CASE_PERMISSIONS, Role, SensitiveCategory, category_permission


class Case(models.Model):
    """One death under review, addressed by an unguessable code."""

    class Status(models.TextChoices):
        IDENTIFIED = "identified", "Identified"
        AWAITING_INFORMATION = "awaiting_information", "Awaiting toxicology / investigation"
        SELECTED = "selected", "Selected for review"
        RECORDS_REQUESTED = "records_requested", "Records requested"
        SUMMARY_IN_PREPARATION = "summary_in_preparation", "Summary in preparation"
        READY_FOR_REVIEW = "ready_for_review", "Ready for review"
        REVIEWED = "reviewed", "Reviewed"
        CLOSED = "closed", "Closed"
        EXCLUDED = "excluded", "Excluded"
        DEFERRED = "deferred", "Deferred"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(
        max_length=30, help_text="The team's own case number, e.g. RIV-2025-004. No names."
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.IDENTIFIED)
    summary = models.TextField(
        blank=True, help_text="De-identified case summary: no names, dates of birth or addresses."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("annotate_case", "Annotate the case"),
            ("view_identifiers", "View decedent identifiers"),
            ("view_access_log", "View who accessed the case"),
        ] + [(category_permission(c.value), f"View {c.label} content") for c in SensitiveCategory]
        constraints = [
            models.UniqueConstraint(fields=["team", "reference"], name="case_unique_reference"),
        ]
        indexes = [models.Index(fields=["team", "-created_at"], name="case_team_created")]

    def __str__(self) -> str:
        return self.reference

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._saved_team_id = self.team_id

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            team_changed = self._state.adding or self.team_id != self._saved_team_id
            super().save(*args, **kwargs)
            if team_changed:
                self.grant_team_access()
                self._saved_team_id = self.team_id

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
        grants = []
        for role in Role:
            group = self.team.role_group(role)
            grants += [(group, by_codename[c]) for c in CASE_PERMISSIONS[role]]
        for category in SensitiveCategory:
            group = self.team.category_group(category)
            grants.append((group, by_codename[category_permission(category)]))
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

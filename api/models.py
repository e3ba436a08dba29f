"""API keys: how a partner system calls the API (api/endpoints.py).

A key belongs to a team and, for a partner agency, to one agency of it. It
carries scopes (what it may call), an expiry date and perhaps a revocation.
The secret is a 32-byte random token shown once, at creation; the database
keeps its SHA-256 and its first characters (to tell keys apart in lists). A
plain hash is enough here, unlike for passwords: a token of 256 random bits
cannot be guessed from its hash by trying candidates, so a slow salted hash
would add cost to every call and no protection.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from simple_history.models import HistoricalRecords

from ofr.models import Agency, Team

PREFIX_LENGTH = 8


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def for_token(self, token: str) -> ApiKey | None:
        """The key of this token, usable or not (None if there is none)."""
        return self.select_related("team", "agency").filter(key_hash=digest(token)).first()


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        READ_RECOMMENDATIONS = "read_recommendations", gettext_lazy("Read recommendations")
        POST_UPDATES = "post_updates", gettext_lazy("Post progress updates")
        READ_AGGREGATES = "read_aggregates", gettext_lazy("Read suppressed aggregates")
        INTAKE_CASES = "intake_cases", gettext_lazy("Add cases (case intake)")

    # A partner agency's key reads and reports on that agency's recommendations;
    # a team's own key (no agency) reads the team's published aggregates and
    # adds cases to the team. An agency, even a medical examiner's, never adds
    # cases: its rows come in through the team's own system or an import.
    AGENCY_SCOPES = frozenset({Scope.READ_RECOMMENDATIONS, Scope.POST_UPDATES})
    TEAM_SCOPES = frozenset({Scope.READ_AGGREGATES, Scope.INTAKE_CASES})

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(
        max_length=100, help_text=gettext_lazy("Which system uses it, e.g. “Health dept. tracker”.")
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="api_keys")
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=gettext_lazy(
            "The partner agency the key acts for; empty for a key of the team itself."
        ),
    )
    scopes = models.JSONField(default=list)
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(
        gettext_lazy("SHA-256 of the key"), max_length=64, unique=True, editable=False
    )
    expires_on = models.DateField(help_text=gettext_lazy("The last day the key works."))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    history = HistoricalRecords(excluded_fields=["key_hash"])

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["team", "name", "id"]
        verbose_name = gettext_lazy("API key")
        constraints = [
            # Updates and the access log name the key: names must tell keys apart.
            models.UniqueConstraint(fields=["team", "name"], name="apikey_name_unique_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        allowed = self.AGENCY_SCOPES if self.agency_id else self.TEAM_SCOPES
        scopes = self.scopes if isinstance(self.scopes, list) else []
        if not scopes:
            raise ValidationError({"scopes": gettext("Choose what the key may do.")})
        if any(scope not in allowed for scope in scopes):
            names = ", ".join(str(self.Scope(s).label).lower() for s in sorted(allowed))
            if self.agency_id:
                message = gettext("For an agency's key: %(scopes)s only.")
            else:
                message = gettext("For a team's own key: %(scopes)s only.")
            raise ValidationError({"scopes": message % {"scopes": names}})
        today = timezone.localdate()
        if self.expires_on and not self.pk:
            if self.expires_on < today:
                raise ValidationError({"expires_on": gettext("The expiry date has passed.")})
            if self.expires_on > today + timedelta(days=settings.API_KEY_MAX_DAYS):
                message = gettext("A key lives %(days)s days at most.")
                raise ValidationError({"expires_on": message % {"days": settings.API_KEY_MAX_DAYS}})

    @classmethod
    def issue(
        cls,
        *,
        team: Team,
        agency: Agency | None,
        name: str,
        scopes: list[str],
        expires_on: date,
        by,
    ) -> tuple[ApiKey, str]:
        """A new key and its secret, which is shown once and never stored."""
        key = cls(
            team=team,
            agency=agency,
            name=name,
            scopes=sorted(scopes),
            expires_on=expires_on,
            created_by=by,
        )
        token = key.new_token()
        key.full_clean()
        key._history_user = by
        key.save()
        return key, token

    def new_token(self) -> str:
        """Set a fresh secret's hash and prefix; returns the secret."""
        token = secrets.token_urlsafe(32)
        self.key_hash = digest(token)
        self.prefix = token[:PREFIX_LENGTH]
        return token

    def revoke(self, *, by) -> None:
        if self.revoked_at is not None:
            return
        self.revoked_at = timezone.now()
        self.revoked_by = by
        self._history_user = by
        self._change_reason = "Revoked"
        self.save()

    def refusal(self, today: date | None = None) -> str:
        """Why the key may not be used now, or ""."""
        if self.revoked_at is not None:
            return "This API key has been revoked."
        if self.expires_on < (today or timezone.localdate()):
            return "This API key has expired."
        return ""

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def audit_name(self) -> str:
        """How the access log names the caller."""
        return f"api-key:{self.name}"[:150]

    def scope_labels(self) -> list[str]:
        return [self.Scope(s).label for s in self.scopes if s in self.Scope.values]

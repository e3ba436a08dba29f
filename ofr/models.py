"""Foundation: jurisdictions, agencies, teams, memberships, and the access log."""

import hashlib
import json
import uuid
from datetime import UTC, date

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator
from django.db import connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from simple_history.models import HistoricalRecords

from ofr.encryption import EncryptedCharField
from ofr.roles import Role, Sector, categories_for


class Jurisdiction(models.Model):
    """A place a team covers: a state, and the counties or regions within it."""

    class Level(models.TextChoices):
        STATE = "state", gettext_lazy("State")
        COUNTY = "county", gettext_lazy("County")
        REGION = "region", gettext_lazy("Multi-county region")
        CITY = "city", gettext_lazy("City")
        TRIBAL = "tribal", gettext_lazy("Tribal")

    name = models.CharField(max_length=200)
    level = models.CharField(max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="jurisdiction_unique_name"),
            models.CheckConstraint(
                condition=models.Q(level="state") | models.Q(parent__isnull=False),
                name="jurisdiction_below_state_has_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=40, choices=Sector.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, null=True, blank=True, on_delete=models.PROTECT, related_name="agencies"
    )
    part2_program = models.BooleanField(
        gettext_lazy("42 CFR Part 2 program"),
        default=False,
        help_text=gettext_lazy(
            "A federally assisted SUD treatment program: its records are Part 2 "
            "(touchpoints, requests and documents from it are restricted unless a coordinator "
            "records why not). SUD treatment agencies have it when they are added."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = gettext_lazy("agencies")
        constraints = [models.UniqueConstraint(fields=["name"], name="agency_unique_name")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # SUD treatment programs are Part 2 programs unless an administrator says otherwise.
        if self._state.adding and self.sector == Sector.SUD_TREATMENT:
            self.part2_program = True
        super().save(*args, **kwargs)


class Team(models.Model):
    """A review team: its jurisdictions, policies and members."""

    class AgreementEnforcement(models.TextChoices):
        REFUSE = "refuse", gettext_lazy("Refuse records without a current agreement")
        WARN = "warn", gettext_lazy("Save them, flagged")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    short_code = models.CharField(
        max_length=8,
        unique=True,
        help_text=gettext_lazy("Prefix of the team's case references, e.g. RIV."),
    )
    jurisdictions = models.ManyToManyField(
        Jurisdiction, through="TeamJurisdiction", related_name="teams"
    )
    small_cell_threshold = models.PositiveSmallIntegerField(
        default=10,
        help_text=gettext_lazy("Counts below this number are suppressed in aggregate reports."),
    )
    packets_may_include_identifiers = models.BooleanField(
        default=False,
        help_text=gettext_lazy(
            "Whether meeting packets may carry decedent identifiers "
            "(only for recipients who may see them)."
        ),
    )
    # Record requests fall due after these many business days (MI: 5 for
    # agencies, 30 for health-care providers; docs/sources.md A4).
    agency_record_due_days = models.PositiveSmallIntegerField(
        default=5, help_text=gettext_lazy("Business days an agency has to answer a record request.")
    )
    health_care_record_due_days = models.PositiveSmallIntegerField(
        default=30, help_text=gettext_lazy("Business days a health-care provider has to answer.")
    )
    deferral_review_days = models.PositiveSmallIntegerField(
        default=90,
        help_text=gettext_lazy(
            "Days after a case is deferred before the coordinator reviews the deferral."
        ),
    )
    max_not_collected_percent = models.PositiveSmallIntegerField(
        gettext_lazy("most items not collected (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=gettext_lazy(
            "A case with a larger share of its SUDORS-aligned items not collected "
            "cannot be moved to reviewed or closed, unless a coordinator records why. "
            "100 turns the check off."
        ),
    )
    partners_need_second_factor = models.BooleanField(
        gettext_lazy("agency partners need a second factor"),
        default=False,
        help_text=gettext_lazy(
            "Every other role signs in with a second factor; this asks it of the "
            "team's agency partners too."
        ),
    )
    # Teams start at "warn": on upgrade no agency has an agreement on record
    # yet, and refusing at once would stop every upload (docs/decisions.md).
    agreement_enforcement = models.CharField(
        gettext_lazy("records without a data-sharing agreement"),
        max_length=10,
        choices=AgreementEnforcement.choices,
        default=AgreementEnforcement.WARN,
        help_text=gettext_lazy(
            "A record request or document from an agency without a current "
            "data-sharing agreement covering its record type: refused, or saved and flagged."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(small_cell_threshold__gte=1), name="team_threshold_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def role_group_name(self, role: str) -> str:
        return f"team:{self.code}:role:{role}"

    def category_group_name(self, category: str) -> str:
        return f"team:{self.code}:category:{category}"

    def role_group(self, role: str) -> Group:
        group, _ = Group.objects.get_or_create(name=self.role_group_name(role))
        return group

    def category_group(self, category: str) -> Group:
        group, _ = Group.objects.get_or_create(name=self.category_group_name(category))
        return group


class Holiday(models.Model):
    """A day the team's record-request deadlines skip, besides weekends."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="holiday_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


class TeamJurisdiction(models.Model):
    """A jurisdiction a team covers (explicit through-model, so the link has history)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "jurisdiction"], name="team_jurisdiction_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.team} covers {self.jurisdiction}"


class MembershipQuerySet(models.QuerySet):
    def active(self, on: date | None = None) -> "MembershipQuerySet":
        on = on or timezone.localdate()
        return self.filter(starts_on__lte=on).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on)
        )


class Membership(models.Model):
    """A person's seat on a team: their role, agency and member type, for a period."""

    class MemberType(models.TextChoices):
        CORE = "core", gettext_lazy("Core member")
        GUEST = "guest", gettext_lazy("Guest (one-time)")
        OBSERVER = "observer", gettext_lazy("Observer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    member_type = models.CharField(
        max_length=10, choices=MemberType.choices, default=MemberType.CORE
    )
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True)
    # Trained to interview a decedent's family (the BJA next-of-kin guide):
    # only such members are assigned next-of-kin interviews (cases/models/nok.py).
    nok_interviewer = models.BooleanField(
        gettext_lazy("trained next-of-kin interviewer"), default=False
    )
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="membership_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["user", "team", "role", "starts_on"], name="membership_unique_start"
            ),
        ]

    def __str__(self) -> str:
        # Also how the admin's log names the row: English, like the history.
        with translation.override("en"):
            return f"{self.user} — {self.get_role_display()}, {self.team}"

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            sync_team_groups(self.user, self.team)

    @property
    def sector(self) -> str | None:
        return self.agency.sector if self.agency_id else None

    def group_names(self) -> set[str]:
        """The team groups this membership puts its user in: its role's, and
        one per sensitive category its role and sector may see."""
        categories = categories_for(self.role, self.sector)
        return {self.team.role_group_name(self.role)} | {
            self.team.category_group_name(c) for c in categories
        }

    def end(self, *, on: date | None = None, reason: str = "") -> None:
        """End the membership; the user loses the team's grants at once."""
        self.ends_on = on or timezone.localdate()
        self._change_reason = reason or "Membership ended"
        self.save()


def sync_team_groups(user, team: Team, on: date | None = None) -> None:
    """Put the user in exactly the team groups their active memberships call for.

    Called whenever a membership is saved, at login, and daily by the
    `sync_memberships` command so that start and end dates take effect.
    """
    active = list(
        Membership.objects.filter(user=user, team=team).active(on).select_related("agency")
    )
    wanted_roles = {m.role for m in active}
    wanted_categories: set[str] = set()
    for membership in active:
        wanted_categories |= categories_for(membership.role, membership.sector)
    prefix = f"team:{team.code}:"
    wanted = {team.role_group(role) for role in wanted_roles} | {
        team.category_group(category) for category in wanted_categories
    }
    current = set(user.groups.filter(name__startswith=prefix))
    user.groups.remove(*(current - wanted))
    user.groups.add(*(wanted - current))


def sync_user_groups(user, on: date | None = None) -> None:
    for team in Team.objects.filter(memberships__user=user).distinct():
        sync_team_groups(user, team, on)


class UserSession(models.Model):
    """A session someone signed in with: since when, from which address and browser.

    Django's sessions cannot be looked up by user (the user id sits inside the
    signed session data), so each sign-in leaves a row here, removed at
    sign-out; the account page lists a person's sessions from these rows, and
    signing out everywhere else ends them (ofr/sessions.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip_address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# Access log


GENESIS_HASH = "0" * 64
# Any constant will do: it names the advisory lock that serialises chain writers.
CHAIN_LOCK_KEY = 704_210_001
# keyed_digest's purpose for the chain, so a chain hash is no other digest's twin.
CHAIN_PURPOSE = "access-log-chain"


class AccessEvent(models.Model):
    """One read, export, download, login, logout or denied attempt.

    Append-only (database triggers refuse UPDATE, DELETE, REPLACE, TRUNCATE and
    any insert that is not the chain's next row) and hash-chained: each row's
    entry_hash is an HMAC under AUDIT_KEY of its content and the previous row's
    hash, so `manage.py verify_audit` finds any edited, inserted or deleted row,
    and whoever holds the database but not the key cannot re-chain the rest.
    key_id names the key that signed the row (rotation keeps old keys as
    fallbacks); rows written before the chain was keyed have none and plain
    SHA-256 hashes.
    """

    class Action(models.TextChoices):
        # In context: "Reset password" here is what someone did, not a button.
        VIEW = "view", pgettext_lazy("access log action", "Viewed")
        EXPORT = "export", pgettext_lazy("access log action", "Exported")
        DOWNLOAD = "download", pgettext_lazy("access log action", "Downloaded")
        LOGIN = "login", pgettext_lazy("access log action", "Signed in")
        LOGOUT = "logout", pgettext_lazy("access log action", "Signed out")
        LOGIN_FAILED = "login_failed", pgettext_lazy("access log action", "Failed sign-in")
        LOCKED_OUT = "locked_out", pgettext_lazy("access log action", "Locked out")
        DENIED = "denied", pgettext_lazy("access log action", "Denied")
        MFA_ENROLLED = (
            "mfa_enrolled",
            pgettext_lazy("access log action", "Enrolled a second factor"),
        )
        MFA_VERIFIED = (
            "mfa_verified",
            pgettext_lazy("access log action", "Passed the second factor"),
        )
        MFA_FAILED = "mfa_failed", pgettext_lazy("access log action", "Failed second factor")
        MFA_RECOVERY_USED = (
            "mfa_recovery_used",
            pgettext_lazy("access log action", "Used a recovery code"),
        )
        MFA_CODES_RENEWED = (
            "mfa_codes_renewed",
            pgettext_lazy("access log action", "Renewed recovery codes"),
        )
        MFA_RESET = "mfa_reset", pgettext_lazy("access log action", "Second factor reset")
        PASSWORD_CHANGED = (
            "password_changed",
            pgettext_lazy("access log action", "Changed password"),
        )
        PASSWORD_RESET_SENT = (
            "password_reset_sent",
            pgettext_lazy("access log action", "Password reset requested"),
        )
        PASSWORD_RESET = "password_reset", pgettext_lazy("access log action", "Reset password")
        SIGNED_OUT_ALL = (
            "signed_out_all",
            pgettext_lazy("access log action", "Signed out everywhere"),
        )
        IMPORT = "import", pgettext_lazy("access log action", "Imported")

    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
    )
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "-seq"], name="access_object")]

    def __str__(self) -> str:
        return (
            f"#{self.seq} {self.username or '-'} {self.action} {self.object_type} {self.object_id}"
        )

    HASHED_FIELDS = (
        "seq",
        "created_at",
        "user_id",
        "username",
        "ip_address",
        "user_agent",
        "action",
        "object_type",
        "object_id",
        "detail",
    )

    def canonical(self) -> str:
        """The row's content as canonical JSON, the input of its hash."""
        values = {name: getattr(self, name) for name in self.HASHED_FIELDS}
        if self.key_id:
            # Only keyed rows: the older rows' hashes were made without it.
            values["key_id"] = self.key_id
        values["created_at"] = self.created_at.astimezone(UTC).isoformat()
        return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def compute_hash(self, key: str | None = None) -> str:
        """The row's hash: an HMAC under `key` (AUDIT_KEY unless given), or plain
        SHA-256 for a row written before the chain was keyed (no key_id)."""
        if not self.key_id:
            return hashlib.sha256((self.prev_hash + self.canonical()).encode()).hexdigest()
        from ofr.audit import keyed_digest  # ofr.audit imports this module

        return keyed_digest(CHAIN_PURPOSE, self.prev_hash + self.canonical(), key)

    @classmethod
    def append(cls, **fields) -> "AccessEvent":
        """Write one event at the head of the chain, in its own committed transaction.

        durable=True: the event must not be rolled back with a request that fails
        later, so it may never run inside another transaction.
        """
        from ofr.audit import audit_key_id  # ofr.audit imports this module

        with transaction.atomic(durable=True):
            if connection.vendor == "postgresql":
                # Locking the last row with SELECT ... FOR UPDATE forks the chain
                # under READ COMMITTED; an advisory lock taken first does not.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
            # On SQLite, the IMMEDIATE transaction already serialises writers.
            head = cls.objects.order_by("-seq").values("seq", "entry_hash").first()
            event = cls(
                seq=(head["seq"] + 1) if head else 1,
                prev_hash=head["entry_hash"] if head else GENESIS_HASH,
                created_at=timezone.now(),
                key_id=audit_key_id(),
                **fields,
            )
            event.user_agent = event.user_agent[:300]
            event.detail = event.detail[:500]
            event.entry_hash = event.compute_hash()
            event.save(force_insert=True)
        return event


# --- Second factor ---------------------------------------------------------------


class SecondFactor(TimestampMixin, ThrottlingMixin, Device):
    """A person's authenticator app: a TOTP secret (RFC 6238) through django-otp.

    The secret is encrypted at rest. Not history-tracked: enrolment, every
    failure, recovery and reset are access events (ofr/second_factor.py), and a
    history table would copy the secret at every sign-in (last_t moves)."""

    key = EncryptedCharField(
        max_length=40, help_text=gettext_lazy("The secret, hex (20 random bytes).")
    )
    # The last time step accepted: a code is good once (no replay).
    last_t = models.BigIntegerField(default=-1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], name="one_second_factor_a_user")]

    def get_throttle_factor(self) -> int:
        return settings.SECOND_FACTOR_THROTTLE_SECONDS

    def verify_token(self, token) -> bool:
        from ofr.second_factor import verify_totp  # the algorithm lives with its rules

        return verify_totp(self, token)


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator app, kept only
    as a salted hash (django-otp's static tokens are kept in clear)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"  # never the code: it is not kept

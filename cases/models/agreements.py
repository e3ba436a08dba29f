"""Data-sharing agreements between a review team and an agency, and the check
every write of an agency's records goes through.

An agreement covers record types (the value set of record requests and source
documents) between its signed and expiry dates. A record request to an agency,
or a source document from one, needs an agreement current on the day it is
written that covers each of its record types; otherwise the team's setting
decides: refuse it, naming the agreement, or save it with the same sentence as
a visible flag (ofr.models.Team.agreement_enforcement).
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases import valuesets as vs
from cases.models.sections import ChoiceListValidator
from ofr.files import get_private_storage
from ofr.models import Agency, Team

# Agreements that end within this many days are listed for renewal (home page,
# the daily reminder e-mail).
RENEWAL_WINDOW_DAYS = 60


def agreement_path(agreement: DataSharingAgreement, filename: str) -> str:
    # Like documents: the stored name carries nothing of the uploaded name.
    return f"agreements/{agreement.team.code}/{uuid.uuid4().hex}{agreement.extension}"


def day_month_year(day: date) -> str:
    """3 Nov 2026: the date as the refusal and the flag say it."""
    return f"{day.day} {day:%b %Y}"


class AgreementQuerySet(models.QuerySet):
    def needing_renewal(self, today: date, within_days: int = RENEWAL_WINDOW_DAYS):
        """Agreements that end within `within_days` or have ended, unless a later
        agreement between the same team and agency outlasts them (the renewal)."""
        renewed = DataSharingAgreement.objects.filter(
            team_id=OuterRef("team_id"),
            agency_id=OuterRef("agency_id"),
            expires_on__gt=OuterRef("expires_on"),
        )
        return (
            self.filter(expires_on__lte=today + timedelta(days=within_days))
            .exclude(Exists(renewed))
            .order_by("expires_on", "id")
        )


class DataSharingAgreement(models.Model):
    """A signed agreement between a team and an agency (and any other parties)
    to share the record types it lists, from its signed date to its expiry date.

    The signed file is the team's: stored on private storage and served only
    through a permission-checked view (cases/views/agreements.py), each
    download logged."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="data_agreements")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="data_agreements")
    reference = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("The agreement's own number or title, if it has one."),
    )
    other_parties = models.TextField(
        blank=True, help_text=_("Any other signatories (e.g. the county counsel), one a line.")
    )
    record_types = models.JSONField(validators=[ChoiceListValidator(vs.RecordType)])
    signed_on = models.DateField("signed on")
    expires_on = models.DateField("expires on")
    file = models.FileField(
        storage=get_private_storage, upload_to=agreement_path, max_length=200, blank=True
    )
    original_name = models.CharField(max_length=255, blank=True)
    extension = models.CharField(max_length=10, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "-expires_on", "id"]
        indexes = [
            models.Index(fields=["team", "agency", "expires_on"], name="agreement_team_agency")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("signed_on")),
                name="agreement_expires_after_signed",
            )
        ]

    def __str__(self) -> str:
        name = f"Data-sharing agreement between {self.team} and {self.agency}"
        return f"{name} ({self.reference})" if self.reference else name

    def clean(self) -> None:
        if self.signed_on and self.expires_on and self.expires_on < self.signed_on:
            raise ValidationError(
                {"expires_on": gettext("An agreement cannot expire before it is signed.")}
            )

    def covers(self, record_type: str) -> bool:
        return record_type in (self.record_types or [])

    def in_force(self, on: date) -> bool:
        return self.signed_on <= on <= self.expires_on

    def has_expired(self, on: date | None = None) -> bool:
        return self.expires_on < (on or timezone.localdate())

    def get_record_types_display(self) -> str:
        return ChoiceListValidator(vs.RecordType).labels(self.record_types or [])


def agreements_between(team: Team, agency: Agency) -> list[DataSharingAgreement]:
    """The team's agreements with the agency, latest expiry first (one query)."""
    return list(
        DataSharingAgreement.objects.filter(team=team, agency=agency)
        .select_related("team", "agency")
        .order_by("-expires_on", "-signed_on", "-id")
    )


def current_agreement(
    team: Team, agency: Agency, record_type: str, on: date | None = None
) -> DataSharingAgreement | None:
    """The agreement in force on `on` (today) that covers `record_type`, if any."""
    on = on or timezone.localdate()
    return next(
        (a for a in agreements_between(team, agency) if a.covers(record_type) and a.in_force(on)),
        None,
    )


@dataclass(frozen=True)
class AgreementProblem:
    """Why records of `record_type` from the agency cannot be taken on `on`,
    and the agreement concerned (None when there is none on record)."""

    message: str
    agreement: DataSharingAgreement | None
    record_type: str


def agreement_problem(
    team: Team, agency: Agency | None, record_types, on: date | None = None
) -> AgreementProblem | None:
    """None when an agreement in force on `on` (today) covers each of
    `record_types` from `agency`; else the problem, in a sentence naming the
    agreement. The one check every write of an agency's records calls."""
    if agency is None or not record_types:
        return None
    on = on or timezone.localdate()
    agreements = agreements_between(team, agency)
    for record_type in record_types:
        if any(a.covers(record_type) and a.in_force(on) for a in agreements):
            continue
        return AgreementProblem(
            _problem_sentence(team, agency, record_type, agreements, on),
            next((a for a in agreements if a.covers(record_type)), None)
            or (agreements[0] if agreements else None),
            record_type,
        )
    return None


def _problem_sentence(team, agency, record_type, agreements, on: date) -> str:
    label = str(vs.RecordType(record_type).label).lower()
    words = {"team": team, "agency": agency, "records": label}
    if not agreements:
        return (
            gettext(
                "%(team)s has no data-sharing agreement with %(agency)s on record; "
                "record the signed agreement before adding %(records)s records from %(agency)s."
            )
            % words
        )
    covering = [a for a in agreements if a.covers(record_type)]
    if not covering:
        return gettext(
            "The %(agreement)s does not cover %(records)s records; amend it before adding "
            "%(records)s records from %(agency)s."
        ) % {**words, "agreement": _name(agreements[0])}
    latest = covering[0]  # latest expiry first
    if latest.expires_on < on:
        return gettext(
            "The %(agreement)s expired on %(ended)s; renew it before adding %(records)s "
            "records from %(agency)s."
        ) % {**words, "agreement": _name(latest), "ended": day_month_year(latest.expires_on)}
    # Not in force yet: every covering agreement starts after `on`.
    starts = min(a.signed_on for a in covering)
    return gettext(
        "The %(agreement)s takes effect on %(starts)s; wait for it, or record the agreement "
        "in force, before adding %(records)s records from %(agency)s."
    ) % {**words, "agreement": _name(latest), "starts": day_month_year(starts)}


def _name(agreement: DataSharingAgreement) -> str:
    words = {"team": agreement.team, "agency": agreement.agency}
    if agreement.reference:
        return gettext("data-sharing agreement between %(team)s and %(agency)s (%(reference)s)") % {
            **words,
            "reference": agreement.reference,
        }
    return gettext("data-sharing agreement between %(team)s and %(agency)s") % words


class AgreementChecked(models.Model):
    """Records from an agency (record requests, source documents): each write
    that names the agency or the record types is checked against the team's
    data-sharing agreements in clean(), which every form and import calls.

    Refused: a ValidationError on the agency field. Warned: saved, with the
    sentence in `agreement_flag` (shown on the case page)."""

    agreement_flag = models.CharField(
        _("data-sharing agreement flag"),
        max_length=300,
        blank=True,
        help_text=_(
            "Set when the item was saved without a current data-sharing agreement "
            "covering it (the team warns rather than refuses)."
        ),
    )

    class Meta:
        abstract = True

    # The field holding the record type(s) the agreement must cover: a list
    # (requests) or one code (documents).
    AGREEMENT_TYPES_FIELD = "record_types"

    def agreement_record_types(self) -> list[str]:
        value = getattr(self, self.AGREEMENT_TYPES_FIELD)
        if isinstance(value, list):
            return value
        return [value] if value else []

    def _agreement_basis(self):
        """What the check depends on, when the row has it loaded (else None:
        reading a deferred field here would cost a query per row)."""
        if "agency_id" not in self.__dict__ or self.AGREEMENT_TYPES_FIELD not in self.__dict__:
            return None
        return (self.agency_id, tuple(self.agreement_record_types()))

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_agreement_basis = instance._agreement_basis()
        return instance

    def check_agreement(self, on: date | None = None) -> None:
        """Refuse or flag the item when no current agreement covers it. An edit
        that changes neither the agency nor the record types is not checked
        again: an answer recorded after the agreement lapsed is still taken."""
        basis = self._agreement_basis()
        loaded = getattr(self, "_loaded_agreement_basis", None)
        if not self._state.adding and basis is not None and basis == loaded:
            return
        if not self.agency_id:
            self.agreement_flag = ""
            return
        team = self.case.team
        refuse = team.agreement_enforcement == Team.AgreementEnforcement.REFUSE
        # A refusal is shown to the person, in their language; a flag is stored
        # (and kept in the history), so it is written in English.
        with nullcontext() if refuse else translation.override("en"):
            problem = agreement_problem(team, self.agency, self.agreement_record_types(), on)
        if problem is None:
            self.agreement_flag = ""
        elif refuse:
            raise ValidationError({"agency": problem.message})
        else:
            self.agreement_flag = problem.message[:300]

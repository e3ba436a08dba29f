"""Recommendations and their implementation tracking.

A recommendation belongs to a team, names what should change (SMART fields),
who leads it (an agency, with partner agencies) and the findings behind it.
Its status changes only through a progress update with a narrative
(`Recommendation.add_update`), so the history of a recommendation reads as
the story of its implementation. Every model keeps its history.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models import Finding
from ofr.files import committed_with_file, get_private_storage, sha256_of
from ofr.models import Agency, Team
from ofr.roles import Sector


class Category(models.TextChoices):
    """The six takeaways of the ASTHO focus groups (docs/sources.md, last section), refined."""

    NALOXONE_DISTRIBUTION = "naloxone_distribution", _("Naloxone distribution")
    FENTANYL_TEST_STRIPS = "fentanyl_test_strips", _("Fentanyl test strips")
    SYRINGE_SERVICES = "syringe_services", _("Syringe services")
    GOOD_SAMARITAN = "good_samaritan", _("Good Samaritan law")
    DEFLECTION_DIVERSION = "deflection_diversion", _("Deflection and diversion")
    QUICK_RESPONSE_TEAMS = "quick_response_teams", _("Quick response teams")
    DATA_SHARING = "data_sharing", _("Data sharing")
    TRAINING_STIGMA = "training_stigma", _("Training and stigma reduction")
    TREATMENT_MOUD = "treatment_moud", _("Treatment access and MOUD")
    REENTRY = "reentry", _("Re-entry")
    FUNDING = "funding", _("Funding")
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    SYSTEM = "system", _("System")
    AGENCY = "agency", _("Agency")
    POPULATION = "population", _("Population")
    RESEARCH = "research", _("Research")
    POLICY = "policy", _("Policy")


class Status(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ADOPTED = "adopted", _("Adopted")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    PARTIALLY_IMPLEMENTED = "partially_implemented", _("Partially implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
    NO_LONGER_APPLICABLE = "no_longer_applicable", _("No longer applicable")


# The four outcomes close a recommendation; an implemented one is still
# monitored (updates keep coming) and may reopen if the change does not hold.
CLOSED_STATUSES = frozenset(
    {
        Status.IMPLEMENTED,
        Status.PARTIALLY_IMPLEMENTED,
        Status.NOT_IMPLEMENTED,
        Status.NO_LONGER_APPLICABLE,
    }
)
OUTCOMES = CLOSED_STATUSES - {Status.NO_LONGER_APPLICABLE}
# Where the work has stopped. A partially implemented recommendation is closed
# for the figures (an outcome, never overdue) but work on the rest goes on, so
# meeting pages and packets keep following it until it ends in one of these.
FINISHED_STATUSES = frozenset(
    {Status.IMPLEMENTED, Status.NOT_IMPLEMENTED, Status.NO_LONGER_APPLICABLE}
)
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PROPOSED: frozenset({Status.ADOPTED, Status.NO_LONGER_APPLICABLE}),
    Status.ADOPTED: frozenset({Status.IN_PROGRESS, *OUTCOMES, Status.NO_LONGER_APPLICABLE}),
    Status.IN_PROGRESS: frozenset({*OUTCOMES, Status.NO_LONGER_APPLICABLE}),
    Status.IMPLEMENTED: frozenset({Status.IN_PROGRESS}),
    Status.PARTIALLY_IMPLEMENTED: frozenset({Status.IN_PROGRESS, Status.IMPLEMENTED}),
    Status.NOT_IMPLEMENTED: frozenset({Status.IN_PROGRESS}),
    Status.NO_LONGER_APPLICABLE: frozenset(),
}


# The sector filter's value for recommendations without a lead agency yet.
NO_LEAD_AGENCY = "none"
SECTOR_CHOICES = [*Sector.choices, (NO_LEAD_AGENCY, _("No lead agency yet"))]


class FundingKind(models.TextChoices):
    OPIOID_SETTLEMENT = "opioid_settlement", _("Opioid settlement funds")
    BYRNE_JAG = "byrne_jag", "Byrne JAG"
    COSSUP = "cossup", "COSSUP"
    STATE_OPIOID_RESPONSE = "state_opioid_response", _("State Opioid Response")
    CDC_OD2A = "cdc_od2a", "CDC OD2A"
    PRIVATE_FOUNDATION = "private_foundation", _("Private foundation")
    LOCAL_BUDGET = "local_budget", _("Local budget")
    OTHER = "other", _("Other")


def open_condition() -> Q:
    return ~Q(status__in=CLOSED_STATUSES)


def ongoing_condition() -> Q:
    return ~Q(status__in=FINISHED_STATUSES)


def overdue_condition(today: date) -> Q:
    """Open and due before `today` (due today is not yet overdue)."""
    return open_condition() & Q(due_on__lt=today)


def implemented_in_last_year_condition(today: date) -> Exists:
    """An update of the last 365 days marked it implemented (it may have reopened
    since: this counts what was achieved in the period)."""
    return Exists(
        ProgressUpdate.objects.filter(
            recommendation=OuterRef("pk"),
            new_status=Status.IMPLEMENTED,
            reported_on__gte=today - timedelta(days=365),
        )
    )


class RecommendationQuerySet(models.QuerySet):
    """The database side of `Recommendation.is_closed` and `is_overdue()`: both
    read CLOSED_STATUSES, so a page and a query never disagree on what is open.
    The conditions above serve as filters here and as `Count(filter=...)` on
    the dashboard, so its figures and the list's filters are the same sets."""

    def open(self) -> RecommendationQuerySet:
        return self.filter(open_condition())

    def overdue(self, today: date) -> RecommendationQuerySet:
        return self.filter(overdue_condition(today))

    def ongoing(self) -> RecommendationQuerySet:
        """Still worked on: every status but FINISHED_STATUSES."""
        return self.filter(ongoing_condition())

    def implemented_in_last_year(self, today: date) -> RecommendationQuerySet:
        return self.filter(implemented_in_last_year_condition(today))

    def led_by_sector(self, sector: str) -> RecommendationQuerySet:
        """Led by an agency of `sector`; NO_LEAD_AGENCY for those without a lead agency."""
        if sector == NO_LEAD_AGENCY:
            return self.filter(lead_agency__isnull=True)
        return self.filter(lead_agency__sector=sector)


class ResourceKind(models.TextChoices):
    """Services the team records as its community context. The ASTHO takeaways
    (naloxone, syringe services, deflection and diversion) and the services
    recommendations most often name; "other" keeps the list open."""

    NALOXONE_DISTRIBUTION = "naloxone_distribution", _("Naloxone distribution")
    MOUD_PROVIDER = "moud_provider", _("MOUD provider")
    SYRINGE_SERVICES = "syringe_services", _("Syringe services program")
    DEFLECTION = "deflection", _("Deflection or diversion program")
    DRUG_CHECKING = "drug_checking", _("Drug checking")
    RECOVERY_HOUSING = "recovery_housing", _("Recovery housing")
    CRISIS_SERVICES = "crisis_services", _("Crisis services")
    OTHER = "other", _("Other")


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def latest_resource_year() -> int:
    """Resources are recorded up to the end of next year (a service planned to open)."""
    return timezone.localdate().year + 1


class CommunityResourceQuerySet(models.QuerySet):
    def active_in(self, year: int) -> CommunityResourceQuerySet:
        """Running at some point of `year`: started by its end, not ended before its start."""
        first, last = year_bounds(year)
        return self.filter(started_on__lte=last).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=first)
        )


class CommunityResource(models.Model):
    """A local service the team records as community context, with the dates it
    ran. A resource belongs to every year its dates span, so the page of a year
    lists what was available then without copying rows from year to year."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="community_resources")
    kind = models.CharField(max_length=30, choices=ResourceKind.choices)
    name = models.CharField(max_length=200, help_text=_("The service's public name."))
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("provider agency"),
        help_text=_("Optional: the agency that runs it, if it is on the system's list."),
    )
    area_served = models.CharField(
        _("county or area served"),
        max_length=200,
        blank=True,
        help_text=_("For example: Riverside County."),
    )
    started_on = models.DateField(
        _("started on"),
        help_text=_("If only the year is known, the first of January of that year."),
    )
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, help_text=_("Empty while it runs.")
    )
    notes = models.CharField(
        max_length=500, blank=True, help_text=_("Short, public information only: no case details.")
    )
    source = models.CharField(
        max_length=500, blank=True, help_text=_("A web address or a citation for the information.")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    objects = CommunityResourceQuerySet.as_manager()

    class Meta:
        ordering = ["team", "kind", "name", "id"]
        indexes = [models.Index(fields=["team", "started_on"], name="community_team_started")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        latest = latest_resource_year()
        for name in ("started_on", "ended_on"):
            day = getattr(self, name)
            if day and not 1900 <= day.year <= latest:
                errors[name] = gettext("Give a date between 1900 and the end of %(year)s.") % {
                    "year": latest
                }
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            errors.setdefault("ended_on", gettext("It cannot end before it started."))
        if errors:
            raise ValidationError(errors)

    def is_active_in(self, year: int) -> bool:
        first, last = year_bounds(year)
        return self.started_on <= last and (self.ended_on is None or self.ended_on >= first)


class Recommendation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="recommendations")
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text=_("What should change, and why. No case details."))
    action = models.TextField(_("specific action"), help_text=_("What will be done, by whom."))
    measure = models.CharField(
        _("measure or indicator"), max_length=300, help_text=_("How progress is measured.")
    )
    baseline = models.CharField(max_length=200, blank=True)
    target = models.CharField(max_length=200, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    category = models.CharField(max_length=30, choices=Category.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    lead_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner_agencies = models.ManyToManyField(
        Agency, through="RecommendationPartner", related_name="partnered_recommendations"
    )
    adopted_on = models.DateField(null=True, blank=True)
    findings = models.ManyToManyField(
        Finding, through="RecommendationFinding", related_name="recommendations"
    )
    cites_resources = models.ManyToManyField(
        CommunityResource, through="RecommendationResource", related_name="cited_by"
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.PROPOSED)
    status_reason = models.CharField(
        max_length=300, blank=True, help_text=_("Why it was not implemented or no longer applies.")
    )
    public = models.BooleanField(
        default=False, help_text=_("The team voted to publish it on the team's public page.")
    )
    # Free text reaches a report only by the team's choice, and never its CSV.
    publishable = models.BooleanField(
        _("narratives publishable in reports"),
        default=False,
        help_text=_(
            "Show the statement and the latest update's narrative in the team's annual "
            "report (web page and PDF; never the CSV)."
        ),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["team", "due_on", "id"]
        indexes = [models.Index(fields=["team", "status"], name="recommendation_team_status")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.due_on and self.adopted_on and self.due_on < self.adopted_on:
            raise ValidationError(
                {"due_on": gettext("The due date cannot be before the adoption date.")}
            )

    # These two are RecommendationQuerySet.open() and overdue() for one loaded row.
    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.due_on) and self.due_on < today and not self.is_closed

    def allowed_statuses(self) -> list[str]:
        """The statuses an update may set: the current one (progress only) or a next one."""
        allowed = {self.status} | TRANSITIONS[self.status]
        if self.status == Status.NO_LONGER_APPLICABLE:
            allowed = set()
        return [s for s in Status.values if s in allowed]

    def add_update(
        self,
        *,
        by,
        new_status: str,
        narrative: str,
        reported_on: date | None = None,
        reason: str = "",
        evidence=None,
        api_key_name: str = "",
    ) -> ProgressUpdate:
        """Record progress; the only way the status changes. Refuses an empty
        narrative, a status the lifecycle does not allow, a missing reason for
        "not implemented" and an update dated in the future. A partner system
        reports through an API key: `by` is then None and `api_key_name` says
        which key."""
        if (by is None) == (not api_key_name):
            raise ValueError("An update has one author: a person or an API key.")
        narrative = narrative.strip()
        reported_on = reported_on or timezone.localdate()
        if not narrative:
            raise ValidationError(
                {"narrative": gettext("Say what happened: an update needs a narrative.")}
            )
        if new_status not in self.allowed_statuses():
            current = self.get_status_display().lower()
            wanted = Status(new_status).label.lower() if new_status in Status.values else new_status
            raise ValidationError(
                {
                    "new_status": gettext(
                        "A recommendation that is %(current)s cannot become %(wanted)s."
                    )
                    % {"current": current, "wanted": wanted}
                }
            )
        needs_reason = new_status in (Status.NOT_IMPLEMENTED, Status.NO_LONGER_APPLICABLE)
        if needs_reason and new_status != self.status and not reason.strip():
            raise ValidationError({"reason": gettext("Say why.")})
        if reported_on > timezone.localdate():
            raise ValidationError(
                {"reported_on": gettext("An update cannot be dated in the future.")}
            )
        update = ProgressUpdate(
            recommendation=self,
            reported_on=reported_on,
            author=by,
            api_key_name=api_key_name,
            previous_status=self.status,
            new_status=new_status,
            narrative=narrative,
        )
        if evidence is None:
            saving = transaction.atomic()
        else:
            # Recorded as stored: every download is checked against it.
            evidence.seek(0)
            update.sha256 = sha256_of(evidence)
            evidence.seek(0)
            saving = committed_with_file(update.evidence, evidence, evidence.name)
        with saving:
            update._history_user = by
            if api_key_name:
                update._change_reason = f"Reported through API key {api_key_name}"
            update.save()
            if new_status != self.status or reason.strip():
                # The history's change reason stays in English, whoever's language.
                with translation.override("en"):
                    label = str(Status(new_status).label)
                self.status = new_status
                if needs_reason:
                    self.status_reason = reason.strip()[:300]
                if new_status == Status.ADOPTED and not self.adopted_on:
                    self.adopted_on = reported_on
                self.version += 1
                self._history_user = by
                self._change_reason = f"Status: {label} (update of {reported_on:%Y-%m-%d})"
                if api_key_name:
                    self._change_reason += f" through API key {api_key_name}"
                self.save()
        return update

    @property
    def case_count(self) -> int:
        """How many cases the linked findings come from (an aggregate, no case data)."""
        return Finding.objects.filter(recommendations=self).values("case_id").distinct().count()


class RecommendationPartner(models.Model):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="partner_links"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "agency"], name="recommendation_partner_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} on {self.recommendation}"


class RecommendationFinding(models.Model):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="finding_links"
    )
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "finding"], name="recommendation_finding_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Finding {self.finding_id} behind {self.recommendation}"


class RecommendationResource(models.Model):
    """A community resource the recommendation cites (one of its team's)."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="resource_links"
    )
    resource = models.ForeignKey(CommunityResource, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "resource"], name="recommendation_resource_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recommendation} cites {self.resource}"


def evidence_path(update: ProgressUpdate, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"recommendations/{update.recommendation.code}/{uuid.uuid4().hex}.{suffix}"


class ProgressUpdate(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="updates"
    )
    reported_on = models.DateField(default=timezone.localdate)
    # A person, or (author empty) the partner system whose API key is named:
    # a name rather than a link, because keys live in the api app, which
    # depends on this one and not the other way round.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    api_key_name = models.CharField(_("reported through API key"), max_length=100, blank=True)
    previous_status = models.CharField(max_length=30, choices=Status.choices)
    new_status = models.CharField(max_length=30, choices=Status.choices)
    narrative = models.TextField()
    evidence = models.FileField(
        storage=get_private_storage, upload_to=evidence_path, max_length=200, blank=True
    )
    sha256 = models.CharField(
        _("SHA-256 of the evidence"), max_length=64, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(author__isnull=False, api_key_name="")
                | Q(author__isnull=True) & ~Q(api_key_name=""),
                name="progressupdate_one_author",
            )
        ]

    def __str__(self) -> str:
        return f"Update of {self.reported_on} on {self.recommendation}"

    @property
    def changed_status(self) -> bool:
        return self.previous_status != self.new_status

    @property
    def evidence_extension(self) -> str:
        """The evidence's extension (".pdf", ".png", ...), kept from the checked upload."""
        return os.path.splitext(self.evidence.name)[1].lower()


class EndorsementDecision(models.TextChoices):
    ENDORSED = "endorsed", _("Endorsed")
    ENDORSED_WITH_CHANGES = "endorsed_with_changes", _("Endorsed with changes")
    RETURNED = "returned", _("Returned to the team")
    NOT_ENDORSED = "not_endorsed", _("Not endorsed")


# Every decision but a plain endorsement says what the committee wants changed or why.
DECISIONS_NEEDING_NOTES = frozenset(
    {
        EndorsementDecision.ENDORSED_WITH_CHANGES,
        EndorsementDecision.RETURNED,
        EndorsementDecision.NOT_ENDORSED,
    }
)


class Endorsement(models.Model):
    """A decision of the team's governing committee on a recommendation. A
    recommendation may come back to the committee (returned, then endorsed), so
    each decision is a row of its own and the newest is the one in force. It
    gates nothing: the team may adopt and work on a recommendation before the
    committee meets (docs/decisions.md "Endorsement")."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="endorsements"
    )
    decision = models.CharField(max_length=30, choices=EndorsementDecision.choices)
    decided_on = models.DateField(_("date of the committee's decision"))
    notes = models.TextField(
        blank=True, help_text=_("The changes asked for, or why it was returned or not endorsed.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} on {self.decided_on} for {self.recommendation}"

    def clean(self) -> None:
        if self.decided_on and self.decided_on > timezone.localdate():
            raise ValidationError(
                {"decided_on": gettext("A decision cannot be dated in the future.")}
            )
        if self.decision in DECISIONS_NEEDING_NOTES and not self.notes.strip():
            raise ValidationError(
                {"notes": gettext("Say what the committee asked to change, or why it decided so.")}
            )

    @classmethod
    def record(
        cls, recommendation: Recommendation, *, by, decision: str, decided_on: date, notes: str = ""
    ) -> Endorsement:
        """Record the committee's decision, with its history row."""
        endorsement = cls(
            recommendation=recommendation,
            decision=decision,
            decided_on=decided_on,
            notes=notes.strip(),
            recorded_by=by,
        )
        endorsement.full_clean()
        endorsement._history_user = by
        endorsement._change_reason = (
            f"Governing committee: {endorsement.get_decision_display()} ({decided_on:%Y-%m-%d})"
        )
        endorsement.save()
        return endorsement


class WorkPlanTaskQuerySet(models.QuerySet):
    def overdue(self, today: date) -> WorkPlanTaskQuerySet:
        """Not done and due before `today`: `WorkPlanTask.is_overdue()` as a filter."""
        return self.filter(due_on__lt=today, done=False)

    def on_open_recommendations(self) -> WorkPlanTaskQuerySet:
        """Tasks of a closed recommendation are no longer chased."""
        return self.exclude(recommendation__status__in=CLOSED_STATUSES)


class WorkPlanTask(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="tasks"
    )
    task = models.CharField(max_length=300)
    owner = models.CharField(max_length=200, help_text=_("Who does it (a person or an agency)."))
    due_on = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(default=False)
    done_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    objects = WorkPlanTaskQuerySet.as_manager()

    class Meta:
        ordering = ["done", "due_on", "id"]

    def __str__(self) -> str:
        return self.task

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return bool(self.due_on) and self.due_on < today and not self.done


class FundingSource(models.Model):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="funding"
    )
    kind = models.CharField(_("source"), max_length=30, choices=FundingKind.choices)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text=_("In dollars; optional.")
    )
    note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recommendation", "kind", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


@dataclass(frozen=True)
class RecommendationProgress:
    """A recommendation still worked on and what changed since the team's last meeting."""

    recommendation: Recommendation
    overdue: bool
    updates_since: list[ProgressUpdate]


def progress_of(
    recommendations: RecommendationQuerySet, since: date | None
) -> list[RecommendationProgress]:
    """The ones of `recommendations` still worked on (partially implemented
    included: see FINISHED_STATUSES), oldest due first, each with its updates
    reported after `since`. Callers pass the recommendations the reader may see
    (recommendations.access.open_recommendations)."""
    rows = (
        recommendations.ongoing()
        .select_related("lead_agency")
        .prefetch_related("updates")
        .order_by("due_on", "id")
    )
    progress = []
    for recommendation in rows:
        updates = sorted(
            (u for u in recommendation.updates.all() if since is None or u.reported_on > since),
            key=lambda u: (u.reported_on, u.pk),
        )
        progress.append(
            RecommendationProgress(recommendation, recommendation.is_overdue(), updates)
        )
    return progress

"""Forms of the recommendation pages."""

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.access import viewers_for
from cases.models import Finding
from cases.policy import TextGuard
from ofr.concurrency import VersionedForm
from ofr.files import inspect_upload
from ofr.forms import USWDSFormMixin
from ofr.models import Agency, Team
from recommendations.models import (
    DECISIONS_NEEDING_NOTES,
    NO_LEAD_AGENCY,
    SECTOR_CHOICES,
    Category,
    CommunityResource,
    EndorsementDecision,
    FundingSource,
    Recommendation,
    RecommendationFinding,
    RecommendationPartner,
    RecommendationQuerySet,
    RecommendationResource,
    Status,
    WorkPlanTask,
)


class RecommendationFilterForm(USWDSFormMixin, forms.Form):
    """The list's filters, which the dashboard's links set. A value that does not
    validate (an unknown status, a team the reader does not follow, whether it
    exists or not) is ignored and the other filters still apply: build it with
    `from_query`."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any category")), *Category.choices]
    )
    sector = forms.ChoiceField(
        label=_("Lead agency's sector"),
        required=False,
        choices=[("", _("Any sector")), *SECTOR_CHOICES],
    )
    team = forms.ChoiceField(label=_("Team"), required=False)
    open = forms.BooleanField(label=_("Open only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    implemented = forms.BooleanField(label=_("Implemented in the last 12 months"), required=False)

    def __init__(self, data, *, teams: list[Team]) -> None:
        super().__init__(data, auto_id="filter-%s")
        self.teams = {str(team.code): team for team in teams}
        self.fields["team"].choices = [("", gettext("All teams"))] + [
            (code, team.name) for code, team in self.teams.items()
        ]
        if len(teams) < 2:
            del self.fields["team"]

    @classmethod
    def from_query(cls, query, *, teams: list[Team]) -> "RecommendationFilterForm":
        """The form over the query's valid filters only, so that it shows what applies."""
        return cls(cls(query, teams=teams).filters, teams=teams)

    @property
    def filters(self) -> dict[str, str]:
        """The filters that validated, as URL parameters (for the page links)."""
        self.is_valid()
        return {
            name: "1" if value is True else value
            for name, value in self.cleaned_data.items()
            if value
        }

    def apply(self, recommendations: RecommendationQuerySet, today: date) -> RecommendationQuerySet:
        filters = self.filters
        for name in ("status", "category"):
            if name in filters:
                recommendations = recommendations.filter(**{name: filters[name]})
        if "sector" in filters:
            recommendations = recommendations.led_by_sector(filters["sector"])
        if "team" in filters:
            recommendations = recommendations.filter(team=self.teams[filters["team"]])
        if "open" in filters:
            recommendations = recommendations.open()
        if "overdue" in filters:
            recommendations = recommendations.overdue(today)
        if "implemented" in filters:
            recommendations = recommendations.implemented_in_last_year(today)
        return recommendations


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TrackingForm(USWDSFormMixin, forms.Form):
    """The dashboard table's filters and sort. Like the list's, a value that
    does not validate (an unknown sort key, a lead agency that leads none of
    the reader's recommendations) is dropped, never an error: build it with
    `from_query`."""

    # sort key -> the column's field; "-key" sorts the other way. Empty values
    # (no lead agency, no due date, no update yet) come last either way.
    SORTS = {
        "title": "title",
        "lead": "lead_agency__name",
        "status": "status_order",
        "due": "due_on",
        "updated": "last_update",
    }
    DEFAULT_SORT = "due"
    COLUMNS = (
        ("title", _("Recommendation")),
        ("lead", _("Lead agency")),
        ("status", _("Status")),
        ("due", _("Due")),
        ("updated", _("Last update")),
    )

    # The dashboard's own team choice, so that filtering keeps it.
    team = forms.ChoiceField(label=_("Team"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    lead = forms.ChoiceField(label=_("Lead agency"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, leads: list[Agency], teams: list[Team]) -> None:
        super().__init__(data, auto_id="tracking-%s")
        self.fields["team"].choices = [("", gettext("All teams"))] + [
            (str(team.code), team.name) for team in teams
        ]
        if len(teams) < 2:
            del self.fields["team"]
        self.fields["lead"].choices = [
            ("", gettext("Any lead agency")),
            *((str(agency.pk), agency.name) for agency in leads),
            (NO_LEAD_AGENCY, gettext("No lead agency yet")),
        ]
        self.fields["sort"].choices = [
            (key, key) for column in self.SORTS for key in (column, f"-{column}")
        ]

    @classmethod
    def from_query(cls, query, **kwargs) -> "TrackingForm":
        return cls(cls(query, **kwargs).filters, **kwargs)

    @property
    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {
            name: "1" if value is True else value
            for name, value in self.cleaned_data.items()
            if value
        }

    def apply(self, recommendations: RecommendationQuerySet, today: date) -> RecommendationQuerySet:
        """The filters and sort on `recommendations` (already scoped to the
        chosen team by the dashboard)."""
        filters = self.filters
        if "status" in filters:
            recommendations = recommendations.filter(status=filters["status"])
        if filters.get("lead") == NO_LEAD_AGENCY:
            recommendations = recommendations.filter(lead_agency__isnull=True)
        elif "lead" in filters:
            recommendations = recommendations.filter(lead_agency_id=int(filters["lead"]))
        if "overdue" in filters:
            recommendations = recommendations.overdue(today)
        sort = filters.get("sort", self.DEFAULT_SORT)
        field = F(self.SORTS[sort.lstrip("-")])
        if sort.startswith("-"):
            return recommendations.order_by(field.desc(nulls_last=True), "-id")
        return recommendations.order_by(field.asc(nulls_last=True), "id")

    def query_string(self, **changes) -> str:
        """The team, filters and sort as a query string (sort and page links)."""
        params = {**self.filters, **changes}
        return urlencode({k: v for k, v in params.items() if v})

    def columns(self) -> list[dict]:
        """Each column's label, its sort link and its current direction (aria-sort)."""
        current = self.filters.get("sort", self.DEFAULT_SORT)
        found = []
        for key, label in self.COLUMNS:
            direction = ""
            if current == key:
                direction = "ascending"
            elif current == f"-{key}":
                direction = "descending"
            next_sort = f"-{key}" if current == key else key
            found.append(
                {
                    "label": label,
                    "url": "?" + self.query_string(sort=next_sort),
                    "direction": direction,
                }
            )
        return found


class EndorsementForm(USWDSFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("The committee's decision"), choices=EndorsementDecision.choices
    )
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Needed unless it was endorsed as it stands: the changes asked for, or why."),
    )

    def __init__(self, *args, recommendation: Recommendation, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.guard = TextGuard(user, team=recommendation.team)

    def clean_notes(self) -> str:
        text = self.cleaned_data["notes"].strip()
        problem = self.guard.problem(text) if text else ""
        if problem:
            raise forms.ValidationError(problem)
        return text

    def clean(self):
        data = super().clean()
        if data.get("decision") in DECISIONS_NEEDING_NOTES and not data.get("notes"):
            self.add_error(
                "notes", gettext("Say what the committee asked to change, or why it decided so.")
            )
        return data


class RecommendationForm(VersionedForm):
    """A recommendation, its partners and the findings behind it."""

    partners = forms.ModelMultipleChoiceField(
        label=_("Partner agencies"),
        queryset=Agency.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    linked_findings = forms.ModelMultipleChoiceField(
        label=_("Findings behind it"),
        queryset=Finding.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cited_resources = forms.ModelMultipleChoiceField(
        label=_("Community resources it cites"),
        queryset=CommunityResource.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The team's community context: services the recommendation builds on."),
    )

    class Meta:
        model = Recommendation
        fields = [
            "team",
            "title",
            "statement",
            "action",
            "measure",
            "baseline",
            "target",
            "due_on",
            "category",
            "level",
            "lead_agency",
            "adopted_on",
            "public",
            "publishable",
        ]
        widgets = {
            "due_on": DateInput(),
            "adopted_on": DateInput(),
            "statement": forms.Textarea(attrs={"rows": 4}),
            "action": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, teams=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            del self.fields["team"]
            team_ids = [self.instance.team_id]
            self.fields["partners"].initial = list(
                self.instance.partner_links.values_list("agency_id", flat=True)
            )
            self.fields["linked_findings"].initial = list(
                self.instance.finding_links.values_list("finding_id", flat=True)
            )
            self.fields["cited_resources"].initial = list(
                self.instance.resource_links.values_list("resource_id", flat=True)
            )
        else:
            del self.fields["opened_version"]
            team_ids = [t.pk for t in teams]
            self.fields["team"].queryset = self.fields["team"].queryset.filter(pk__in=team_ids)
            if len(team_ids) == 1:
                self.fields["team"].initial = team_ids[0]
        self.fields["lead_agency"].queryset = Agency.objects.order_by("name")
        self.fields["cited_resources"].queryset = CommunityResource.objects.filter(
            team_id__in=team_ids
        ).order_by("kind", "name", "id")
        self.fields["cited_resources"].label_from_instance = lambda r: (
            f"{r.name} ({r.get_kind_display()})" + (f", {r.team.name}" if len(team_ids) > 1 else "")
        )
        findings = list(
            Finding.objects.filter(case__team_id__in=team_ids)
            .active()
            .select_related("case", "case__team")
        )
        # Only the findings the confidentiality policy shows the editor are
        # offered (and changed): links to the others are kept as they are.
        viewers = viewers_for(user, {finding.case for finding in findings})
        self.shown_finding_ids, self.part2_notice = set(), ""
        for finding in findings:
            viewer = viewers[finding.case_id]
            decision = viewer.decide(finding)
            if viewer.may("view_case") and decision.shown:
                self.shown_finding_ids.add(finding.pk)
                # A Part 2 finding's kind and system, named in a choice, bring the notice.
                self.part2_notice = self.part2_notice or decision.notice
        self.fields["linked_findings"].queryset = (
            Finding.objects.filter(pk__in=self.shown_finding_ids)
            .select_related("case")
            .order_by("case__reference", "id")
        )
        if self.instance.pk:
            self.fields["linked_findings"].initial = [
                pk for pk in self.fields["linked_findings"].initial if pk in self.shown_finding_ids
            ]
        self.fields["linked_findings"].label_from_instance = lambda f: (
            f"{f.case.reference}: {f.get_kind_display()}, {f.get_system_display()}"
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        team = cleaned.get("team") or (self.instance.team if self.instance.pk else None)
        if team is not None:
            # Recommendations never carry case details (what the writer is told
            # of a match is the policy's call: cases.policy.TextGuard).
            guard = TextGuard(self.user, team=team)
            for name in ("title", "statement", "action"):
                problem = guard.problem(cleaned.get(name, ""))
                if problem:
                    self.add_error(name, problem)
                    break
            for finding in cleaned.get("linked_findings") or ():
                if finding.case.team_id != team.pk:
                    self.add_error("linked_findings", gettext("A finding of another team's case."))
                    break
            for resource in cleaned.get("cited_resources") or ():
                if resource.team_id != team.pk:
                    self.add_error("cited_resources", gettext("A resource of another team."))
                    break
        return cleaned

    def save_links(self, recommendation: Recommendation, *, by) -> None:
        """Partners and findings through their own models, so each link has history."""
        with transaction.atomic():
            sync_links(
                recommendation.partner_links,
                RecommendationPartner,
                "agency",
                {a.pk: a for a in self.cleaned_data["partners"]},
                recommendation,
                by,
            )
            sync_links(
                recommendation.finding_links.filter(finding_id__in=self.shown_finding_ids),
                RecommendationFinding,
                "finding",
                {f.pk: f for f in self.cleaned_data["linked_findings"]},
                recommendation,
                by,
            )
            sync_links(
                recommendation.resource_links,
                RecommendationResource,
                "resource",
                {r.pk: r for r in self.cleaned_data["cited_resources"]},
                recommendation,
                by,
            )


def sync_links(links, model, field: str, wanted: dict, recommendation, by) -> None:
    """Make `links` (the links the editor may change) match `wanted`, one
    saved or deleted link at a time so that each keeps its history."""
    current = {getattr(link, f"{field}_id"): link for link in links.all()}
    for pk in current.keys() - wanted.keys():
        link = current[pk]
        link._history_user = by
        link.delete()
    for pk in wanted.keys() - current.keys():
        link = model(recommendation=recommendation, **{field: wanted[pk]})
        link._history_user = by
        link.save()


class ProgressUpdateForm(USWDSFormMixin, forms.Form):
    reported_on = forms.DateField(label=_("Date of the update"), widget=DateInput())
    new_status = forms.ChoiceField(label=_("Status after this update"))
    narrative = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Needed for every update, and for every change of status."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Needed when it is not implemented or no longer applies."),
    )
    evidence = forms.FileField(
        label=_("Evidence (optional)"),
        required=False,
        help_text=_("A PDF, image or plain-text file: minutes, a policy, a report."),
    )

    def __init__(self, *args, recommendation: Recommendation, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation
        self.guard = TextGuard(user, team=recommendation.team)
        self.fields["new_status"].choices = [
            (s, Status(s).label) for s in recommendation.allowed_statuses()
        ]
        self.fields["new_status"].initial = recommendation.status

    def clean_narrative(self) -> str:
        text = self.cleaned_data["narrative"].strip()
        problem = self.guard.problem(text)
        if problem:
            raise forms.ValidationError(problem)
        return text

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            inspect_upload(upload, settings.OFR_MAX_UPLOAD_BYTES)
        return upload


class TaskForm(VersionedForm):
    class Meta:
        model = WorkPlanTask
        fields = ["task", "owner", "due_on", "done"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["opened_version"]
            del self.fields["done"]


class FundingForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = FundingSource
        fields = ["kind", "amount", "note"]

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError(gettext("An amount cannot be negative."))
        return amount


class CommunityResourceForm(VersionedForm):
    """A community resource of the team (the view sets the team)."""

    class Meta:
        model = CommunityResource
        fields = [
            "kind",
            "name",
            "agency",
            "area_served",
            "started_on",
            "ended_on",
            "notes",
            "source",
        ]
        widgets = {"started_on": DateInput(), "ended_on": DateInput()}

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.instance.pk:
            del self.fields["opened_version"]
        self.fields["agency"].queryset = Agency.objects.order_by("name")

    def clean(self) -> dict:
        cleaned = super().clean()
        # Read by partners and oversight: no decedent's name gets in.
        guard = TextGuard(self.user, team=self.instance.team)
        for name in ("name", "notes"):
            problem = guard.problem(cleaned.get(name, "")) if cleaned.get(name) else ""
            if problem:
                self.add_error(name, problem)
                break
        return cleaned

import uuid
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from cases import valuesets as vs
from cases.access import cases_for_user
from cases.completeness import completeness_refusal
from cases.models import Case, IdentifierLookup, ToxicologyResult
from ofr.access import active_memberships
from ofr.concurrency import VersionedForm
from ofr.forms import USWDSFormMixin
from ofr.models import Team
from ofr.roles import CASE_PERMISSIONS


class ReferenceMixin:
    """A case reference is upper-cased and unique within its team."""

    def clean_reference(self) -> str:
        return self.cleaned_data["reference"].strip().upper()

    def clean(self) -> dict:
        cleaned = super().clean()
        team = cleaned.get("team") or (self.instance.team if self.instance.team_id else None)
        reference = cleaned.get("reference")
        if team and reference:
            clash = Case.objects.filter(team=team, reference=reference).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "reference", gettext("This team already has a case with this reference.")
                )
        return cleaned


class CaseForm(ReferenceMixin, VersionedForm):
    text_limits = {"summary": 20_000}

    class Meta:
        model = Case
        fields = ["reference", "summary"]


class NewCaseForm(ReferenceMixin, USWDSFormMixin, forms.ModelForm):
    """A new case starts as identified; its lifecycle moves on from the case page."""

    text_limits = {"summary": 20_000}

    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)

    class Meta:
        model = Case
        fields = ["team", "reference", "summary"]

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class StatusForm(USWDSFormMixin, forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("New status"))
    exclusion_reason = forms.ChoiceField(
        label=gettext_lazy("Reason for exclusion"),
        choices=[("", "—")] + vs.ExclusionReason.choices,
        required=False,
        help_text=gettext_lazy("Needed when the case is excluded."),
    )
    deferral_reason = forms.ChoiceField(
        label=gettext_lazy("Reason for deferral"),
        choices=[("", "—")] + vs.DeferralReason.choices,
        required=False,
        help_text=gettext_lazy("Needed when the case is deferred."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Why the status changes. No names."),
    )
    opened_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case: Case, may_override_completeness: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.may_override_completeness = may_override_completeness
        self.fields["status"].choices = [(s, Case.Status(s).label) for s in case.allowed_statuses()]
        self.fields["opened_version"].initial = case.version
        # Offered once a move to reviewed or closed is refused for want of data
        # (the refused form comes back with it), and only to coordinators.
        asked = self.data.get("status") if self.is_bound else None
        if may_override_completeness and completeness_refusal(case, asked or ""):
            self.fields["completeness_reason"] = forms.CharField(
                label=gettext_lazy("Reason to go ahead with items not collected"),
                max_length=300,
                required=False,
                help_text=gettext_lazy("Recorded on the case and in its history. No names."),
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        status = cleaned.get("status")
        refusal = completeness_refusal(self.case, status or "")
        if refusal and not cleaned.get("completeness_reason", "").strip():
            self.add_error(
                "status",
                refusal
                + " "
                + (
                    gettext("Add the missing items, or say below why the team goes ahead anyway.")
                    if self.may_override_completeness
                    else gettext("Add the missing items, or ask a coordinator to go ahead anyway.")
                ),
            )
        if status == Case.Status.EXCLUDED and not cleaned.get("exclusion_reason"):
            self.add_error("exclusion_reason", gettext("Say why the case is excluded."))
        if status == Case.Status.DEFERRED and not cleaned.get("deferral_reason"):
            self.add_error("deferral_reason", gettext("Say why the case is deferred."))
        return cleaned


class CaseSearchForm(USWDSFormMixin, forms.Form):
    """Search, filters and sort of the case list. Names are searched only in
    the cases where the user may see identifiers.

    The search term may be a decedent's name, so it never goes in a URL: the
    list's links carry the id the view keeps it under (`search`) and the
    filters below, which identify no one."""

    URL_PARAMETERS = (
        "search",
        "status",
        "year",
        "manner",
        "substance",
        "team",
        "review_due",
        "sort",
    )

    SORTS = {
        "reference": ("reference", "id"),
        "-reference": ("-reference", "-id"),
        "death": ("death__date_of_death", "id"),
        "-death": ("-death__date_of_death", "-id"),
        "status": ("status", "id"),
        "-updated": ("-updated_at", "-id"),
        "updated": ("updated_at", "id"),
    }
    DEFAULT_SORT = ("-created_at", "-id")

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses"))] + Case.Status.choices,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year of death"), required=False, min_value=1900, max_value=2100
    )
    manner = forms.ChoiceField(
        label=gettext_lazy("Manner of death"),
        required=False,
        choices=[("", gettext_lazy("Any manner"))] + vs.MannerOfDeath.choices,
    )
    substance = forms.ChoiceField(
        label=gettext_lazy("Substance"),
        required=False,
        choices=[("", gettext_lazy("Any substance"))] + vs.Substance.choices,
    )
    team = forms.ChoiceField(label=gettext_lazy("Team"), required=False)
    review_due = forms.BooleanField(label=gettext_lazy("Deferral due for review"), required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # From the memberships the header loads anyway: no extra queries.
        memberships = [m for m in active_memberships(user) if CASE_PERMISSIONS[m.role]]
        teams = {m.team.code: m.team.name for m in memberships}
        self.fields["team"].choices = [("", gettext_lazy("All teams"))] + [
            (str(code), name) for code, name in teams.items()
        ]
        if len(teams) < 2:
            del self.fields["team"]
        # The search itself is limited to cases granting view_identifiers.
        self.may_search_names = any(
            "view_identifiers" in CASE_PERMISSIONS[m.role] for m in memberships
        )
        self.fields["q"].help_text = (
            gettext(
                "Case reference, or a decedent's full name, first and last name, last name, "
                "ME/coroner case number or death certificate number (whole names, not parts)"
            )
            if self.may_search_names
            else gettext("Case reference")
        )

    @property
    def searches_names(self) -> bool:
        """Whether this search matches decedent names: a read of identifiers."""
        return self.may_search_names and self.is_valid() and bool(self.cleaned_data["q"])

    def apply(self, cases):
        data = self.cleaned_data
        query = data["q"].strip()
        if query:
            match = Q(reference__icontains=query)
            try:
                match |= Q(code=uuid.UUID(query))
            except ValueError:
                pass
            if self.may_search_names:
                found = IdentifierLookup.objects.matching(query).values("case_id")
                named = cases_for_user(self.user, "view_identifiers").filter(pk__in=found)
                match |= Q(pk__in=named.values("pk"))
            cases = cases.filter(match)
        if data["status"]:
            cases = cases.filter(status=data["status"])
        if data["year"]:
            cases = cases.filter(death__date_of_death__year=data["year"])
        if data["manner"]:
            cases = cases.filter(death__manner=data["manner"])
        if data["substance"]:
            cases = cases.filter(
                Exists(
                    ToxicologyResult.objects.filter(
                        case=OuterRef("pk"), substance=data["substance"]
                    )
                )
            )
        if data.get("team"):
            cases = cases.filter(team__code=data["team"])
        if data["review_due"]:
            cases = cases.deferrals_due(timezone.localdate())
        return cases.order_by(*self.SORTS.get(data["sort"], self.DEFAULT_SORT))

    def query_string(self, **changes) -> str:
        """The search id and filters as a query string, for pagination and sort
        links; never the term itself."""
        data = self.data or {}
        params = {k: data.get(k) for k in self.URL_PARAMETERS}
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})

    def sort_links(self) -> dict[str, dict]:
        """For each sortable column: its link and its current direction (for aria-sort)."""
        current = (self.data or {}).get("sort", "")
        links = {}
        for column, ascending in (
            ("reference", "reference"),
            ("death", "-death"),
            ("status", "status"),
            ("updated", "-updated"),
        ):
            descending = ascending[1:] if ascending.startswith("-") else f"-{ascending}"
            active = current in (ascending, descending)
            next_sort = descending if current == ascending else ascending
            direction = ""
            if active:
                direction = "descending" if current.startswith("-") else "ascending"
            links[column] = {"url": "?" + self.query_string(sort=next_sort), "direction": direction}
        return links

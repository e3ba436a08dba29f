import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from cases.access import (
    cases_for_user,
    export_teams,
    get_case_for_user,
    may_add_cases,
    may_list_cases,
    may_override_completeness,
    quality_teams,
    ungated_team_ids,
)
from cases.casefile import case_file_context
from cases.completeness import case_completeness, data_queries
from cases.forms.cases import CaseForm, CaseSearchForm, NewCaseForm, StatusForm
from cases.history import case_file_history
from cases.models import Case
from cases.policy import (
    identifiers_for,
    may_manage_interviews,
    visible_documents,
    visible_interviews,
    visible_requests,
)
from cases.views.deferral import deferral_panel
from cases.views.editing import edit_versioned
from ofr.access import teams_for_user
from ofr.audit import Action, DeniedForbidden, record, search_term_digest
from ofr.encryption import decrypt, encrypt
from ofr.models import AccessEvent
from ofr.paging import CappedPaginator

CASES_PER_PAGE = 50
SEARCHES_KEPT = 5


def remember_search(request: HttpRequest, term: str) -> str:
    """Keep a search term in the session under a new random id, the one that
    goes in URLs instead of the term (which may be a decedent's name).
    Sessions are stored in the database, so the term is kept encrypted."""
    now = timezone.now().timestamp()
    kept = [
        (key, entry)
        for key, entry in request.session.get("case_searches", {}).items()
        if not search_expired(entry, now)
    ]
    search_id = secrets.token_urlsafe(16)
    kept = kept[-(SEARCHES_KEPT - 1) :] + [(search_id, {"token": encrypt(term), "at": now})]
    request.session["case_searches"] = dict(kept)
    return search_id


def recall_search(request: HttpRequest, search_id: str) -> str | None:
    """The term kept under `search_id`, or None when unknown or expired."""
    entry = request.session.get("case_searches", {}).get(search_id)
    if entry is None or search_expired(entry, timezone.now().timestamp()):
        return None
    try:
        return decrypt(entry["token"])
    except (KeyError, ImproperlyConfigured):  # kept in clear, or under a retired key
        return None


def search_expired(entry: dict, now: float) -> bool:
    # A results page outlives its search no longer than an idle session would.
    return now - entry["at"] > settings.SESSION_IDLE_MINUTES * 60


def sorted_not_walked(cases):
    """A review member's list holds only the cases they were cleared for: sort
    those, rather than let PostgreSQL walk the team's cases newest first
    looking for them (page 1 at 100,000 cases took 87 ms when they were the
    team's oldest). The expression keeps the date index out of the plan."""
    if tuple(cases.query.order_by) in ((), CaseSearchForm.DEFAULT_SORT):
        return cases.order_by(Coalesce("created_at", "created_at").desc(), "-id")
    return cases


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    if not may_list_cases(request.user):
        raise DeniedForbidden("cases.case", "", "list_cases")
    if request.method == "POST":
        search = CaseSearchForm(request.POST, user=request.user)
        if search.is_valid():
            term = search.cleaned_data["q"]
            search_id = remember_search(request, term) if term else ""
            if search.searches_names:
                # Looking a decedent up by name is a read of identifiers; the
                # log keeps a keyed hash (manage.py audit_search), not the name.
                record(
                    request,
                    Action.VIEW,
                    object_type="cases.case",
                    detail=f"name search sha256-hmac:{search_term_digest(term)}",
                )
            query = search.query_string(search=search_id)
            return redirect(f"{reverse('cases:list')}?{query}" if query else "cases:list")
    else:
        data = request.GET.copy()
        data.pop("q", None)  # an old link's term is not searched: it belongs in no URL
        if data.get("search"):
            term = recall_search(request, data["search"])
            if term is None:
                messages.info(request, gettext("That search has expired; search again."))
                return redirect("cases:list")
            data["q"] = term
        search = CaseSearchForm(data or None, user=request.user)
    cases = cases_for_user(request.user, "view_case").select_related("death")
    if search.is_valid():
        cases = search.apply(cases)
    if not ungated_team_ids(request.user):
        cases = sorted_not_walked(cases)
    page = CappedPaginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    # A hint for the button only; case_new checks the team grant itself.
    can_add = may_add_cases(request.user)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "search": search,
            "can_add": can_add,
            "export_teams": export_teams(request.user),
            "quality_teams": quality_teams(request.user),
            "query_string": search.query_string(),
            "sort_links": search.sort_links(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    teams = teams_for_user(request.user, "add_team_case")
    if not teams.exists():
        raise DeniedForbidden("ofr.team", "", "add_team_case")
    form = NewCaseForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            case = form.save(commit=False)
            case.created_by = request.user
            case._change_reason = "Case created"
            case.save()
        messages.success(
            request, gettext("Case %(reference)s created.") % {"reference": case.reference}
        )
        return redirect("cases:detail", case.code)
    return render(request, "cases/case_form.html", {"form": form, "case": None})


@login_required
@require_safe
def case_detail(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_case")
    viewer = case.viewer
    record(request, Action.VIEW, case)
    case_file = case_file_context(case, viewer)
    identifiers = identifiers_for(case, viewer)
    return render(
        request,
        "cases/case_detail.html",
        {
            **case_file,
            "completeness": case_completeness(case),
            "data_queries": data_queries(
                case, viewer, timeline=case_file["timeline"], identifiers=identifiers
            ),
            "deferral": deferral_panel(case, request.user),
            "identifiers": identifiers,
            "documents": visible_documents(case.documents.select_related("agency"), viewer),
            "record_requests": visible_requests(
                case.record_requests.select_related("agency"), viewer
            ),
            "nok": nok_panel(case, viewer),
        },
    )


def nok_panel(case: Case, viewer) -> dict:
    """The case's next-of-kin interviews the viewer may read (others are left
    out, unnamed), and whether they may assign one."""
    interviews = visible_interviews(case.nok_interviews.select_related("interviewer"), viewer)
    return {
        "interviews": interviews,
        "visible_ids": {interview.pk for interview in interviews},
        "may_assign": may_manage_interviews(viewer),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_edit(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    form = CaseForm(request.POST or None, instance=case)
    return edit_versioned(
        request,
        form,
        case=case,
        title=gettext("Reference and summary"),
        reason="Reference or summary edited",
        success_url=case_url(case),
        cancel_url=case_url(case),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_status(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    form = StatusForm(
        request.POST or None,
        case=case,
        may_override_completeness=may_override_completeness(case.viewer),
    )
    stale = False
    done = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                current = Case.objects.select_for_update().get(pk=case.pk)
                stale = current.version != data["opened_version"]
                if not stale:
                    done = current.move_to(
                        data["status"],
                        by=request.user,
                        note=data["note"],
                        exclusion_reason=data["exclusion_reason"],
                        deferral_reason=data["deferral_reason"],
                        completeness_reason=data.get("completeness_reason", ""),
                    )
        except ValidationError as refused:
            form.add_error("status", refused)
        if not stale and not form.errors:
            message = gettext("Status: %(status)s.") % {"status": current.get_status_display()}
            if done:
                message += " " + " ".join(done)
            messages.success(request, message)
            return redirect("cases:detail", case.code)
    return render(
        request,
        "cases/case_status.html",
        {"case": case, "form": form, "stale": stale},
        status=409 if stale else 200,
    )


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.code])


@login_required
@require_safe
def case_history(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_case")
    record(request, Action.VIEW, case, detail="history")
    entries, notice = case_file_history(case, case.viewer)
    return render(
        request,
        "cases/case_history.html",
        {"case": case, "entries": entries, "notice": notice},
    )


@login_required
@require_safe
def case_access_log(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_access_log")
    record(request, Action.VIEW, case, detail="access log")
    events = AccessEvent.objects.filter(object_type="cases.case", object_id=str(case.code))
    page = Paginator(events.order_by("-seq"), 100).get_page(request.GET.get("page"))
    return render(request, "cases/case_access_log.html", {"case": case, "page": page})

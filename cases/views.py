from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from cases.access import cases_for_user, get_case_for_user, may_add_cases, may_list_cases
from cases.forms import CaseForm, NewCaseForm
from cases.models import Case
from ofr.access import teams_for_user
from ofr.audit import Action, DeniedForbidden, record
from ofr.history import history_entries
from ofr.models import AccessEvent

CASES_PER_PAGE = 50


@login_required
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    if not may_list_cases(request.user):
        raise DeniedForbidden("cases.case", "", "list_cases")
    cases = cases_for_user(request.user, "view_case").order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in Case.Status.values:
        cases = cases.filter(status=status)
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    # A hint for the button only; case_new checks the team grant itself.
    can_add = may_add_cases(request.user)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "statuses": Case.Status.choices,
            "status": status,
            "can_add": can_add,
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
        messages.success(request, f"Case {case.reference} created.")
        return redirect("cases:detail", case.code)
    return render(request, "cases/case_form.html", {"form": form, "case": None})


@login_required
@require_safe
def case_detail(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_case")
    record(request, Action.VIEW, case)
    return render(
        request,
        "cases/case_detail.html",
        {"case": case, "perms_on_case": case.viewer_permissions},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_edit(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    form = CaseForm(request.POST or None, instance=case)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            case = form.save(commit=False)
            case._change_reason = "Edited"
            case.save()
        messages.success(request, "Case saved.")
        return redirect("cases:detail", case.code)
    return render(request, "cases/case_form.html", {"form": form, "case": case})


@login_required
@require_safe
def case_history(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_case")
    record(request, Action.VIEW, case, detail="history")
    return render(
        request, "cases/case_history.html", {"case": case, "entries": history_entries(case)}
    )


@login_required
@require_safe
def case_access_log(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "view_access_log")
    record(request, Action.VIEW, case, detail="access log")
    events = AccessEvent.objects.filter(object_type="cases.case", object_id=str(case.code))
    page = Paginator(events.order_by("-seq"), 100).get_page(request.GET.get("page"))
    return render(request, "cases/case_access_log.html", {"case": case, "page": page})

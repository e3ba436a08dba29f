"""Edit pages for the sections of the case file, and toxicology results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from cases.access import get_case_for_user, get_item_for_user
from cases.forms.sections import (
    CircumstancesForm,
    DeathForm,
    DecedentForm,
    IdentifiersForm,
    ToxicologyEditForm,
    ToxicologyForm,
)
from cases.models import ToxicologyResult
from cases.views.editing import edit_versioned
from ofr.audit import DeniedForbidden

GET_OR_POST = ["GET", "HEAD", "POST"]


def section_url(case, anchor: str) -> str:
    return reverse("cases:detail", args=[case.code]) + f"#{anchor}"


def edit_section(request, case, form_class, instance, *, title: str, anchor: str):
    form = form_class(request.POST or None, instance=instance)
    return edit_versioned(
        request,
        form,
        case=case,
        title=gettext(title),
        reason=f"{title} edited",  # the history stays English
        success_url=section_url(case, anchor),
        cancel_url=section_url(case, anchor),
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_decedent(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    return edit_section(
        request,
        case,
        DecedentForm,
        case.decedent,
        title=gettext_noop("Decedent"),
        anchor="decedent",
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_identifiers(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    if not case.viewer.sees_identifiers:
        raise DeniedForbidden("cases.case", code, "view_identifiers")
    return edit_section(
        request,
        case,
        IdentifiersForm,
        case.identifiers,
        title=gettext_noop("Identifiers"),
        anchor="identifiers",
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_death(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    return edit_section(
        request, case, DeathForm, case.death, title=gettext_noop("Death"), anchor="death"
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_circumstances(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    return edit_section(
        request,
        case,
        CircumstancesForm,
        case.circumstances,
        title=gettext_noop("Circumstances"),
        anchor="circumstances",
    )


@login_required
@require_http_methods(GET_OR_POST)
def add_toxicology(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    form = ToxicologyForm(request.POST or None, instance=ToxicologyResult(case=case))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            result = form.save(commit=False)
            result._change_reason = "Toxicology result added"
            result.save()
        messages.success(request, gettext("Toxicology: %(result)s added.") % {"result": result})
        return redirect(section_url(case, "toxicology"))
    return render(
        request,
        "cases/versioned_form.html",
        {
            "form": form,
            "case": case,
            "title": gettext("Add a toxicology result"),
            "conflict": None,
            "cancel_url": section_url(case, "toxicology"),
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_toxicology(request: HttpRequest, code, item) -> HttpResponse:
    result = get_item_for_user(request.user, code, ToxicologyResult, item, "change_case")
    form = ToxicologyEditForm(request.POST or None, instance=result)
    return edit_versioned(
        request,
        form,
        case=result.case,
        title=gettext("Toxicology result"),
        reason="Toxicology result edited",
        success_url=section_url(result.case, "toxicology"),
        cancel_url=section_url(result.case, "toxicology"),
        extra_context={
            "delete_url": reverse("cases:delete_toxicology", args=[result.case.code, result.code])
        },
    )


@login_required
@require_POST
def delete_toxicology(request: HttpRequest, code, item) -> HttpResponse:
    result = get_item_for_user(request.user, code, ToxicologyResult, item, "change_case")
    with transaction.atomic():
        result._change_reason = "Toxicology result removed"
        result.delete()
    messages.success(request, gettext("Toxicology: %(result)s removed.") % {"result": result})
    return redirect(section_url(result.case, "toxicology"))

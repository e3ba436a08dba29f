"""The edit-form flow shared by every versioned record of the case file."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from ofr.audit import Action, record
from ofr.concurrency import EditConflict, VersionedForm, save_versioned


def edit_versioned(
    request: HttpRequest,
    form: VersionedForm,
    *,
    case,
    title: str,
    reason: str,
    success_url: str,
    cancel_url: str,
    item=None,
    extra_context: dict | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST saves it unless someone saved the
    record since the form was opened. Then the page says what changed and by
    whom, keeps the user's input and saves nothing (409).

    A form of the case file (`case` given) shows what it edits: every time it
    is shown, that is logged as a read, and an `item` the confidentiality
    policy marks as Part 2 content carries the 42 CFR 2.32 notice."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            viewer = case.viewer if case is not None else None
            save_versioned(form, by=request.user, reason=reason, viewer=viewer)
        except EditConflict as error:
            conflict = error
        else:
            messages.success(request, gettext("%(title)s: saved.") % {"title": title})
            return redirect(success_url)
    notice = ""
    if case is not None:
        record(request, Action.VIEW, case, detail=f"edit form: {form_label(form.instance)}")
        notice = case.viewer.decide(item).notice if item is not None else ""
    context = {
        "form": form,
        "case": case,
        "title": title,
        "conflict": conflict,
        "cancel_url": cancel_url,
        "notice": notice,
        **(extra_context or {}),
    }
    status = 409 if conflict else 200
    return render(request, "cases/versioned_form.html", context, status=status)


def form_label(instance) -> str:
    """Names the record an edit form showed, for the access log: its model and
    code, never its content."""
    code = getattr(instance, "code", None)
    name = instance._meta.label_lower
    return f"{name} {code}" if code is not None and name != "cases.case" else name

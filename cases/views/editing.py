"""The edit-form flow shared by every versioned record of the case file."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases.concurrency import EditConflict, VersionedForm, save_versioned


def edit_versioned(
    request: HttpRequest,
    form: VersionedForm,
    *,
    case,
    title: str,
    reason: str,
    success_url: str,
    cancel_url: str,
    extra_context: dict | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST saves it unless someone saved the
    record since the form was opened. Then the page says what changed and by
    whom, keeps the user's input and saves nothing (409)."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(form, by=request.user, reason=reason)
        except EditConflict as error:
            conflict = error
        else:
            messages.success(request, f"{title}: saved.")
            return redirect(success_url)
    context = {
        "form": form,
        "case": case,
        "title": title,
        "conflict": conflict,
        "cancel_url": cancel_url,
        **(extra_context or {}),
    }
    status = 409 if conflict else 200
    return render(request, "cases/versioned_form.html", context, status=status)

"""A team's data-sharing agreements with agencies: the list (with those to
renew), record and edit one, and download its signed file.

The signed file is the team's: on private storage, sent only through
download_agreement, which checks the role on the team, then the file's
SHA-256, and logs the download (ofr.files.send_stored_file)."""

import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from cases.access import agreement_teams, get_agreement_for_user
from cases.forms.agreements import AgreementForm
from cases.models import DataSharingAgreement
from cases.models.agreements import RENEWAL_WINDOW_DAYS
from ofr.audit import DeniedForbidden
from ofr.concurrency import EditConflict, save_versioned
from ofr.files import (
    FileUnavailable,
    StorageFailed,
    committed_with_file,
    safe_download_name,
    send_stored_file,
)

logger = logging.getLogger(__name__)

GET_OR_POST = ["GET", "HEAD", "POST"]


@login_required
@require_safe
def agreement_list(request: HttpRequest) -> HttpResponse:
    """The agreements of the teams the user may read them for; with ?renew=1,
    only those ending within the renewal window (or ended) and not renewed."""
    teams = agreement_teams(request.user)
    if not teams:
        raise DeniedForbidden("cases.datasharingagreement", "", "view_agreements")
    today = timezone.localdate()
    agreements = DataSharingAgreement.objects.filter(team__in=teams)
    renew = request.GET.get("renew") == "1"
    if renew:
        agreements = agreements.needing_renewal(today)
    else:
        agreements = agreements.order_by("team__name", "agency__name", "-expires_on", "id")
    managed = {team.pk for team in agreement_teams(request.user, "manage_agreements")}
    rows = [
        (agreement, agreement.team_id in managed)
        for agreement in agreements.select_related("team", "agency")
    ]
    return render(
        request,
        "cases/agreements/list.html",
        {
            "rows": rows,
            "renew": renew,
            "today": today,
            "window_days": RENEWAL_WINDOW_DAYS,
            "soon": today + timedelta(days=RENEWAL_WINDOW_DAYS),
            "can_add": bool(managed),
            "show_team": len(teams) > 1,
        },
    )


def save_agreement(form: AgreementForm, save):
    """Run `save` (which saves the form's agreement), with the signed file
    written alongside when one was uploaded: both, or neither (see
    ofr.files.committed_with_file). Raises StorageFailed when nothing was kept."""
    agreement = form.instance
    upload = form.cleaned_data.get("file")
    if not upload:
        return save()
    info = form.upload_info
    agreement.original_name = (upload.name or "")[-255:]
    agreement.extension = info.extension
    agreement.content_type = info.content_type
    agreement.size = info.size
    agreement.sha256 = info.sha256
    try:
        with committed_with_file(agreement.file, upload, f"signed{info.extension}"):
            return save()
    except (StorageFailed, DatabaseError) as error:
        logger.exception("Signed agreement for team %s could not be stored", agreement.team.code)
        if isinstance(error, DatabaseError):
            raise StorageFailed from error
        raise


def render_form(request, form, *, title: str, conflict=None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "cases/versioned_form.html",
        {
            "form": form,
            "title": title,
            "conflict": conflict,
            "cancel_url": reverse("cases:agreements"),
        },
        status=status,
    )


@login_required
@require_http_methods(GET_OR_POST)
def agreement_new(request: HttpRequest) -> HttpResponse:
    teams = agreement_teams(request.user, "manage_agreements")
    if not teams:
        raise DeniedForbidden("cases.datasharingagreement", "", "manage_agreements")
    posted = request.method == "POST"
    form = AgreementForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=DataSharingAgreement(created_by=request.user),
        teams=teams,
    )
    if posted and form.is_valid():

        def save():
            agreement = form.save(commit=False)
            agreement._history_user = request.user
            agreement._change_reason = "Data-sharing agreement recorded"
            with transaction.atomic():
                agreement.save()
            return agreement

        try:
            agreement = save_agreement(form, save)
        except StorageFailed as failure:
            form.add_error(None, failure.message)
            return render_form(
                request, form, title=gettext("Record a data-sharing agreement"), status=503
            )
        messages.success(request, gettext("%(agreement)s: saved.") % {"agreement": agreement})
        return redirect("cases:agreements")
    return render_form(request, form, title=gettext("Record a data-sharing agreement"))


@login_required
@require_http_methods(GET_OR_POST)
def agreement_edit(request: HttpRequest, code) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, code, "manage_agreements")
    posted = request.method == "POST"
    form = AgreementForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=agreement,
        teams=[agreement.team],
    )
    title = str(agreement)
    if posted and form.is_valid():
        try:
            save_agreement(
                form,
                lambda: save_versioned(
                    form, by=request.user, reason="Data-sharing agreement edited"
                ),
            )
        except EditConflict as conflict:
            return render_form(request, form, title=title, conflict=conflict, status=409)
        except StorageFailed as failure:
            form.add_error(None, failure.message)
            return render_form(request, form, title=title, status=503)
        messages.success(request, gettext("%(title)s: saved.") % {"title": title})
        return redirect("cases:agreements")
    return render_form(request, form, title=title)


@login_required
@require_safe
def download_agreement(request: HttpRequest, code) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, code, "view_agreements")
    reason, status = "none", 404  # recorded without its signed copy
    if agreement.sha256:
        try:
            return send_stored_file(
                request,
                agreement.file,
                sha256=agreement.sha256,
                audited=agreement,
                detail=f"signed agreement {agreement.code}",
                filename=safe_download_name(agreement.original_name, agreement.extension),
                content_type=agreement.content_type,
            )
        except FileUnavailable as problem:
            reason, status = problem.reason, problem.status
    return render(
        request,
        "cases/agreements/file_unavailable.html",
        {"agreement": agreement, "reason": reason, "back_url": reverse("cases:agreements")},
        status=status,
    )

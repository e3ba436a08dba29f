"""Source documents: upload, edit the details, download through a checked view.

Files live on private storage, which is never given out by URL: the only way
out is download_document, which checks the viewer's permission on the case and
the document's category, then sends the file through ofr.files.send_stored_file
(which checks its SHA-256 and logs the download).
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from cases.access import get_case_for_user, get_item_for_user
from cases.forms.documents import DocumentEditForm, DocumentForm
from cases.models import SourceDocument
from cases.views.editing import edit_versioned
from cases.views.sections import section_url
from ofr.audit import Action, record
from ofr.files import (
    FileUnavailable,
    StorageFailed,
    committed_with_file,
    safe_download_name,
    send_stored_file,
)
from ofr.roles import SensitiveCategory

logger = logging.getLogger(__name__)

GET_OR_POST = ["GET", "HEAD", "POST"]


def store_document(form: DocumentForm, *, by) -> SourceDocument:
    """Write the checked upload and its row together, or neither (see
    ofr.files.committed_with_file); raises StorageFailed when nothing was kept."""
    document = form.save(commit=False)
    info = form.upload_info
    upload = form.cleaned_data["file"]
    document.original_name = (upload.name or "")[-255:]
    document.extension = info.extension
    document.content_type = info.content_type
    document.size = info.size
    document.sha256 = info.sha256
    document.uploaded_by = by
    document._change_reason = "Document uploaded"
    try:
        # The stored name comes from document_path: case code, random hex, extension.
        with committed_with_file(document.file, upload, f"upload{info.extension}"):
            document.save()
    except (StorageFailed, DatabaseError) as error:
        logger.exception("Document upload for case %s could not be stored", document.case.code)
        if isinstance(error, DatabaseError):
            raise StorageFailed from error
        raise
    return document


@login_required
@require_http_methods(GET_OR_POST)
def add_document(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_user(request.user, code, "change_case")
    posted = request.method == "POST"
    form = DocumentForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=SourceDocument(case=case),
        viewer=case.viewer,
    )
    status = 200
    if posted and form.is_valid():
        try:
            document = store_document(form, by=request.user)
        except StorageFailed as failure:
            form.add_error(None, failure.message)
            status = 503
        else:
            message = gettext("Document “%(title)s” uploaded.") % {"title": document.title}
            if form.applied_default:
                category = SensitiveCategory(form.applied_default).label
                message += " " + gettext(
                    "It is restricted to %(category)s, the default for "
                    "%(type)s documents; "
                    "edit its details to choose another category."
                ) % {"category": category, "type": document.get_document_type_display()}
            messages.success(request, message)
            if document.agreement_flag:
                messages.warning(
                    request, gettext("Flagged: %(flag)s") % {"flag": document.agreement_flag}
                )
            return redirect(section_url(case, "documents"))
    return render(
        request,
        "cases/documents/document_form.html",
        {
            "form": form,
            "case": case,
            "title": gettext("Upload a document"),
            "cancel_url": section_url(case, "documents"),
        },
        status=status,
    )


@login_required
@require_http_methods(GET_OR_POST)
def edit_document(request: HttpRequest, code, item) -> HttpResponse:
    document = get_item_for_user(request.user, code, SourceDocument, item, "change_case")
    case = document.case
    form = DocumentEditForm(request.POST or None, instance=document, viewer=case.viewer)
    return edit_versioned(
        request,
        form,
        case=case,
        title=gettext("Document details"),
        reason="Document details edited",
        success_url=section_url(case, "documents"),
        cancel_url=section_url(case, "documents"),
        item=document,
    )


def _unavailable(request, document, *, reason: str, status: int) -> HttpResponse:
    return render(
        request,
        "cases/documents/document_unavailable.html",
        {
            "case": document.case,
            "document": document,
            "reason": reason,
            "back_url": section_url(document.case, "documents"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def download_document(request: HttpRequest, code, item) -> HttpResponse:
    document = get_item_for_user(request.user, code, SourceDocument, item, "view_case")
    case = document.case
    notice = document.decision.notice
    if notice and request.GET.get("notice") != "read":
        # The file goes as it was received: the 42 CFR 2.32 notice comes first.
        record(request, Action.VIEW, case, detail=f"document {document.code} notice")
        return render(
            request,
            "cases/documents/document_notice.html",
            {
                "case": case,
                "document": document,
                "notice": notice,
                "back_url": section_url(case, "documents"),
            },
        )
    try:
        return send_stored_file(
            request,
            document.file,
            sha256=document.sha256,
            audited=case,
            detail=f"document {document.code}",
            filename=safe_download_name(document.original_name, document.extension),
            content_type=document.content_type,
        )
    except FileUnavailable as problem:
        return _unavailable(request, document, reason=problem.reason, status=problem.status)

"""Next-of-kin interviews: assignment, outreach, consent, the interview, the
interviewer's debrief, the family's do-not-contact wish, touchpoints extracted
onto the timeline, outreach letters and consent forms, and the interviewer's list.

Who may read and do what is decided in cases/policy.py and asked through
cases/access.py (get_interview_for_user); nothing here decides it."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_http_methods, require_safe

from cases.access import (
    cases_for_user,
    get_case_for_assigning,
    get_interview_for_user,
    is_nok_interviewer,
    nok_coordinated_teams,
)
from cases.forms.nok import (
    AssignForm,
    AttemptForm,
    ConsentForm,
    DebriefForm,
    DoNotContactForm,
    InterviewForm,
    TouchpointForm,
)
from cases.models import NokInterview, NokOutreachAttempt, TimelineEvent
from cases.nok_letters import LANGUAGES, nok_document_filename, nok_document_pdf
from cases.policy import may_manage_interviews, may_send_outreach, may_work_interview
from ofr.audit import Action, DeniedForbidden, record
from ofr.concurrency import EditConflict
from ofr.files import (
    FileUnavailable,
    StorageFailed,
    committed_with_file,
    safe_download_name,
    send_stored_file,
)

logger = logging.getLogger(__name__)

GET_OR_POST = ["GET", "HEAD", "POST"]


def interview_url(interview: NokInterview, anchor: str = "") -> str:
    url = reverse("cases:nok_interview", args=[interview.case.code, interview.code])
    return f"{url}#{anchor}" if anchor else url


def _form_page(
    request, form, *, case, title: str, cancel_url: str, status: int = 200, conflict=None
):
    """The form again; with a conflict (someone saved the interview since the
    form was opened: nothing saved), what changed and by whom, with a 409."""
    # A form shows what it edits (the interview's consent, topics, notes): a read.
    record(request, Action.VIEW, case, detail=f"next-of-kin form: {title}")
    context = {
        "form": form,
        "case": case,
        "title": gettext(title),
        "conflict": conflict,
        "cancel_url": cancel_url,
    }
    return render(request, "cases/versioned_form.html", context, status=409 if conflict else status)


@login_required
@require_http_methods(GET_OR_POST)
def assign_interview(request: HttpRequest, code) -> HttpResponse:
    case = get_case_for_assigning(request.user, code)
    form = AssignForm(request.POST or None, instance=NokInterview(case=case))
    if request.method == "POST" and form.is_valid():
        interview = form.save(commit=False)
        interview.assigned_by = request.user
        interview.save_as(by=request.user, reason="Next-of-kin interview assigned")
        messages.success(request, gettext("Next-of-kin interview assigned."))
        return redirect(interview_url(interview))
    return _form_page(
        request,
        form,
        case=case,
        title=gettext_noop("Assign a next-of-kin interview"),
        cancel_url=reverse("cases:detail", args=[case.code]) + "#nok",
    )


@login_required
@require_safe
def interview_detail(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item)
    case = interview.case
    viewer = case.viewer
    record(request, Action.VIEW, case, detail=f"next-of-kin interview {interview.code}")
    return render(
        request,
        "cases/nok/interview.html",
        {
            "case": case,
            "interview": interview,
            "attempts": list(interview.attempts.all()),
            "touchpoints": list(interview.touchpoints.all()),
            "is_interviewer": may_work_interview(viewer, interview),
            "may_manage": may_manage_interviews(viewer),
            "may_send": may_send_outreach(viewer, interview),
            "languages": LANGUAGES,
        },
    )


@login_required
@require_http_methods(GET_OR_POST)
def add_attempt(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item, "work")
    attempt = NokOutreachAttempt(interview=interview, recorded_by=request.user)
    form = AttemptForm(request.POST or None, instance=attempt)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            interview.record_attempt(form.save(commit=False), by=request.user)
        messages.success(request, gettext("Outreach attempt recorded."))
        return redirect(interview_url(interview, "outreach"))
    return _form_page(
        request,
        form,
        case=interview.case,
        title=gettext_noop("Record an outreach attempt"),
        cancel_url=interview_url(interview, "outreach"),
    )


@login_required
@require_http_methods(GET_OR_POST)
def record_consent(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item, "work")
    posted = request.method == "POST"
    form = ConsentForm(
        request.POST if posted else None, request.FILES if posted else None, instance=interview
    )
    status, conflict = 200, None
    if posted and form.is_valid():
        interview = form.save(commit=False)
        upload, info = form.cleaned_data.get("signed_form"), form.upload_info
        opened = form.cleaned_data["opened_version"]
        try:
            if upload and info is not None:
                interview.consent_original_name = (upload.name or "")[-255:]
                interview.consent_extension = info.extension
                interview.consent_content_type = info.content_type
                interview.consent_size = info.size
                interview.consent_sha256 = info.sha256
                with committed_with_file(
                    interview.consent_file, upload, f"consent{info.extension}"
                ):
                    interview.record_consent(by=request.user, opened_version=opened)
            else:
                interview.record_consent(by=request.user, opened_version=opened)
        except EditConflict as error:
            conflict = error
        except (StorageFailed, DatabaseError) as failure:
            logger.exception("Consent form for case %s could not be stored", interview.case.code)
            form.add_error(
                None, getattr(failure, "message", gettext("The file could not be stored."))
            )
            status = 503
        else:
            messages.success(request, gettext("Consent recorded."))
            return redirect(interview_url(interview, "consent"))
    return _form_page(
        request,
        form,
        case=interview.case,
        title=gettext_noop("Record the family's consent"),
        cancel_url=interview_url(interview, "consent"),
        status=status,
        conflict=conflict,
    )


@login_required
@require_safe
def download_consent(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item)
    if not interview.consent_sha256:
        raise Http404("No signed consent form")
    try:
        return send_stored_file(
            request,
            interview.consent_file,
            sha256=interview.consent_sha256,
            audited=interview.case,
            detail=f"next-of-kin consent form {interview.code}",
            filename=safe_download_name(
                interview.consent_original_name, interview.consent_extension
            ),
            content_type=interview.consent_content_type,
        )
    except FileUnavailable as problem:
        return render(
            request,
            "cases/nok/consent_unavailable.html",
            {"case": interview.case, "interview": interview, "reason": problem.reason},
            status=problem.status,
        )


def _interview_form(request, interview, form, *, record_change, done: str, title: str, anchor=""):
    """Show an interview form; a valid POST records the change (record_change
    gets the form's interview and the version the form was opened at) unless
    someone saved the interview since, which comes back as a 409."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            record_change(form.save(commit=False), form.cleaned_data["opened_version"])
        except EditConflict as error:
            conflict = error
        else:
            messages.success(request, done)
            return redirect(interview_url(interview, anchor))
    return _form_page(
        request,
        form,
        case=interview.case,
        title=title,
        cancel_url=interview_url(interview, anchor),
        conflict=conflict,
    )


@login_required
@require_http_methods(GET_OR_POST)
def record_interview(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item, "work")
    return _interview_form(
        request,
        interview,
        InterviewForm(request.POST or None, instance=interview),
        record_change=lambda changed, opened: changed.record_interview(
            by=request.user, opened_version=opened
        ),
        done=gettext("Interview recorded."),
        title=gettext_noop("Record the interview"),
        anchor="interview",
    )


@login_required
@require_http_methods(GET_OR_POST)
def record_debrief(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item, "work")
    return _interview_form(
        request,
        interview,
        DebriefForm(request.POST or None, instance=interview),
        record_change=lambda changed, opened: changed.save_as(
            by=request.user, reason="Debrief recorded", opened_version=opened
        ),
        done=gettext("Debrief recorded."),
        title=gettext_noop("Your debrief"),
        anchor="debrief",
    )


@login_required
@require_http_methods(GET_OR_POST)
def do_not_contact(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item, "manage")
    return _interview_form(
        request,
        interview,
        DoNotContactForm(request.POST or None, instance=interview),
        record_change=lambda changed, opened: changed.record_do_not_contact(
            by=request.user, opened_version=opened
        ),
        done=gettext("The family's wish not to be contacted is recorded."),
        title=gettext_noop("The family asked not to be contacted"),
    )


@login_required
@require_http_methods(GET_OR_POST)
def add_touchpoint(request: HttpRequest, code, item) -> HttpResponse:
    interview = get_interview_for_user(request.user, code, item, "work")
    case = interview.case
    event = TimelineEvent(case=case, from_nok_interview=interview, created_by=request.user)
    form = TouchpointForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        event = form.save(commit=False)
        event._history_user = request.user
        event._change_reason = "Touchpoint from next-of-kin interview added"
        event.save()
        messages.success(request, gettext("Touchpoint added to the timeline."))
        return redirect(interview_url(interview, "touchpoints"))
    return _form_page(
        request,
        form,
        case=case,
        title=gettext_noop("Add a touchpoint the family told of"),
        cancel_url=interview_url(interview, "touchpoints"),
    )


@login_required
@require_safe
def nok_document(request: HttpRequest, code, item, kind: str, lang: str) -> HttpResponse:
    if lang not in LANGUAGES:
        raise Http404("No such language")
    interview = get_interview_for_user(request.user, code, item, "outreach")
    pdf = nok_document_pdf(kind, interview, interview.case.viewer, lang)
    record(
        request,
        Action.EXPORT,
        interview.case,
        detail=f"next-of-kin {kind} ({lang}) {interview.code}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = nok_document_filename(kind, interview, lang)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def nok_letter(request, code, item, lang):
    return nok_document(request, code, item, "letter", lang)


def nok_consent_form(request, code, item, lang):
    return nok_document(request, code, item, "consent", lang)


@login_required
@require_safe
def my_interviews(request: HttpRequest) -> HttpResponse:
    """The interviewer's assigned interviews; for coordinators, how many of
    their team's interviews were debriefed (a count, never whose)."""
    user = request.user
    teams = nok_coordinated_teams(user)
    if not teams and not is_nok_interviewer(user):
        raise DeniedForbidden("cases.nokinterview", "", "my_interviews")
    mine = (
        NokInterview.objects.filter(interviewer=user, case__in=cases_for_user(user))
        .select_related("case")
        .order_by("-assigned_on", "-id")
    )
    done = Q(status=NokInterview.Status.INTERVIEWED)
    tallies = []
    if teams:
        counts = (
            NokInterview.objects.filter(case__team__in=teams)
            .values("case__team_id")
            .annotate(
                interviewed=Count("pk", filter=done),
                debriefed=Count("pk", filter=done & Q(debriefed=True)),
            )
        )
        by_team = {row["case__team_id"]: row for row in counts}
        empty = {"interviewed": 0, "debriefed": 0}
        tallies = [(team, by_team.get(team.pk, empty)) for team in teams]
    return render(request, "cases/nok/mine.html", {"interviews": list(mine), "tallies": tallies})

"""The case file's card and work-queue rows on the home page (the project's home.html composes the
apps' cards; ofr, below every app, knows none of them)."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from cases.completeness import cases_blocked_by_completeness
from cases.models import Case, DataSharingAgreement, RecordRequest
from cases.models.agreements import RENEWAL_WINDOW_DAYS
from ofr.access import active_memberships
from ofr.roles import DEFERRAL_DECIDING_ROLES
from ofr.work_queue import QueueRow, coordinated_team_ids

register = template.Library()


@register.inclusion_tag("cases/_home_card.html", takes_context=True)
def deferrals_card(context) -> dict:
    """For the teams the person coordinates: deferred cases due for review, and
    cases with an open deferral request."""
    user = context["request"].user
    team_ids = {m.team_id for m in active_memberships(user) if m.role in DEFERRAL_DECIDING_ROLES}
    cases = Case.objects.filter(team_id__in=team_ids)
    return {
        "deferrals_due": list(cases.deferrals_due(timezone.localdate())) if team_ids else [],
        "deferrals_asked": list(cases.with_open_deferral_requests()) if team_ids else [],
    }


@register.inclusion_tag("cases/nok/_home_card.html", takes_context=True)
def nok_card(context) -> dict:
    """A link to "My next-of-kin interviews", for trained interviewers and coordinators."""
    from cases.access import is_nok_interviewer, nok_coordinated_teams
    from cases.models import NokInterview

    user = context["request"].user
    interviewer = is_nok_interviewer(user)
    if not interviewer and not nok_coordinated_teams(user):
        return {"show": False}
    open_statuses = [
        NokInterview.Status.ASSIGNED,
        NokInterview.Status.OUTREACH,
        NokInterview.Status.CONSENTED,
    ]
    assigned = (
        NokInterview.objects.filter(interviewer=user, status__in=open_statuses).count()
        if interviewer
        else 0
    )
    return {"show": True, "assigned": assigned}


@register.inclusion_tag("_work_queue_rows.html", takes_context=True)
def case_queue_rows(context) -> dict:
    """The case file's rows of the coordinator's work queue: overdue record
    requests, deferrals due for review, cases blocked by completeness, and
    data-sharing agreements to renew (listed, as they are few)."""
    user = context["request"].user
    team_ids = coordinated_team_ids(user)
    if not team_ids:
        return {"rows": []}
    today = timezone.localdate()
    overdue = RecordRequest.objects.filter(
        case__team_id__in=team_ids,
        outcome=RecordRequest.Outcome.PENDING,
        due_on__lt=today,
    ).count()
    deferrals = Case.objects.filter(team_id__in=team_ids).deferrals_due(today).count()
    renewals = list(
        DataSharingAgreement.objects.filter(team_id__in=team_ids)
        .needing_renewal(today)
        .select_related("agency")
    )
    rows = [
        QueueRow(
            gettext("Overdue record requests"),
            overdue,
            reverse("cases:overdue_requests"),
            "requests",
        ),
        QueueRow(
            gettext("Deferred cases due for review"),
            deferrals,
            reverse("cases:list") + "?review_due=on",
            "deferrals",
        ),
    ]
    # One row a team: each links to its team's completeness report.
    teams = {m.team_id: m.team for m in active_memberships(user) if m.team_id in team_ids}
    for team in sorted(teams.values(), key=lambda team: team.name):
        if len(teams) > 1:
            label = gettext("Cases blocked by an incomplete case file (%(team)s)") % {
                "team": team.name
            }
        else:
            label = gettext("Cases blocked by an incomplete case file")
        rows.append(
            QueueRow(
                label,
                len(cases_blocked_by_completeness(team)),
                reverse("cases:completeness_report", args=[team.code]),
                "completeness" if len(teams) == 1 else f"completeness-{team.pk}",
            )
        )
    rows.append(
        QueueRow(
            gettext("Data-sharing agreements to renew (ended, or ending within %(days)s days)")
            % {"days": RENEWAL_WINDOW_DAYS},
            len(renewals),
            reverse("cases:agreements") + "?renew=1",
            "agreements",
            details=[
                (
                    gettext("%(agency)s: expired %(date)s")
                    if a.has_expired(today)
                    else gettext("%(agency)s: expires %(date)s")
                )
                % {"agency": a.agency.name, "date": f"{a.expires_on:%Y-%m-%d}"}
                for a in renewals
            ],
        )
    )
    return {"rows": rows}

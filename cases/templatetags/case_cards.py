"""The case file's card and work-queue rows on the home page (the project's home.html composes the
apps' cards; ofr, below every app, knows none of them)."""

from django import template
from django.urls import reverse
from django.utils import timezone

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


def blocked_by_completeness_count(team_ids: set[int]) -> int | None:
    """Hook for the cases held back by an incomplete case file
    (cases/completeness.py: cases_blocked_by_completeness(team)): None until
    that is wired in, and the work queue hides the row while it is None."""
    return None


# Where the row above links once it is wired: the case list, filtered.
BLOCKED_BY_COMPLETENESS_URL = None


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
        QueueRow("Overdue record requests", overdue, reverse("cases:overdue_requests"), "requests"),
        QueueRow(
            "Deferred cases due for review",
            deferrals,
            reverse("cases:list") + "?review_due=on",
            "deferrals",
        ),
    ]
    blocked = blocked_by_completeness_count(team_ids)
    if blocked is not None and BLOCKED_BY_COMPLETENESS_URL:
        rows.append(
            QueueRow(
                "Cases blocked by an incomplete case file",
                blocked,
                BLOCKED_BY_COMPLETENESS_URL,
                "completeness",
            )
        )
    rows.append(
        QueueRow(
            "Data-sharing agreements to renew "
            f"(ended, or ending within {RENEWAL_WINDOW_DAYS} days)",
            len(renewals),
            reverse("cases:agreements") + "?renew=1",
            "agreements",
            details=[
                f"{a.agency.name}: {'expired' if a.has_expired(today) else 'expires'} "
                f"{a.expires_on:%Y-%m-%d}"
                for a in renewals
            ],
        )
    )
    return {"rows": rows}

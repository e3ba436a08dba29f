"""The meetings' card and work-queue row on the home page (the project's home.html composes the
apps' cards; ofr, below every app, knows none of them)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from meetings.models import Attendance, Meeting
from ofr.access import active_team_ids
from ofr.work_queue import QueueRow, coordinated_team_ids

register = template.Library()


@register.inclusion_tag("meetings/_home_card.html", takes_context=True)
def upcoming_meetings_card(context) -> dict:
    """The person's next five meetings that are not closed, and whether they signed."""
    user = context["request"].user
    upcoming = []
    if user.is_authenticated:
        upcoming = list(
            # The roster counts while the person is still on the team, as on the
            # meeting page itself.
            Attendance.objects.filter(user=user, meeting__team_id__in=active_team_ids(user))
            .exclude(meeting__status=Meeting.Status.CLOSED)
            .select_related("meeting", "meeting__team", "signature")
            .order_by("meeting__starts_at")[:5]
        )
    return {"upcoming_attendances": upcoming}


@register.inclusion_tag("_work_queue_rows.html", takes_context=True)
def meeting_queue_rows(context) -> dict:
    """The meetings' row of the coordinator's work queue: open meetings whose
    confidentiality agreement someone on the roster has not signed."""
    team_ids = coordinated_team_ids(context["request"].user)
    if not team_ids:
        return {"rows": []}
    count = Meeting.objects.filter(team_id__in=team_ids).needing_signatures().count()
    url = reverse("meetings:list") + "?unsigned=1"
    return {
        "rows": [QueueRow(gettext("Meetings with signatures missing"), count, url, "signatures")]
    }

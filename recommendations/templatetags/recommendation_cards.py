"""The recommendations' row of the coordinator's work queue on the home page
(the project's home.html composes the apps' rows; ofr, below every app, knows
none of them)."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ofr.work_queue import QueueRow, coordinated_team_ids
from recommendations.models import Recommendation

register = template.Library()


@register.inclusion_tag("_work_queue_rows.html", takes_context=True)
def recommendation_queue_rows(context) -> dict:
    """Overdue recommendations of the teams the person coordinates."""
    team_ids = coordinated_team_ids(context["request"].user)
    if not team_ids:
        return {"rows": []}
    count = Recommendation.objects.filter(team_id__in=team_ids).overdue(timezone.localdate())
    url = reverse("recommendations:list") + "?overdue=1"
    label = gettext("Overdue recommendations")
    return {"rows": [QueueRow(label, count.count(), url, "recommendations")]}

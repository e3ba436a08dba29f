"""The case file's card on the home page (the project's home.html composes the
apps' cards; ofr, below every app, knows none of them)."""

from django import template
from django.utils import timezone

from cases.models import Case
from ofr.access import active_memberships
from ofr.roles import DEFERRAL_DECIDING_ROLES

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

"""The meetings' part in what happens to a case (cases/signals.py)."""

from django.dispatch import receiver

from cases.signals import case_deferred
from meetings.models import AgendaItem


@receiver(case_deferred, dispatch_uid="meetings.leave_planned_agendas")
def leave_planned_agendas(sender, case, by, **kwargs) -> str:
    meetings = AgendaItem.leave_planned_agendas(case, by=by)
    if not meetings:
        return ""
    titles = ", ".join(f"“{meeting.title}”" for meeting in meetings)
    return f"Taken off the agenda of {titles}."

"""The meetings' part in what happens to a case (cases/signals.py), and the
review clearances kept in line with the signatures and agendas they come from
(every path that changes them, the admin included, saves or deletes a row)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import ngettext

from cases.signals import case_deferred
from meetings.models import AgendaItem, Attendance, Meeting, ReviewClearance, Signature


@receiver(case_deferred, dispatch_uid="meetings.leave_planned_agendas")
def leave_planned_agendas(sender, case, by, **kwargs) -> str:
    meetings = AgendaItem.leave_planned_agendas(case, by=by)
    if not meetings:
        return ""
    titles = ", ".join(f"“{meeting.title}”" for meeting in meetings)
    return ngettext(
        "Taken off the agenda of %(titles)s.", "Taken off the agendas of %(titles)s.", len(meetings)
    ) % {"titles": titles}


@receiver([post_save, post_delete], sender=Signature, dispatch_uid="meetings.clear_signer")
def clearance_on_signature(sender, instance, **kwargs) -> None:
    attendances = Attendance.objects.filter(pk=instance.attendance_id)
    ReviewClearance.refresh_for(attendances.values_list("user_id", flat=True))


@receiver([post_save, post_delete], sender=Attendance, dispatch_uid="meetings.clear_attendee")
def clearance_on_attendance(sender, instance, **kwargs) -> None:
    ReviewClearance.refresh_for([instance.user_id])


@receiver([post_save, post_delete], sender=AgendaItem, dispatch_uid="meetings.clear_agenda")
def clearance_on_agenda(sender, instance, created=None, **kwargs) -> None:
    # An item's meeting and case never change once it is saved: reordering the
    # agenda or marking a case reviewed (a save per item) clears nobody anew.
    if created is False:
        return
    ReviewClearance.refresh_for_meeting(instance.meeting_id)


@receiver(post_save, sender=Meeting, dispatch_uid="meetings.clear_meeting")
def clearance_on_meeting(sender, instance, created, **kwargs) -> None:
    # Closing a meeting ends what it clears for guests.
    if not created:
        ReviewClearance.refresh_for_meeting(instance.pk)

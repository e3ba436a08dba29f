from django.urls import path

from meetings.views import facilitation, meetings, packets

app_name = "meetings"

urlpatterns = [
    path("", meetings.meeting_list, name="list"),
    path("new/", meetings.meeting_new, name="new"),
    path("agreements/<uuid:team>/", meetings.edit_agreement, name="edit_agreement"),
    path("<uuid:code>/", meetings.meeting_detail, name="detail"),
    path("<uuid:code>/edit/", meetings.meeting_edit, name="edit"),
    path("<uuid:code>/status/", meetings.meeting_status, name="status"),
    path("<uuid:code>/history/", meetings.meeting_history, name="history"),
    # Agenda and roster (meetings/views/meetings.py)
    path("<uuid:code>/agenda/add/", meetings.add_agenda_case, name="add_agenda_case"),
    path("<uuid:code>/agenda/<int:item>/move/", meetings.move_agenda_case, name="move_agenda_case"),
    path(
        "<uuid:code>/agenda/<int:item>/remove/",
        meetings.remove_agenda_case,
        name="remove_agenda_case",
    ),
    path("<uuid:code>/roster/add/", meetings.add_attendee, name="add_attendee"),
    path(
        "<uuid:code>/roster/<int:attendance>/remove/",
        meetings.remove_attendee,
        name="remove_attendee",
    ),
    path("<uuid:code>/recommendations/", meetings.record_at_meeting, name="record"),
    path("<uuid:code>/sign/", meetings.sign_agreement, name="sign"),
    path("<uuid:code>/sign-in-sheet/", meetings.sign_in_sheet, name="sign_in_sheet"),
    path("<uuid:code>/copies/<uuid:copy>/dispose/", meetings.dispose_copy, name="dispose_copy"),
    # Packets (meetings/views/packets.py)
    path("<uuid:code>/packets/new/", packets.request_packet, name="request_packet"),
    path("<uuid:code>/packets/<uuid:copy>/", packets.packet_status, name="packet_status"),
    path(
        "<uuid:code>/packets/<uuid:copy>/progress/",
        packets.packet_progress,
        name="packet_progress",
    ),
    path(
        "<uuid:code>/packets/<uuid:copy>/download/",
        packets.download_packet,
        name="download_packet",
    ),
    # Facilitator mode (meetings/views/facilitation.py)
    path("<uuid:code>/facilitate/", facilitation.facilitate, name="facilitate"),
    path(
        "<uuid:code>/facilitate/<int:item>/", facilitation.facilitate_case, name="facilitate_case"
    ),
    path(
        "<uuid:code>/facilitate/<int:item>/finding/",
        facilitation.quick_finding,
        name="quick_finding",
    ),
    path(
        "<uuid:code>/facilitate/<int:item>/discussion/",
        facilitation.save_discussion,
        name="save_discussion",
    ),
    path(
        "<uuid:code>/facilitate/<int:item>/reviewed/",
        facilitation.mark_reviewed,
        name="mark_reviewed",
    ),
]

# The meetings' models moved to the meetings app (meetings 0001_initial) with
# their tables: here they leave Django's state of the cases app, and the
# database is not touched.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_packet_copy_contents"),
        ("meetings", "0001_initial"),
        ("recommendations", "0003_meeting_links_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # Leaves first, so no model left in the state points at a removed one.
            state_operations=[
                migrations.DeleteModel(name="HistoricalSignature"),
                migrations.DeleteModel(name="HistoricalPacketCopy"),
                migrations.DeleteModel(name="HistoricalAgendaItem"),
                migrations.DeleteModel(name="HistoricalAttendance"),
                migrations.DeleteModel(name="HistoricalMeeting"),
                migrations.DeleteModel(name="HistoricalConfidentialityAgreement"),
                migrations.DeleteModel(name="Signature"),
                migrations.DeleteModel(name="PacketCopy"),
                migrations.DeleteModel(name="AgendaItem"),
                migrations.DeleteModel(name="Attendance"),
                migrations.DeleteModel(name="Meeting"),
                migrations.DeleteModel(name="ConfidentialityAgreement"),
            ],
            database_operations=[],
        ),
    ]

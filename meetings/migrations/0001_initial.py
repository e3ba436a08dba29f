# The meetings' models move here from the cases app. Their tables keep their
# names (Meta.db_table, HistoricalRecords(table_name=...)), so this migration
# changes Django's state only: no table, row or history row is touched. The
# content types follow, so permissions and admin log entries stay attached.

import django.core.files.storage
import django.db.models.deletion
import django.utils.timezone
import meetings.models
import simple_history.models
import uuid
from django.conf import settings
from django.db import migrations, models


MOVED = [
    "agendaitem",
    "attendance",
    "confidentialityagreement",
    "meeting",
    "packetcopy",
    "signature",
]


def move_content_types(apps, schema_editor, source="cases", target="meetings"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    models = MOVED + [f"historical{name}" for name in MOVED]
    for content_type in ContentType.objects.filter(app_label=source, model__in=models):
        if not ContentType.objects.filter(app_label=target, model=content_type.model).exists():
            content_type.app_label = target
            content_type.save()


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="meetings", target="cases")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0010_packet_copy_contents"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("ofr", "0006_drop_team_grants"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ConfidentialityAgreement",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("version", models.PositiveIntegerField()),
                        ("text", models.TextField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agreements",
                                to="ofr.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_confidentialityagreement",
                        "ordering": ["team", "-version"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("team", "version"), name="agreement_unique_version"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Meeting",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("title", models.CharField(max_length=200)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("case_review", "Case review"),
                                    ("recommendation_update", "Recommendation update"),
                                    ("public_summary", "Public summary"),
                                ],
                                default="case_review",
                                max_length=30,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("planned", "Planned"),
                                    ("in_session", "In session"),
                                    ("adjourned", "Adjourned"),
                                    ("closed", "Closed"),
                                ],
                                default="planned",
                                max_length=20,
                            ),
                        ),
                        ("starts_at", models.DateTimeField()),
                        ("place", models.CharField(blank=True, max_length=200)),
                        ("video_link", models.URLField(blank=True)),
                        (
                            "minutes",
                            models.TextField(
                                blank=True,
                                help_text="Non-identifying minutes: no names, dates of birth or addresses.",
                            ),
                        ),
                        (
                            "closing_note",
                            models.TextField(
                                blank=True,
                                help_text="Why the meeting was closed with packet copies outstanding.",
                            ),
                        ),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="meetings",
                                to="ofr.team",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_meeting",
                        "ordering": ["-starts_at", "-id"],
                        "indexes": [
                            models.Index(fields=["team", "-starts_at"], name="meeting_team_start")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Attendance",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("member", "Team member"),
                                    ("guest", "Guest"),
                                    ("observer", "Observer"),
                                ],
                                default="member",
                                max_length=10,
                            ),
                        ),
                        ("access_revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("added_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "added_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "guest_membership",
                            models.ForeignKey(
                                blank=True,
                                help_text="The one-meeting membership of a guest or observer.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="guest_attendances",
                                to="ofr.membership",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="attendances",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attendances",
                                to="meetings.meeting",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_attendance",
                        "ordering": [
                            "meeting",
                            "user__last_name",
                            "user__first_name",
                            "user__username",
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("meeting", "user"), name="attendance_unique_user"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="AgendaItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "discussion_notes",
                            models.TextField(
                                blank=True,
                                help_text="Non-identifying minutes of the discussion of this case.",
                            ),
                        ),
                        (
                            "recommendation_ideas",
                            models.TextField(
                                blank=True,
                                help_text="Recommendations the team proposed, one per line, to be written up as recommendations.",
                            ),
                        ),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="agenda_items",
                                to="cases.case",
                            ),
                        ),
                        (
                            "reviewed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agenda_items",
                                to="meetings.meeting",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_agendaitem",
                        "ordering": ["meeting", "position", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("meeting", "case"), name="agenda_unique_case"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PacketCopy",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("code", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("number", models.PositiveIntegerField()),
                        ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("rendering", "Rendering"),
                                    ("ready", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=20,
                            ),
                        ),
                        (
                            "progress",
                            models.PositiveSmallIntegerField(default=0, help_text="Percent done."),
                        ),
                        ("progress_label", models.CharField(blank=True, max_length=100)),
                        ("error", models.CharField(blank=True, max_length=300)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "file",
                            models.FileField(
                                blank=True,
                                max_length=200,
                                storage=django.core.files.storage.FileSystemStorage(),
                                upload_to=meetings.models.packet_path,
                            ),
                        ),
                        ("sha256", models.CharField(blank=True, max_length=64)),
                        ("size", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("page_count", models.PositiveIntegerField(blank=True, null=True)),
                        ("case_ids", models.JSONField(blank=True, default=list)),
                        ("contents_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "disposition",
                            models.CharField(
                                choices=[
                                    ("outstanding", "Outstanding"),
                                    ("collected", "Collected"),
                                    ("destroyed", "Destroyed"),
                                ],
                                default="outstanding",
                                max_length=20,
                            ),
                        ),
                        ("disposition_at", models.DateTimeField(blank=True, null=True)),
                        ("disposition_note", models.CharField(blank=True, max_length=300)),
                        (
                            "disposition_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="packet_copies",
                                to="meetings.meeting",
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="packet_copies",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_packetcopy",
                        "ordering": ["meeting", "number"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("meeting", "number"), name="packet_copy_unique_number"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Signature",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("typed_name", models.CharField(max_length=200)),
                        ("text_sha256", models.CharField(max_length=64)),
                        ("signed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("ip_address", models.CharField(blank=True, max_length=45)),
                        (
                            "agreement",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="signatures",
                                to="meetings.confidentialityagreement",
                            ),
                        ),
                        (
                            "attendance",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="signature",
                                to="meetings.attendance",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_signature",
                        "ordering": ["signed_at"],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalConfidentialityAgreement",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("version", models.PositiveIntegerField()),
                        ("text", models.TextField()),
                        ("created_at", models.DateTimeField(blank=True, editable=False)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField()),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="ofr.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical confidentiality agreement",
                        "verbose_name_plural": "historical confidentiality agreements",
                        "db_table": "cases_historicalconfidentialityagreement",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "indexes": [
                            models.Index(
                                fields=["history_date", "id"], name="cases_histo_history_2a4fb9_idx"
                            )
                        ],
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalMeeting",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "code",
                            models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
                        ),
                        ("title", models.CharField(max_length=200)),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("case_review", "Case review"),
                                    ("recommendation_update", "Recommendation update"),
                                    ("public_summary", "Public summary"),
                                ],
                                default="case_review",
                                max_length=30,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("planned", "Planned"),
                                    ("in_session", "In session"),
                                    ("adjourned", "Adjourned"),
                                    ("closed", "Closed"),
                                ],
                                default="planned",
                                max_length=20,
                            ),
                        ),
                        ("starts_at", models.DateTimeField()),
                        ("place", models.CharField(blank=True, max_length=200)),
                        ("video_link", models.URLField(blank=True)),
                        (
                            "minutes",
                            models.TextField(
                                blank=True,
                                help_text="Non-identifying minutes: no names, dates of birth or addresses.",
                            ),
                        ),
                        (
                            "closing_note",
                            models.TextField(
                                blank=True,
                                help_text="Why the meeting was closed with packet copies outstanding.",
                            ),
                        ),
                        ("closed_at", models.DateTimeField(blank=True, null=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("created_at", models.DateTimeField(blank=True, editable=False)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField()),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="ofr.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical meeting",
                        "verbose_name_plural": "historical meetings",
                        "db_table": "cases_historicalmeeting",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "indexes": [
                            models.Index(
                                fields=["history_date", "id"], name="cases_histo_history_f6611d_idx"
                            )
                        ],
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalAttendance",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("member", "Team member"),
                                    ("guest", "Guest"),
                                    ("observer", "Observer"),
                                ],
                                default="member",
                                max_length=10,
                            ),
                        ),
                        ("access_revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("added_at", models.DateTimeField(blank=True, editable=False)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField()),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "added_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "guest_membership",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="The one-meeting membership of a guest or observer.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="ofr.membership",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="meetings.meeting",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical attendance",
                        "verbose_name_plural": "historical attendances",
                        "db_table": "cases_historicalattendance",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "indexes": [
                            models.Index(
                                fields=["history_date", "id"], name="cases_histo_history_21ba93_idx"
                            )
                        ],
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalAgendaItem",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("position", models.PositiveSmallIntegerField()),
                        (
                            "discussion_notes",
                            models.TextField(
                                blank=True,
                                help_text="Non-identifying minutes of the discussion of this case.",
                            ),
                        ),
                        (
                            "recommendation_ideas",
                            models.TextField(
                                blank=True,
                                help_text="Recommendations the team proposed, one per line, to be written up as recommendations.",
                            ),
                        ),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                        ("version", models.PositiveIntegerField(default=1)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField()),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "case",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="cases.case",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "reviewed_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="meetings.meeting",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical agenda item",
                        "verbose_name_plural": "historical agenda items",
                        "db_table": "cases_historicalagendaitem",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "indexes": [
                            models.Index(
                                fields=["history_date", "id"], name="cases_histo_history_38cb73_idx"
                            )
                        ],
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalPacketCopy",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "code",
                            models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
                        ),
                        ("number", models.PositiveIntegerField()),
                        ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("rendering", "Rendering"),
                                    ("ready", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=20,
                            ),
                        ),
                        (
                            "progress",
                            models.PositiveSmallIntegerField(default=0, help_text="Percent done."),
                        ),
                        ("progress_label", models.CharField(blank=True, max_length=100)),
                        ("error", models.CharField(blank=True, max_length=300)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("file", models.TextField(blank=True, max_length=200)),
                        ("sha256", models.CharField(blank=True, max_length=64)),
                        ("size", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("page_count", models.PositiveIntegerField(blank=True, null=True)),
                        ("case_ids", models.JSONField(blank=True, default=list)),
                        ("contents_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "disposition",
                            models.CharField(
                                choices=[
                                    ("outstanding", "Outstanding"),
                                    ("collected", "Collected"),
                                    ("destroyed", "Destroyed"),
                                ],
                                default="outstanding",
                                max_length=20,
                            ),
                        ),
                        ("disposition_at", models.DateTimeField(blank=True, null=True)),
                        ("disposition_note", models.CharField(blank=True, max_length=300)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField()),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "disposition_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="meetings.meeting",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical packet copy",
                        "verbose_name_plural": "historical packet copys",
                        "db_table": "cases_historicalpacketcopy",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "indexes": [
                            models.Index(
                                fields=["history_date", "id"], name="cases_histo_history_1d58f6_idx"
                            )
                        ],
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalSignature",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("typed_name", models.CharField(max_length=200)),
                        ("text_sha256", models.CharField(max_length=64)),
                        ("signed_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("ip_address", models.CharField(blank=True, max_length=45)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField()),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "agreement",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="meetings.confidentialityagreement",
                            ),
                        ),
                        (
                            "attendance",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="meetings.attendance",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical signature",
                        "verbose_name_plural": "historical signatures",
                        "db_table": "cases_historicalsignature",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "indexes": [
                            models.Index(
                                fields=["history_date", "id"], name="cases_histo_history_3b02dd_idx"
                            )
                        ],
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]

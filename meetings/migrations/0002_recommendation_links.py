# Which meeting adopted a recommendation, and at which meeting a progress update
# was reported, were kept on the recommendation's side; recommendations now know
# nothing of meetings, so the links live here. Existing links are copied, each
# with a first history row carrying who set it and when (from the
# recommendation's or the update's own history).

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


REASON = "Recorded on the {} before the meetings app kept it"


def first_row(history, pk, **values):
    return history.objects.filter(id=pk, **values).order_by("history_date", "history_id").first()


def copy_link(link_model, link_history, history, source, **values):
    row = first_row(history, source.pk, **values)
    user_id = row.history_user_id if row is not None else None
    link = link_model.objects.create(recorded_by_id=user_id, **values_for(link_model, source))
    link_history.objects.create(
        history_date=row.history_date if row is not None else django.utils.timezone.now(),
        history_user_id=user_id,
        history_type="+",
        history_change_reason=REASON.format(history._meta.verbose_name.replace("historical ", "")),
        **{f.attname: getattr(link, f.attname) for f in link_model._meta.concrete_fields},
    )


def values_for(link_model, source) -> dict:
    if link_model._meta.model_name == "adoptedrecommendation":
        return {"meeting_id": source.adopted_at_id, "recommendation_id": source.pk}
    return {"meeting_id": source.meeting_id, "update_id": source.pk}


def copy_links(apps, schema_editor):
    Recommendation = apps.get_model("recommendations", "Recommendation")
    ProgressUpdate = apps.get_model("recommendations", "ProgressUpdate")
    adopted = apps.get_model("meetings", "AdoptedRecommendation")
    reported = apps.get_model("meetings", "ReportedUpdate")
    for recommendation in Recommendation.objects.exclude(adopted_at=None).order_by("pk"):
        copy_link(
            adopted,
            apps.get_model("meetings", "HistoricalAdoptedRecommendation"),
            apps.get_model("recommendations", "HistoricalRecommendation"),
            recommendation,
            adopted_at_id=recommendation.adopted_at_id,
        )
    for update in ProgressUpdate.objects.exclude(meeting=None).order_by("pk"):
        copy_link(
            reported,
            apps.get_model("meetings", "HistoricalReportedUpdate"),
            apps.get_model("recommendations", "HistoricalProgressUpdate"),
            update,
            meeting_id=update.meeting_id,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
        ("recommendations", "0002_progressupdate_sha256"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalReportedUpdate",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField()),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
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
                    "recorded_by",
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
                    "update",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="recommendations.progressupdate",
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
                "verbose_name": "historical reported update",
                "verbose_name_plural": "historical reported updates",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalAdoptedRecommendation",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField()),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
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
                    "recommendation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="recommendations.recommendation",
                    ),
                ),
                (
                    "recorded_by",
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
                "verbose_name": "historical adopted recommendation",
                "verbose_name_plural": "historical adopted recommendations",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="AdoptedRecommendation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "recommendation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="recommendations.recommendation",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
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
                        related_name="adopted_recommendations",
                        to="meetings.meeting",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ReportedUpdate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reported_updates",
                        to="meetings.meeting",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "update",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="recommendations.progressupdate",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="historicalreportedupdate",
            index=models.Index(
                fields=["history_date", "id"], name="meetings_hi_history_f6f013_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="historicaladoptedrecommendation",
            index=models.Index(
                fields=["history_date", "id"], name="meetings_hi_history_295a07_idx"
            ),
        ),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
    ]

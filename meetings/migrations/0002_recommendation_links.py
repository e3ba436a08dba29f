# Which meeting adopted a recommendation, and at which meeting a progress update
# was reported, were kept on the recommendation's side; recommendations now know
# nothing of meetings, so the links live here. Each link is rebuilt with its
# whole history from the item's own history: every change of the old column
# becomes a history row of the link, with its user, date and reason. Going back
# copies the links as they are into the restored columns (their history stays
# here).

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# (source, its history, link, link history, old column, link's field to the source)
LINKS = [
    (
        "recommendations.Recommendation",
        "recommendations.HistoricalRecommendation",
        "meetings.AdoptedRecommendation",
        "meetings.HistoricalAdoptedRecommendation",
        "adopted_at_id",
        "recommendation_id",
    ),
    (
        "recommendations.ProgressUpdate",
        "recommendations.HistoricalProgressUpdate",
        "meetings.ReportedUpdate",
        "meetings.HistoricalReportedUpdate",
        "meeting_id",
        "update_id",
    ),
]
MOVED = "kept on the {} before the meetings app kept it"


def changes_of(history, pk, column):
    """(history row, value) each time the old column changed, oldest first; a
    deleted item's last row counts as None."""
    changes, previous = [], None
    for row in history.objects.filter(id=pk).order_by("history_date", "history_id"):
        value = None if row.history_type == "-" else getattr(row, column)
        if value != previous:
            changes.append((row, value))
            previous = value
    return changes


def reason_for(row, source_name):
    moved = MOVED.format(source_name)
    if row.history_change_reason:
        return f"{row.history_change_reason} ({moved})"[:100]
    return moved[0].upper() + moved[1:]


def copy_links(apps, schema_editor):
    for source, history, link, link_history, column, field in LINKS:
        Source, History = apps.get_model(source), apps.get_model(history)
        Link, LinkHistory = apps.get_model(link), apps.get_model(link_history)
        source_name = Source._meta.verbose_name
        pks = set(History.objects.exclude(**{column: None}).values_list("id", flat=True))
        for pk in sorted(pks):
            item = Source.objects.filter(pk=pk).first()
            changes = changes_of(History, pk, column)
            if item is None or not changes:
                continue  # the item is gone, and its link with it
            meetings = [value for _, value in changes if value is not None]
            setters = [row for row, value in changes if value is not None]
            current = getattr(item, column)
            # The link row gives the history its id; it stays only if the link still holds.
            live = Link.objects.create(
                meeting_id=current or meetings[-1],
                recorded_by_id=setters[-1].history_user_id,
                **{field: pk},
            )
            linked, meeting_id, recorded_by_id = False, None, None
            for row, value in changes:
                if value is None:
                    kind = "-"
                else:
                    kind = "~" if linked else "+"
                    meeting_id, recorded_by_id = value, row.history_user_id
                linked = value is not None
                LinkHistory.objects.create(
                    id=live.pk,
                    meeting_id=meeting_id,
                    recorded_by_id=recorded_by_id,
                    history_date=row.history_date,
                    history_user_id=row.history_user_id,
                    history_type=kind,
                    history_change_reason=reason_for(row, source_name),
                    **{field: pk},
                )
            if current is None:
                live.delete()


def copy_links_back(apps, schema_editor):
    for source, _, link, _, column, field in LINKS:
        Source, Link = apps.get_model(source), apps.get_model(link)
        for live in Link.objects.order_by("pk"):
            item = Source.objects.get(pk=getattr(live, field))
            setattr(item, column, live.meeting_id)
            item.save(update_fields=[column.removesuffix("_id")])


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
        migrations.RunPython(copy_links, copy_links_back),
    ]

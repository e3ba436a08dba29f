# The meeting links now live in the meetings app (copied there first, by
# meetings 0002_recommendation_links).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0002_progressupdate_sha256"),
        ("meetings", "0002_recommendation_links"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicalprogressupdate",
            name="meeting",
        ),
        migrations.RemoveField(
            model_name="historicalrecommendation",
            name="adopted_at",
        ),
        migrations.RemoveField(
            model_name="progressupdate",
            name="meeting",
        ),
        migrations.RemoveField(
            model_name="recommendation",
            name="adopted_at",
        ),
    ]

from django.db import migrations, models

from ofr.audit import drop_append_only_triggers, install_append_only_triggers


def install(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection.vendor, schema_editor.execute)


def drop(apps, schema_editor):
    drop_append_only_triggers(schema_editor.connection.vendor, schema_editor.execute)


class Migration(migrations.Migration):
    """The keyed chain's key_id, and the triggers that refuse REPLACE, TRUNCATE and
    inserts off the chain. Existing rows get key_id "" (written before the chain
    was keyed) without an UPDATE; on SQLite, AddField rebuilds the table, which
    would lose the triggers, so they are lifted around it and put back."""

    dependencies = [("ofr", "0004_agency_part2_team_deferral")]

    operations = [
        migrations.RunPython(drop, install),
        migrations.AddField(
            model_name="accessevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.RunPython(install, drop),
    ]

from django.db import migrations

from ofr.audit import drop_append_only_triggers, install_append_only_triggers


def install(apps, schema_editor):
    install_append_only_triggers(schema_editor.connection.vendor, schema_editor.execute)


def drop(apps, schema_editor):
    drop_append_only_triggers(schema_editor.connection.vendor, schema_editor.execute)


class Migration(migrations.Migration):
    dependencies = [("ofr", "0001_initial")]

    operations = [migrations.RunPython(install, drop)]

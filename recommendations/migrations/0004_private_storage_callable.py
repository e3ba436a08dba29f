# The file field's storage becomes ofr.files.get_private_storage (STORAGES["private"]).
# Only Django's state changes: the column is the same, and a plain AlterField
# would make SQLite copy the whole table for nothing.

import ofr.files
import recommendations.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0003_meeting_links_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='progressupdate',
                    name='evidence',
                    field=models.FileField(blank=True, max_length=200, storage=ofr.files.get_private_storage, upload_to=recommendations.models.evidence_path),
                ),
            ],
        ),
    ]

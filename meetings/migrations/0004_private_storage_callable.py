# The file field's storage becomes ofr.files.get_private_storage (STORAGES["private"]).
# Only Django's state changes: the column is the same, and a plain AlterField
# would make SQLite copy the whole table for nothing.

import meetings.models
import ofr.files
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0003_review_clearance'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='packetcopy',
                    name='file',
                    field=models.FileField(blank=True, max_length=200, storage=ofr.files.get_private_storage, upload_to=meetings.models.packet_path),
                ),
            ],
        ),
    ]

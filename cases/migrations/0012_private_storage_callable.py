# The file field's storage becomes ofr.files.get_private_storage (STORAGES["private"]).
# Only Django's state changes: the column is the same, and a plain AlterField
# would make SQLite copy the whole table for nothing.

import cases.models.items
import ofr.files
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0011_meetings_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='sourcedocument',
                    name='file',
                    field=models.FileField(max_length=200, storage=ofr.files.get_private_storage, upload_to=cases.models.items.document_path),
                ),
            ],
        ),
    ]

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ofr.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore the backup folder SRC (made by manage.py backup) into an empty database "
        "of the same kind and empty file storage, then check it: every table's rows, "
        "every file's sha256, and the access log's chain up to the head it had at backup "
        "time. Exits non-zero naming what differs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("src", type=Path, help="A backup folder.")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to restore into (an alias)."
        )

    def handle(self, *args, src: Path, database: str, **options) -> None:
        try:
            restored = restore_backup(src, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = restored.manifest
        for name in manifest["files_missing"]:
            self.stderr.write(f"missing at backup time: {name} (a record names it)")
        if restored.differences:
            raise CommandError(
                f"Restored {src} into {restored.target}, but it differs from the backup:\n  "
                + "\n  ".join(restored.differences)
            )
        head = manifest["access_log_head"]
        head_text = f"head seq={head['seq']} hash={head['hash']}" if head else "empty"
        self.stdout.write(
            f"Restored {src} into {restored.target} and checked it: "
            f"{len(manifest['tables'])} tables, {manifest['rows']} rows as in the manifest; "
            f"{len(manifest['files'])} files, {manifest['bytes']} bytes, each with its sha256; "
            f"access log verified up to the backup's {head_text}; {restored.seconds} s"
        )

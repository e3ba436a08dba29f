from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ofr.backup import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite's online backup API, or pg_dump --format=custom) "
        "and every stored file into the new folder DEST, with a manifest: each table's "
        "rows, each file's size and sha256, the access log's head, the migrations and "
        "the app's version. SECRET_KEY, AUDIT_KEY and FIELD_ENCRYPTION_KEYS are not "
        "included: keep them apart."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dest", type=Path, help="The backup folder to make (must not exist).")

    def handle(self, *args, dest: Path, **options) -> None:
        try:
            manifest = make_backup(dest)
        except BackupError as error:
            raise CommandError(str(error)) from None
        for name in manifest["files_missing"]:
            self.stderr.write(f"missing: {name} (a record names it; not in storage)")
        head = manifest["access_log_head"]
        self.stdout.write(
            f"Backup written to {dest}: {len(manifest['tables'])} tables, "
            f"{manifest['rows']} rows; {len(manifest['files'])} files, "
            f"{manifest['bytes']} bytes; database dump {manifest['database']['size']} bytes; "
            f"{len(manifest['files_missing'])} records whose file is missing; "
            f"{manifest['seconds']} s"
        )
        if head:
            self.stdout.write(
                f"Access log head seq={head['seq']} hash={head['hash']} "
                "(restore checks it with verify_audit --expect-head)"
            )

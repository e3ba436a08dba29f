from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ofr.files import private_storage
from ofr.storage_check import missing, orphans


class Command(BaseCommand):
    help = (
        "List stored files that no record names (left by a crash between writing a file "
        "and saving its record) and records whose file is missing. Exits 1 when it finds "
        "either. --delete removes the unnamed files; records are never touched."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--delete", action="store_true", help="Remove the files no record names."
        )
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="Only files last written this long ago (default 60): younger ones may "
            "belong to an upload in progress.",
        )

    def handle(self, *args, delete: bool, older_than_minutes: int, **options) -> None:
        if older_than_minutes < 0:
            raise CommandError("--older-than-minutes cannot be negative.")
        unnamed = orphans(timedelta(minutes=older_than_minutes))
        lost = missing()
        for name in unnamed:
            if delete:
                private_storage.delete(name)
                self.stdout.write(f"deleted, no record names it: {name}")
            else:
                self.stdout.write(f"no record names it: {name}")
        for row in lost:
            self.stdout.write(f"missing: {row.name} (named by {row.model} id {row.pk})")
        self.stdout.write(
            f"{len(unnamed)} file(s) no record names"
            + (", deleted" if delete and unnamed else "")
            + f"; {len(lost)} record(s) whose file is missing."
        )
        if lost or (unnamed and not delete):
            raise CommandError("Storage and records disagree: see above.", returncode=1)

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ofr.files import move_into_place, private_storage
from ofr.storage_check import check, is_temporary


class Command(BaseCommand):
    help = (
        "List stored files that no record names (left by a crash between writing a file "
        "and saving its record, temporary files of uploads that never committed among them), "
        "records whose file still waits under its temporary name, and records whose file is "
        "missing. Exits 1 when it finds any. --delete removes the unnamed files and moves "
        "waiting files into place; records are never touched."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--delete",
            action="store_true",
            help="Remove the files no record names and move waiting files into place.",
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
        found = check(timedelta(minutes=older_than_minutes))
        done = "deleted, " if delete else ""
        for name in found.unnamed:
            if delete:
                private_storage.delete(name)
            if is_temporary(name):
                self.stdout.write(f"{done}temporary, its upload never committed: {name}")
            else:
                self.stdout.write(f"{done}no record names it: {name}")
        stuck = 0
        for row in found.unmoved:
            state = "waiting under its temporary name"
            if delete and move_into_place(private_storage, row.name):
                state = "moved into place"
            elif delete:
                state, stuck = "could not be moved into place (see the log)", stuck + 1
            self.stdout.write(f"{state}: {row.name} (named by {row.model} id {row.pk})")
        for row in found.missing:
            self.stdout.write(f"missing: {row.name} (named by {row.model} id {row.pk})")
        temporary = sum(1 for name in found.unnamed if is_temporary(name))
        self.stdout.write(
            f"{len(found.unnamed)} file(s) no record names ({temporary} temporary)"
            + (", deleted" if delete and found.unnamed else "")
            + f"; {len(found.unmoved)} record(s) whose file waited under its temporary name"
            + (", moved into place" if delete and found.unmoved else "")
            + f"; {len(found.missing)} record(s) whose file is missing."
        )
        if found.missing or stuck or ((found.unnamed or found.unmoved) and not delete):
            raise CommandError("Storage and records disagree: see above.", returncode=1)

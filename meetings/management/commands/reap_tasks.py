from django.core.management.base import BaseCommand

from meetings.worker import reap


class Command(BaseCommand):
    help = (
        "Fail the task rows left RUNNING by a stopped packet worker (its process gone, or "
        "running longer than the packet time limit plus its margin) and their packet copies, "
        "and the copies that waited that long for a worker. Run it from cron every few minutes."
    )

    def handle(self, *args, **options) -> None:
        reaped = reap()
        self.stdout.write(
            f"{reaped.tasks} task(s) of stopped workers failed; "
            f"{reaped.copies} packet copy(ies) failed."
        )

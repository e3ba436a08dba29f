from django.core.management import call_command
from django.core.management.base import BaseCommand

from meetings.packet_jobs import sweep_work_folders
from meetings.worker import reap, worker_id


class Command(BaseCommand):
    help = (
        "The packet worker: clears what a stopped worker left (its task rows, packet copies "
        "and work folders), then runs django-tasks' db_worker under an id naming this host "
        "and process, so that the next start knows its jobs died with it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1, help="Seconds between polls of an empty queue."
        )

    def handle(self, *args, interval: float, verbosity: int, **options) -> None:
        reaped = reap()
        swept = sweep_work_folders()
        self.stdout.write(
            f"Packet worker {worker_id()}: {reaped.tasks} task(s) and {reaped.copies} "
            f"copy(ies) of stopped workers failed, {swept} work folder(s) removed."
        )
        call_command(
            "db_worker",
            worker_id=worker_id(),
            reload=False,
            interval=interval,
            startup_delay=False,
            verbosity=verbosity,
        )

from django.core.management.base import BaseCommand
from django.utils import timezone

from recommendations.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail lead agencies' partners and team coordinators the recommendations and "
        "work-plan tasks that are past due, and coordinators the deferrals due for review "
        "and the data-sharing agreements to renew (run daily from cron)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would get what; send nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        today = timezone.localdate()
        reminders = send_reminders(today, dry_run=dry_run)
        for reminder in reminders:
            self.stdout.write(
                f"{'Would e-mail' if dry_run else 'E-mailed'} {reminder.user.email}: "
                f"{len(reminder.recommendations)} recommendation(s), "
                f"{len(reminder.tasks)} task(s), "
                f"{len(reminder.deferrals)} deferral(s) due for review, "
                f"{len(reminder.agreements)} data-sharing agreement(s) to renew."
            )
        if not reminders:
            self.stdout.write("Nothing is overdue.")

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from ofr.models import sync_user_groups


class Command(BaseCommand):
    help = (
        "Apply membership start and end dates to team groups (run daily from cron); "
        "users whose membership ended lose the team's grants."
    )

    def handle(self, *args, **options) -> None:
        users = get_user_model().objects.filter(memberships__isnull=False).distinct()
        for user in users:
            sync_user_groups(user)
        self.stdout.write(f"Synchronised team groups for {users.count()} users.")

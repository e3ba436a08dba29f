from django.core.management.base import BaseCommand, CommandError

from meetings.models import ReviewClearance


class Command(BaseCommand):
    help = (
        "Rebuild the review clearances (who may open which case because they signed for "
        "a meeting with it on the agenda) from the signatures and agendas; exits 1 when any "
        "row had to change. Saving a signature, an agenda item or a meeting keeps them in "
        "line; this is for after a restore or a hand edit of the database."
    )

    def handle(self, *args, **options) -> None:
        changed = ReviewClearance.refresh_all()
        if changed:
            raise CommandError(f"{changed} review clearance rows were out of line: fixed.")
        self.stdout.write("Review clearances are in line with the signatures and agendas.")

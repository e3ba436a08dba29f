from django.core.management.base import BaseCommand, CommandError

from ofr.audit import verify_chain
from ofr.models import AccessEvent


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the access log. Exits non-zero and names the first "
        "bad row when a row was edited, inserted out of chain or deleted."
    )

    def handle(self, *args, **options) -> None:
        events = AccessEvent.objects.order_by("seq").iterator(chunk_size=2000)
        count, problem = verify_chain(events)
        if problem:
            raise CommandError(f"Access log chain broken after {count - 1} good rows: {problem}")
        head = AccessEvent.objects.order_by("-seq").values_list("seq", "entry_hash").first()
        head_text = f"head seq={head[0]} hash={head[1]}" if head else "empty log"
        self.stdout.write(f"Access log OK: {count} rows verified; {head_text}")

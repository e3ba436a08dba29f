from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from ofr.audit import search_term_digest
from ofr.models import AccessEvent


class Command(BaseCommand):
    help = (
        "List who searched the case list for a name: seq, time, username and IP address "
        "of each matching access event. The log keeps only a keyed hash of the term; "
        "this hashes the given name under AUDIT_KEY and each of AUDIT_KEY_FALLBACKS. "
        "Only the exact term matches (case and spacing aside): also try the surname, "
        "the given name, an alias. Reads the log, never writes it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("term", help='The name as searched for, e.g. "Jordan Example".')

    def handle(self, *args, term: str, **options) -> None:
        keys = [settings.AUDIT_KEY, *settings.AUDIT_KEY_FALLBACKS]
        hashed = [f"name search sha256-hmac:{search_term_digest(term, key)}" for key in keys]
        # Rows written before terms were hashed hold the term in clear.
        in_clear = f"name search: {' '.join(term.split())}"
        events = AccessEvent.objects.filter(
            Q(detail__in=hashed) | Q(detail__iexact=in_clear), object_type="cases.case"
        ).order_by("seq")
        self.stdout.write("seq\ttime\tusername\tIP address")
        count = 0
        for event in events.iterator():
            count += 1
            when = timezone.localtime(event.created_at).isoformat(timespec="seconds")
            self.stdout.write(
                f"{event.seq}\t{when}\t{event.username or '-'}\t{event.ip_address or '-'}"
            )
        self.stdout.write(f"{count} search{'' if count == 1 else 'es'} for this name.")

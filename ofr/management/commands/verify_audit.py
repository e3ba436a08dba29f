from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from ofr.audit import verify_chain
from ofr.models import AccessEvent


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the access log. Exits non-zero and names the first "
        "bad row when a row was edited, inserted out of chain, deleted or signed by a "
        "key that is not configured. Prints the head (seq and hash) to keep outside "
        "the database for the next run's --expect-head."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="HASH",
            default="",
            help="An entry_hash printed by an earlier run: fail unless it is in the chain "
            "(catches a chain cut short or rewritten by someone holding the key).",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to check (an alias)."
        )

    def handle(self, *args, expect_head: str, database: str, **options) -> None:
        expect_head = expect_head.strip().lower()
        events = AccessEvent.objects.using(database).order_by("seq").iterator(chunk_size=2000)
        try:
            report = verify_chain(events, expect_head=expect_head)
        finally:
            events.close()  # a walk that stops early leaves the cursor open
        if report.problem:
            raise CommandError(
                f"Access log chain broken after {report.count - 1} good rows: {report.problem}"
            )
        if expect_head and report.expected_seq is None:
            raise CommandError(
                f"Access log does not hold the expected head {expect_head}: none of its "
                f"{report.count} rows has that hash (rows were removed from the end, or the "
                "chain was rewritten)"
            )
        head = report.head
        head_text = f"head seq={head.seq} hash={head.entry_hash}" if head else "empty log"
        self.stdout.write(f"Access log OK: {report.count} rows verified; {head_text}")
        if expect_head:
            after = head.seq - report.expected_seq
            self.stdout.write(
                f"Expected head found at seq={report.expected_seq}; {after} rows after it"
            )
        if report.unkeyed:
            self.stdout.write(
                f"{report.unkeyed} rows from before the chain was keyed (plain SHA-256)"
            )
        if head and not head.key_id:
            # Anyone can re-chain a log with no keyed row; a keyed row seals those before it.
            self.stdout.write(
                "The head is not keyed: until a keyed row follows, only --expect-head can "
                "tell this log from one rewritten without the audit key"
            )

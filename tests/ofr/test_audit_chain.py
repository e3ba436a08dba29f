"""The keyed chain: rows signed under AUDIT_KEY, key rotation, rows from before
the chain was keyed, verify_audit --expect-head, and the migration that added
key_id to a log already holding rows."""

import hashlib
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import AlterField
from django.test import RequestFactory, override_settings
from django.utils import timezone

from ofr.audit import (
    Action,
    audit_key_id,
    drop_append_only_triggers,
    install_append_only_triggers,
    keyed_digest,
    record,
    verify_chain,
)
from ofr.models import CHAIN_PURPOSE, GENESIS_HASH, AccessEvent
from tests.base import OFRTestCase, OFRTransactionTestCase

KEY_A = "audit-key-a-7Qm2vX9pL4sT8wZ1cR6nB3yH5jK0dF"
KEY_B = "audit-key-b-Ug8eW2qN5tY7iO1pA4sD6fG9hJ3kL0"
KEY_C = "audit-key-c-Zx1cV3bN5mQ7wE9rT2yU4iO6pA8sD0"


def rechain(events: list[AccessEvent], prev_hash: str, key: str | None) -> list[AccessEvent]:
    """Re-link and re-hash `events` after `prev_hash`, as a forger would: under
    `key` (its own key_id), or with plain SHA-256 when key is None."""
    for event in events:
        event.prev_hash = prev_hash
        event.key_id = audit_key_id(key) if key else ""
        event.entry_hash = event.compute_hash(key)
        prev_hash = event.entry_hash
    return events


def replace_log(events: list[AccessEvent]) -> None:
    """Put `events` in place of the stored log: what a database owner can do by
    lifting the triggers."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        drop_append_only_triggers(vendor, cursor.execute)
        cursor.execute("DELETE FROM ofr_accessevent")
        for event in events:
            event.save(force_insert=True)
        install_append_only_triggers(vendor, cursor.execute)


def verify_audit(*args: str, **options) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out, **options)
    return out.getvalue()


@override_settings(AUDIT_KEY=KEY_A, AUDIT_KEY_FALLBACKS=[])
class AuditChainTestCase(OFRTestCase):
    def setUp(self):
        self.request = RequestFactory().get("/")
        self.request.user = self.coordinator

    def log(self, count: int) -> list[AccessEvent]:
        for _ in range(count):
            record(self.request, Action.VIEW, self.case)
        return list(AccessEvent.objects.order_by("seq"))

    def assertChainBroken(self, events, *fragments: str) -> None:
        problem = verify_chain(events).problem
        self.assertIsNotNone(problem, "the chain verified")
        for fragment in fragments:
            self.assertIn(fragment, problem)

    def test_it_signs_each_row_with_the_audit_key(self):
        events = self.log(3)
        for event in events:
            self.assertEqual(event.key_id, audit_key_id(KEY_A))
            self.assertEqual(
                event.entry_hash,
                keyed_digest(CHAIN_PURPOSE, event.prev_hash + event.canonical(), KEY_A),
            )
            plain = hashlib.sha256((event.prev_hash + event.canonical()).encode()).hexdigest()
            self.assertNotEqual(event.entry_hash, plain)
            self.assertIn(f'"key_id":"{event.key_id}"', event.canonical())
        self.assertEqual(len(events[0].key_id), 16)
        self.assertNotIn(events[0].key_id, KEY_A)
        self.assertNotEqual(audit_key_id(KEY_A), audit_key_id(KEY_B))
        report = verify_chain(events)
        self.assertEqual((report.count, report.problem, report.unkeyed), (3, None, 0))

    def test_a_row_rechained_with_plain_sha256_fails(self):
        events = self.log(4)
        events[1].detail = "edited"
        rechain(events[1:], events[0].entry_hash, key=None)
        self.assertChainBroken(events, f"seq={events[1].seq}", "no audit key")
        replace_log(events)
        with self.assertRaisesMessage(CommandError, f"seq={events[1].seq}"):
            verify_audit()

    def test_a_row_rechained_with_another_key_fails(self):
        events = self.log(4)
        events[2].detail = "edited"
        # Claiming the real key's id does not help without the real key.
        rechain(events[2:], events[1].entry_hash, key=KEY_B)
        for event in events[2:]:
            event.key_id = audit_key_id(KEY_A)
        self.assertChainBroken(events, f"seq={events[2].seq}", "does not match its hash")
        # Under the forger's own key id: that key is not configured.
        rechain(events[2:], events[1].entry_hash, key=KEY_B)
        self.assertChainBroken(
            events, f"seq={events[2].seq}", audit_key_id(KEY_B), "not configured"
        )

    def test_rows_under_a_retired_key_verify_with_it_as_a_fallback(self):
        self.log(3)
        with override_settings(AUDIT_KEY=KEY_B, AUDIT_KEY_FALLBACKS=[KEY_C, KEY_A]):
            events = self.log(2)
            self.assertEqual(
                [e.key_id for e in events], [audit_key_id(KEY_A)] * 3 + [audit_key_id(KEY_B)] * 2
            )
            self.assertIsNone(verify_chain(events).problem)
            self.assertIn("Access log OK: 5 rows verified", verify_audit())
        with override_settings(AUDIT_KEY=KEY_B, AUDIT_KEY_FALLBACKS=[KEY_C]):
            self.assertChainBroken(
                events, f"seq={events[0].seq}", audit_key_id(KEY_A), "not configured"
            )
            with self.assertRaisesMessage(CommandError, "AUDIT_KEY_FALLBACKS"):
                verify_audit()

    def test_rows_from_before_the_keyed_chain_then_keyed_rows_verify(self):
        now = timezone.now()
        legacy = [
            AccessEvent(seq=seq, created_at=now, username="early", action=Action.LOGIN)
            for seq in (1, 2, 3)
        ]
        for event in rechain(legacy, GENESIS_HASH, key=None):
            event.save(force_insert=True)  # the triggers accept them: they follow the head
        events = self.log(2)
        self.assertEqual([bool(e.key_id) for e in events], [False] * 3 + [True] * 2)
        report = verify_chain(events)
        self.assertEqual((report.count, report.problem, report.unkeyed), (5, None, 3))
        self.assertIn("3 rows from before the chain was keyed", verify_audit())
        # Their plain hashes still catch an edit.
        events[1].username = "mallory"
        self.assertChainBroken(events, f"seq={events[1].seq}", "edited")

    def test_verify_audit_prints_the_head(self):
        head = self.log(3)[-1]
        self.assertIn(f"head seq={head.seq} hash={head.entry_hash}", verify_audit())

    def test_expect_head_passes_with_a_head_from_an_earlier_run(self):
        earlier = self.log(3)[-1]
        self.log(2)
        out = verify_audit(expect_head=earlier.entry_hash)
        self.assertIn(f"Expected head found at seq={earlier.seq}; 2 rows after it", out)
        out = verify_audit("--expect-head", f" {earlier.entry_hash.upper()} ")
        self.assertIn("2 rows after it", out)

    def test_expect_head_fails_with_a_made_up_hash(self):
        self.log(3)
        with self.assertRaisesMessage(CommandError, "does not hold the expected head"):
            verify_audit(expect_head="ab" * 32)

    def test_expect_head_fails_on_an_empty_log(self):
        with self.assertRaisesMessage(CommandError, "does not hold the expected head"):
            verify_audit(expect_head="ab" * 32)

    def test_expect_head_fails_once_the_chain_was_cut_short(self):
        events = self.log(4)
        head = events[-1].entry_hash
        replace_log(events[:-1])
        verify_audit()  # the shorter chain is consistent in itself
        with self.assertRaisesMessage(CommandError, head):
            verify_audit(expect_head=head)

    def test_expect_head_fails_once_the_chain_was_rewritten(self):
        events = self.log(4)
        head = events[-1].entry_hash
        for key in (KEY_A, None):
            with self.subTest(rechained_under=key):
                # With the key (an insider), or the whole log as if from before
                # the keyed chain: consistent in itself, so only the head kept
                # outside the database tells.
                events[1].detail = "edited"
                replace_log(rechain(events, GENESIS_HASH, key))
                out = verify_audit()
                self.assertEqual("The head is not keyed" in out, key is None)
                with self.assertRaisesMessage(CommandError, "does not hold the expected head"):
                    verify_audit(expect_head=head)


class AuditKeyMigrationTestCase(OFRTransactionTestCase):
    """0005 adds key_id to a log that already holds rows: no row is updated (the
    trigger would refuse), the triggers survive SQLite's table rebuild, and the
    old rows still verify before the new keyed ones.

    Only 0005 is unapplied and reapplied (an explicit plan). Migrating the graph
    back to 0004 would also unapply every later migration that depends on 0005
    (ofr 0006, meetings, the newer cases and recommendations migrations, none of
    which touch ofr_accessevent) and take about 20 s for the same table."""

    BEFORE = [("ofr", "0004_agency_part2_team_deferral")]
    KEY_MIGRATION = ("ofr", "0005_accessevent_key_id")

    def migrate_key_migration(self, *, backwards: bool) -> None:
        executor = MigrationExecutor(connection)
        migration = executor.loader.graph.nodes[self.KEY_MIGRATION]
        executor.migrate([self.KEY_MIGRATION], plan=[(migration, backwards)])

    def migrations_naming_access_events(self) -> list[tuple[str, str]]:
        def operations(items):
            for operation in items:
                yield operation
                yield from operations(getattr(operation, "database_operations", []))
                yield from operations(getattr(operation, "state_operations", []))

        def names_access_events(operation) -> bool:
            name = getattr(operation, "model_name", None) or getattr(operation, "name", "")
            return str(name).lower() == "accessevent"

        graph = MigrationExecutor(connection).loader.graph
        return sorted(
            key
            for key, migration in graph.nodes.items()
            if any(names_access_events(op) for op in operations(migration.operations))
        )

    def changes_only_choices(self, key: tuple[str, str]) -> bool:
        """Whether a migration only changes the choices of AccessEvent fields,
        which no column holds (new access-event actions)."""
        loader = MigrationExecutor(connection).loader
        before = loader.project_state(key, at_end=False).models[("ofr", "accessevent")]

        def without_choices(field) -> tuple:
            path, args, kwargs = field.deconstruct()[1:]
            return path, args, {k: v for k, v in kwargs.items() if k != "choices"}

        return all(
            isinstance(operation, AlterField)
            and without_choices(operation.field) == without_choices(before.fields[operation.name])
            for operation in loader.graph.nodes[key].operations
        )

    def test_a_log_from_before_the_keyed_chain_migrates_and_verifies(self):
        # Unapplying 0005 alone gives the table 0004 left: no later migration,
        # in any app, changes AccessEvent's columns (a new one would have to be
        # unapplied too); new choices of a field change no column.
        naming = self.migrations_naming_access_events()
        self.assertIn(self.KEY_MIGRATION, naming)
        later = [key for key in naming if key[0] != "ofr" or key[1] > self.KEY_MIGRATION[1]]
        self.assertEqual([key for key in later if not self.changes_only_choices(key)], [])
        self.migrate_key_migration(backwards=True)
        try:
            loader = MigrationExecutor(connection).loader
            old_event = loader.project_state(self.BEFORE).apps.get_model("ofr", "AccessEvent")
            self.assertNotIn("key_id", [f.name for f in old_event._meta.fields])
            with connection.cursor() as cursor:
                table = connection.introspection.get_table_description(cursor, "ofr_accessevent")
            self.assertNotIn("key_id", [column.name for column in table])
            now = timezone.now()
            legacy = [
                AccessEvent(seq=seq, created_at=now, username="early", action=Action.LOGIN)
                for seq in (1, 2, 3)
            ]
            rechain(legacy, GENESIS_HASH, key=None)
            fields = [f.name for f in old_event._meta.fields if f.name != "id"]
            for event in legacy:
                old_event.objects.create(**{name: getattr(event, name) for name in fields})
        finally:
            self.migrate_key_migration(backwards=False)

        self.assertEqual(
            list(AccessEvent.objects.order_by("seq").values_list("key_id", flat=True)), [""] * 3
        )
        with self.assertRaises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE ofr_accessevent SET detail = 'edited'")
        with self.assertRaisesMessage(DatabaseError, "next link"), transaction.atomic():
            AccessEvent(
                seq=9, created_at=now, action=Action.VIEW, prev_hash=GENESIS_HASH, entry_hash="e"
            ).save(force_insert=True)

        request = RequestFactory().get("/")
        request.user = self.coordinator
        record(request, Action.VIEW, self.case)
        head = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((head.seq, head.key_id), (4, audit_key_id(settings.AUDIT_KEY)))
        out = verify_audit()
        self.assertIn("Access log OK: 4 rows verified", out)
        self.assertIn("3 rows from before the chain was keyed", out)

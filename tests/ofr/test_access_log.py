import threading

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from ofr.audit import Action, record, verify_chain
from ofr.models import GENESIS_HASH, AccessEvent
from tests.base import OFRTestCase, OFRTransactionTestCase


def raw_sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


COLUMNS = (
    "id",
    "seq",
    "created_at",
    "user_id",
    "username",
    "ip_address",
    "user_agent",
    "action",
    "object_type",
    "object_id",
    "detail",
    "prev_hash",
    "entry_hash",
    "key_id",
)


def insert_row(event: AccessEvent, verb: str = "INSERT INTO", tail: str = "", **changes) -> None:
    """Write a copy of `event` (with `changes`) by raw SQL, as a DBA would."""
    values = {name: getattr(event, name) for name in COLUMNS} | changes
    values["created_at"] = connection.ops.adapt_datetimefield_value(values["created_at"])
    if values["id"] is None:
        del values["id"]  # the database numbers it
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    raw_sql(f"{verb} ofr_accessevent ({columns}) VALUES ({marks}) {tail}", list(values.values()))


def stored_rows() -> list[tuple]:
    return list(AccessEvent.objects.order_by("seq").values_list(*COLUMNS))


class AccessLogTestCase(OFRTestCase):
    def setUp(self):
        self.request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Test UA")
        self.request.user = self.coordinator
        base = AccessEvent.objects.count()
        for _ in range(3):
            record(self.request, Action.VIEW, self.case)
        self.assertEqual(AccessEvent.objects.count(), base + 3)

    def test_it_records_who_when_where_what(self):
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(event.user, self.coordinator)
        self.assertEqual(event.username, "coordinator")
        self.assertEqual(event.ip_address, "192.0.2.7")
        self.assertEqual(event.user_agent, "Test UA")
        self.assertEqual((event.object_type, event.object_id), ("cases.case", str(self.case.code)))
        self.assertIsNotNone(event.created_at)

    def test_it_chains_each_row_to_the_previous(self):
        events = list(AccessEvent.objects.order_by("seq"))
        self.assertEqual(events[0].prev_hash, GENESIS_HASH)
        for before, after in zip(events, events[1:], strict=False):
            self.assertEqual(after.prev_hash, before.entry_hash)
            self.assertEqual(after.seq, before.seq + 1)
        report = verify_chain(events)
        self.assertEqual((report.count, report.problem), (len(events), None))

    def test_the_database_refuses_update(self):
        with self.assertRaises(DatabaseError), transaction.atomic():
            raw_sql("UPDATE ofr_accessevent SET username = 'someone else'")
        with self.assertRaises(DatabaseError), transaction.atomic():
            AccessEvent.objects.filter(seq=1).update(detail="changed")

    def test_the_database_refuses_delete(self):
        with self.assertRaises(DatabaseError), transaction.atomic():
            raw_sql("DELETE FROM ofr_accessevent")
        with self.assertRaises(DatabaseError), transaction.atomic():
            AccessEvent.objects.order_by("-seq").first().delete()

    def test_the_database_refuses_replace(self):
        # SQLite's REPLACE deletes the clashing row without firing the delete
        # trigger; PostgreSQL has no REPLACE: a clashing plain insert stands for it.
        events = list(AccessEvent.objects.order_by("seq"))
        head, before = events[-1], stored_rows()
        # Otherwise a valid next link: only the clash is wrong.
        forged = {
            "seq": head.seq + 1,
            "prev_hash": head.entry_hash,
            "entry_hash": "e" * 64,
            "detail": "rewritten",
        }
        sqlite = connection.vendor == "sqlite"
        replace, replace_into = (
            ("INSERT OR REPLACE INTO", "REPLACE INTO") if sqlite else ("INSERT INTO", "INSERT INTO")
        )
        attempts = [
            (replace, {**forged, "id": events[1].pk}),
            (replace_into, {**forged, "id": None, "seq": events[1].seq}),
            (replace, {**forged, "id": None, "entry_hash": events[0].entry_hash}),
        ]
        for verb, changes in attempts:
            with self.subTest(verb=verb, changes=changes):
                with self.assertRaises(DatabaseError), transaction.atomic():
                    insert_row(head, verb, **changes)
        self.assertEqual(stored_rows(), before)

    def test_the_database_refuses_upsert(self):
        # ON CONFLICT DO UPDATE: a clash on SQLite, the update trigger on PostgreSQL.
        events = list(AccessEvent.objects.order_by("seq"))
        head, before = events[-1], stored_rows()
        with self.assertRaisesMessage(DatabaseError, "append-only"), transaction.atomic():
            insert_row(
                head,
                id=events[1].pk,
                seq=head.seq + 1,
                prev_hash=head.entry_hash,
                entry_hash="e" * 64,
                tail="ON CONFLICT (id) DO UPDATE SET detail = 'rewritten'",
            )
        self.assertEqual(stored_rows(), before)

    def test_the_database_refuses_a_row_that_does_not_follow_the_head(self):
        head = AccessEvent.objects.order_by("-seq").first()
        off_chain = [
            {"seq": head.seq + 2, "prev_hash": head.entry_hash},
            {"seq": head.seq + 1, "prev_hash": head.prev_hash},
            {"seq": head.seq + 1, "prev_hash": GENESIS_HASH},
        ]
        for changes in off_chain:
            with self.subTest(**changes):
                with self.assertRaisesMessage(DatabaseError, "next link"), transaction.atomic():
                    insert_row(head, id=None, entry_hash="e" * 64, **changes)
        # The next link itself is accepted (its hash is verify_audit's business).
        insert_row(head, id=None, seq=head.seq + 1, prev_hash=head.entry_hash, entry_hash="e")
        self.assertTrue(AccessEvent.objects.filter(seq=head.seq + 1).exists())

    def test_it_cannot_be_written_inside_another_transaction(self):
        # Durable: an event written inside a transaction could be rolled back with it.
        with self.assertRaises(RuntimeError), transaction.atomic():
            record(self.request, Action.VIEW, self.case)

    def test_verify_audit_passes_on_an_intact_log(self):
        call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115

    def test_verify_audit_names_an_edited_row(self):
        target = AccessEvent.objects.order_by("seq")[1]
        event = AccessEvent.objects.get(pk=target.pk)
        event.username = "mallory"
        # Simulate a DBA editing the row: verification runs on the loaded values.
        events = [event if e.pk == event.pk else e for e in AccessEvent.objects.order_by("seq")]
        problem = verify_chain(events).problem
        self.assertIn(f"id={target.pk} seq={target.seq}", problem)
        self.assertIn("edited", problem)

    def test_verify_audit_names_the_row_after_a_deleted_one(self):
        events = list(AccessEvent.objects.order_by("seq"))
        del events[1]
        problem = verify_chain(events).problem
        self.assertIn(f"seq={events[1].seq}", problem)
        self.assertIn("missing", problem)

    def test_verify_audit_names_a_row_inserted_out_of_chain(self):
        events = list(AccessEvent.objects.order_by("seq"))
        forged = AccessEvent(
            seq=events[-1].seq + 1,
            created_at=events[-1].created_at,
            action="view",
            prev_hash="f" * 64,
        )
        forged.entry_hash = forged.compute_hash()
        problem = verify_chain([*events, forged]).problem
        self.assertIn(f"seq={forged.seq}", problem)
        self.assertIn("does not link", problem)


class AccessLogTamperTestCase(OFRTransactionTestCase):
    """Real SQL against a committed log: the acceptance check for verify_audit."""

    def test_verify_audit_fails_and_names_a_row_changed_by_sql(self):
        request = RequestFactory().get("/")
        request.user = self.coordinator
        for _ in range(4):
            record(request, Action.VIEW, self.case)
        call_command("verify_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115
        target = AccessEvent.objects.order_by("seq")[2]
        vendor = connection.vendor
        from ofr.audit import drop_append_only_triggers, install_append_only_triggers

        with connection.cursor() as cursor:
            # A DBA with DDL rights can lift the trigger; the hash chain still tells.
            drop_append_only_triggers(vendor, cursor.execute)
            cursor.execute(
                "UPDATE ofr_accessevent SET detail = 'edited' WHERE id = %s", [target.pk]
            )
            install_append_only_triggers(vendor, cursor.execute)
        with self.assertRaisesMessage(CommandError, f"id={target.pk} seq={target.seq}"):
            call_command("verify_audit")

    def test_the_database_refuses_truncate(self):
        # Committed rows: a TRUNCATE in the transaction that wrote them fails anyway
        # (pending foreign key checks), which would prove nothing.
        request = RequestFactory().get("/")
        request.user = self.coordinator
        for _ in range(3):
            record(request, Action.VIEW, self.case)
        before = stored_rows()
        # SQLite has no TRUNCATE: its DELETE without WHERE is the same wipe.
        wipes = (
            ["TRUNCATE ofr_accessevent", "TRUNCATE ofr_accessevent RESTART IDENTITY CASCADE"]
            if connection.vendor == "postgresql"
            else ["DELETE FROM ofr_accessevent"]
        )
        for sql in wipes:
            with self.subTest(sql=sql):
                with self.assertRaisesMessage(DatabaseError, "append-only"), transaction.atomic():
                    raw_sql(sql)
        self.assertEqual(stored_rows(), before)


class AccessLogSurvivesFailuresTestCase(OFRTransactionTestCase):
    def test_the_view_event_is_committed_when_the_request_then_fails(self):
        from unittest import mock

        from django.urls import reverse

        self.client.force_login(self.reviewer)
        self.client.raise_request_exception = False
        with mock.patch("cases.views.cases.render", side_effect=RuntimeError("late failure")):
            response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertEqual(response.status_code, 500)
        # Read through a fresh connection: the row must be committed, not just visible.
        connection.close()
        self.assertTrue(
            AccessEvent.objects.filter(
                user=self.reviewer, action="view", object_id=str(self.case.code)
            ).exists()
        )


class ConcurrentAccessLogTestCase(OFRTransactionTestCase):
    """Concurrent writers must never fork the chain (on PostgreSQL, SELECT ... FOR
    UPDATE on the last row does; ofr.models.AccessEvent.append takes an advisory lock)."""

    THREADS = 8
    EVENTS_PER_THREAD = 25

    def test_concurrent_writers_keep_one_chain(self):
        start = threading.Barrier(self.THREADS)
        errors = []
        user = self.coordinator

        def writer() -> None:
            try:
                request = RequestFactory().get("/")
                request.user = user
                start.wait()
                for _ in range(self.EVENTS_PER_THREAD):
                    record(request, Action.VIEW, self.case)
            except Exception as exc:  # reported below; a thread cannot fail the test itself
                errors.append(exc)
            finally:
                connection.close()

        before = AccessEvent.objects.count()
        threads = [threading.Thread(target=writer) for _ in range(self.THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(errors, [])
        events = list(AccessEvent.objects.order_by("seq"))
        self.assertEqual(len(events), before + self.THREADS * self.EVENTS_PER_THREAD)
        prev_hashes = [e.prev_hash for e in events]
        self.assertEqual(len(prev_hashes), len(set(prev_hashes)), "two rows share a parent: fork")
        report = verify_chain(events)
        self.assertEqual((report.count, report.problem), (len(events), None))

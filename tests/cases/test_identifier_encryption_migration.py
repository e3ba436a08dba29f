"""A database whose decedent identifiers were written in clear migrates to
encrypted ones, history included, with the lookups of the case list's search
built; and back."""

from datetime import date

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import DecedentIdentifiers, IdentifierLookup
from ofr.encryption import TOKEN_PREFIX
from tests.base import OFRTransactionTestCase

BEFORE = [("cases", "0012_private_storage_callable")]
AFTER = [("cases", "0013_encrypt_identifiers")]
COLUMNS = [
    "legal_name",
    "aliases",
    "date_of_birth",
    "residence_address",
    "me_case_number",
    "death_certificate_number",
]
PLAIN = {
    "legal_name": "Zoë Q. O'Brien",
    "aliases": "Zed Obrien, Z. Brien",
    "date_of_birth": "1990-06-15",
    "residence_address": "12 Elm Street, Riverside",
    "me_case_number": "ME-2023-0042",
    "death_certificate_number": "2023-FR-000999",
}
EARLIER = {"legal_name": "Zoe Obrien", "date_of_birth": "1990-06-14"}


def migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


def raw(table: str, where: str, params: list) -> list[dict]:
    """The identifier columns as stored (a date column's values as ISO text)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {table} WHERE {where} ORDER BY 1",  # noqa: S608
            params,
        )
        return [
            {
                name: value.isoformat() if isinstance(value, date) else value
                for name, value in zip(COLUMNS, row, strict=True)
            }
            for row in cursor.fetchall()
        ]


class IdentifierEncryptionMigrationTestCase(OFRTransactionTestCase):
    def tearDown(self) -> None:
        # Back to the latest schema (AFTER leaves the later migrations of every
        # app unapplied), for the tests that run after these in this process.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        super().tearDown()

    def write_in_clear(self) -> int:
        """As before the migration: the case's identifiers and every row of
        their history in clear. Returns the identifiers' id."""
        sets = ", ".join(f"{name} = %s" for name in COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM cases_decedentidentifiers WHERE case_id = %s", [self.case.pk]
            )
            identifiers_id = cursor.fetchone()[0]
            cursor.execute(
                f"UPDATE cases_decedentidentifiers SET {sets} WHERE id = %s",  # noqa: S608
                [*PLAIN.values(), identifiers_id],
            )
            cursor.execute(
                f"UPDATE cases_historicaldecedentidentifiers SET {sets} WHERE id = %s",  # noqa: S608
                [*PLAIN.values(), identifiers_id],
            )
            # The oldest history row holds an earlier name and date of birth.
            cursor.execute(
                "UPDATE cases_historicaldecedentidentifiers SET legal_name = %s,"
                " date_of_birth = %s WHERE history_id = (SELECT MIN(history_id)"
                " FROM cases_historicaldecedentidentifiers WHERE id = %s)",
                [*EARLIER.values(), identifiers_id],
            )
        return identifiers_id

    def test_identifiers_in_clear_are_encrypted_with_their_history_and_found(self):
        migrate(BEFORE)
        try:
            self.assertNotIn("cases_identifierlookup", connection.introspection.table_names())
            identifiers_id = self.write_in_clear()
            before = raw("cases_historicaldecedentidentifiers", "id = %s", [identifiers_id])
            self.assertGreaterEqual(len(before), 2)
        finally:
            migrate(AFTER)

        for table in ("cases_decedentidentifiers", "cases_historicaldecedentidentifiers"):
            for row in raw(table, "1 = 1", []):
                for name, value in row.items():
                    with self.subTest(table=table, column=name):
                        self.assertTrue(
                            value in (None, "") or value.startswith(TOKEN_PREFIX), value
                        )
        for row in raw("cases_decedentidentifiers", "id = %s", [identifiers_id]):
            self.assertEqual(set(row.values()) & set(PLAIN.values()), set())

        identifiers = DecedentIdentifiers.objects.get(pk=identifiers_id)
        self.assertEqual(identifiers.legal_name, PLAIN["legal_name"])
        self.assertEqual(identifiers.aliases, PLAIN["aliases"])
        self.assertEqual(identifiers.date_of_birth, date(1990, 6, 15))
        self.assertEqual(identifiers.residence_address, PLAIN["residence_address"])
        self.assertEqual(identifiers.me_case_number, PLAIN["me_case_number"])
        self.assertEqual(identifiers.death_certificate_number, PLAIN["death_certificate_number"])
        history = list(identifiers.history.order_by("history_id"))
        self.assertEqual(
            [(row.legal_name, row.date_of_birth) for row in history],
            [("Zoe Obrien", date(1990, 6, 14))]
            + [(PLAIN["legal_name"], date(1990, 6, 15))] * (len(history) - 1),
        )
        # The empty identifiers of the other cases stay empty.
        others = DecedentIdentifiers.objects.exclude(pk=identifiers_id)
        self.assertTrue(others.exists())
        for other in others:
            self.assertEqual((other.legal_name, other.date_of_birth), ("", None))

        for query in ("zoe q obrien", "Zoë O'Brien", "OBRIEN", "z brien", "ME 2023 0042"):
            with self.subTest(query=query):
                found = IdentifierLookup.objects.matching(query)
                self.assertEqual({row.case_id for row in found}, {self.case.pk})
        self.assertTrue(
            IdentifierLookup.objects.filter(
                case=self.case, kind=IdentifierLookup.Kind.NAME_BIRTH
            ).exists()
        )

        # Backwards, the values are in clear again.
        migrate(BEFORE)
        try:
            after = raw("cases_historicaldecedentidentifiers", "id = %s", [identifiers_id])
            self.assertEqual(after, before)
        finally:
            migrate(AFTER)

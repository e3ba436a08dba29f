from datetime import date

from django.db import connection, transaction

from cases.models import DecedentIdentifiers, IdentifierLookup, normal_name, normal_number
from ofr.encryption import TOKEN_PREFIX, blind_index
from tests.base import OFRTestCase

Kind = IdentifierLookup.Kind


def raw_identifier_rows(table: str, case_id: int) -> list[tuple]:
    with connection.cursor() as cursor:
        columns = (
            "legal_name, aliases, date_of_birth, residence_address, me_case_number,"
            " death_certificate_number"
        )
        query = f"SELECT {columns} FROM {table} WHERE case_id = %s"  # noqa: S608
        cursor.execute(query, [case_id])
        return cursor.fetchall()


class IdentifierLookupTestCase(OFRTestCase):
    def terms(self, kind: str) -> set[str]:
        return set(
            IdentifierLookup.objects.filter(case=self.case, kind=kind).values_list(
                "digest", flat=True
            )
        )

    def digest(self, kind: str, value: str) -> str:
        return blind_index(IdentifierLookup.purpose(kind), value)

    def test_it_normalises_names(self):
        for written, normal in (
            ("  Jordan   EXAMPLE ", "jordan example"),
            ("Zoë O'Brien-Núñez", "zoe obrien nunez"),
            ("D’Angelo  St. James", "dangelo st james"),
            ("Straße", "strasse"),
            ("Anne-Marie_Smith", "anne marie smith"),
            ("...", ""),
        ):
            with self.subTest(written=written):
                self.assertEqual(normal_name(written), normal)

    def test_it_normalises_numbers(self):
        self.assertEqual(normal_number(" me-2024 – 0012 "), "ME20240012")
        self.assertEqual(normal_number("2024-fr-000123"), "2024FR000123")

    def test_saving_the_identifiers_rebuilds_the_case_lookups(self):
        identifiers = self.case.identifiers
        identifiers.legal_name = "Jordan A. Example"
        identifiers.aliases = "Jo Example, J. Ex"
        identifiers.me_case_number = "ME-2025-0001"
        identifiers.death_certificate_number = "2025-FR-000777"
        identifiers.save()
        self.assertEqual(
            self.terms(Kind.FULL_NAME),
            {self.digest(Kind.FULL_NAME, n) for n in ("jordan a example", "jo example", "j ex")},
        )
        self.assertEqual(
            self.terms(Kind.FIRST_LAST),
            {self.digest(Kind.FIRST_LAST, n) for n in ("jordan example", "jo example", "j ex")},
        )
        self.assertEqual(
            self.terms(Kind.LAST_NAME),
            {self.digest(Kind.LAST_NAME, n) for n in ("example", "ex")},
        )
        self.assertEqual(self.terms(Kind.ME_NUMBER), {self.digest(Kind.ME_NUMBER, "ME20250001")})
        self.assertEqual(
            self.terms(Kind.CERTIFICATE_NUMBER),
            {self.digest(Kind.CERTIFICATE_NUMBER, "2025FR000777")},
        )
        self.assertIn(
            self.digest(Kind.NAME_BIRTH, "jordan a example 1990-06-15"),
            self.terms(Kind.NAME_BIRTH),
        )
        self.assertIn(
            self.digest(Kind.NAME_BIRTH, "jordan example 1990-06-15"), self.terms(Kind.NAME_BIRTH)
        )

        identifiers.legal_name, identifiers.aliases = "Sam Other", ""
        identifiers.me_case_number = identifiers.death_certificate_number = ""
        identifiers.date_of_birth = None
        identifiers.save()
        lookups = IdentifierLookup.objects.filter(case=self.case)
        self.assertEqual(
            sorted(lookups.values_list("kind", flat=True)),
            sorted([Kind.FIRST_LAST, Kind.FULL_NAME, Kind.LAST_NAME]),
        )
        self.assertEqual(self.terms(Kind.LAST_NAME), {self.digest(Kind.LAST_NAME, "other")})

    def test_empty_identifiers_have_no_lookups(self):
        self.assertFalse(IdentifierLookup.objects.filter(case=self.other_case).exists())

    def test_the_lookups_change_with_the_identifiers_or_not_at_all(self):
        before = set(IdentifierLookup.objects.values_list("case", "kind", "digest"))
        with self.assertRaises(RuntimeError), transaction.atomic():
            identifiers = DecedentIdentifiers.objects.get(case=self.case)
            identifiers.legal_name = "Someone Else"
            identifiers.save()
            raise RuntimeError
        self.assertEqual(
            set(IdentifierLookup.objects.values_list("case", "kind", "digest")), before
        )

    def test_it_keeps_no_history_of_the_lookups(self):
        # Derived from the identifiers, whose history is the record.
        self.assertFalse(hasattr(IdentifierLookup, "history"))

    def test_the_identifiers_and_their_history_are_stored_encrypted(self):
        identifiers = self.case.identifiers
        identifiers.residence_address = "12 Elm Street"
        identifiers.save()
        for table in ("cases_decedentidentifiers", "cases_historicaldecedentidentifiers"):
            rows = raw_identifier_rows(table, self.case.pk)
            self.assertTrue(rows)
            for row in rows:
                for value in row:
                    with self.subTest(table=table, value=value):
                        self.assertTrue(value in (None, "") or value.startswith(TOKEN_PREFIX))
        history = identifiers.history.order_by("-history_id").first()
        self.assertEqual(
            (history.legal_name, history.date_of_birth, history.residence_address),
            ("Jordan Example", date(1990, 6, 15), "12 Elm Street"),
        )

    def test_rebuild_all_derives_every_lookup_again(self):
        expected = set(IdentifierLookup.objects.values_list("case", "kind", "digest"))
        IdentifierLookup.objects.all().delete()
        self.assertEqual(IdentifierLookup.rebuild_all(batch_size=1), len(expected))
        self.assertEqual(
            set(IdentifierLookup.objects.values_list("case", "kind", "digest")), expected
        )

    def test_saving_identifiers_costs_two_more_queries(self):
        identifiers = DecedentIdentifiers.objects.get(case=self.case)
        # savepoint, update, history row, release; then delete and insert the lookups
        with self.assertNumQueries(6):
            identifiers.save()

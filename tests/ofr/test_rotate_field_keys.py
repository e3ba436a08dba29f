from datetime import date
from io import StringIO

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from cases.models import DecedentIdentifiers, IdentifierLookup
from ofr.encryption import decrypt, is_current
from tests.base import OFRTestCase

NEW_KEY = Fernet.generate_key().decode()


def rotate_field_keys(*args: str) -> str:
    out = StringIO()
    call_command("rotate_field_keys", *args, stdout=out)
    return out.getvalue()


def stored_tokens() -> list[str]:
    """Every identifier token as stored, history included."""
    tokens = []
    with connection.cursor() as cursor:
        for table in ("cases_decedentidentifiers", "cases_historicaldecedentidentifiers"):
            cursor.execute(
                f"SELECT legal_name, date_of_birth, residence_address FROM {table}"  # noqa: S608
            )
            tokens += [value for row in cursor.fetchall() for value in row if value]
    return tokens


class RotateFieldKeysTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Written under the key configured so far (the old key).
        cls.old_key = settings.FIELD_ENCRYPTION_KEYS[0]
        identifiers = cls.case.identifiers
        identifiers.residence_address = "12 Elm Street"
        identifiers.save()

    def found(self, query: str) -> set[int]:
        return set(IdentifierLookup.objects.matching(query).values_list("case_id", flat=True))

    def test_values_under_the_old_key_are_rotated_and_read_back_the_same(self):
        history_rows = DecedentIdentifiers.history.count()
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, self.old_key]):
            before = stored_tokens()
            self.assertTrue(before)
            self.assertFalse(any(is_current(token) for token in before))
            # Until the rotation ran, search finds the rows indexed under the old key.
            self.assertEqual(self.found("Jordan Example"), {self.case.pk})
            with self.assertRaisesMessage(CommandError, f"{len(before)} encrypted values"):
                rotate_field_keys("--check")

            out = rotate_field_keys("--batch-size", "1")

            self.assertIn("Rebuilt", out)
            self.assertIn(f"cases.HistoricalDecedentIdentifiers: {len(before) - 3}", out)
            self.assertIn(f"Re-encrypted {len(before)} values under the newest key.", out)
            after = stored_tokens()
            self.assertTrue(all(is_current(token) for token in after))
            self.assertEqual(sorted(map(decrypt, after)), sorted(map(decrypt, before)))
        # The old key can go.
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
            self.assertIn(
                "Every encrypted value is under the newest key.", rotate_field_keys("--check")
            )
            identifiers = DecedentIdentifiers.objects.get(case=self.case)
            self.assertEqual(
                (identifiers.legal_name, identifiers.date_of_birth, identifiers.version),
                ("Jordan Example", date(1990, 6, 15), self.case.identifiers.version),
            )
            self.assertEqual(identifiers.history.order_by("history_id").first().legal_name, "")
            self.assertEqual(self.found("Jordan Example"), {self.case.pk})
            self.assertEqual(self.found("example"), {self.case.pk})
        # The same values, new ciphertext: not a change of the record.
        self.assertEqual(DecedentIdentifiers.history.count(), history_rows)

    def test_a_second_run_has_nothing_to_do(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, self.old_key]):
            rotate_field_keys()
            self.assertIn("Re-encrypted 0 values", rotate_field_keys())

    def test_a_missing_key_is_a_clear_error(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
            for args in ([], ["--check"]):
                with self.subTest(args=args):
                    with self.assertRaisesMessage(
                        CommandError, "a key that encrypted it is missing"
                    ):
                        rotate_field_keys(*args)

    def test_a_batch_needs_a_row(self):
        with self.assertRaisesMessage(CommandError, "at least 1"):
            rotate_field_keys("--batch-size", "0")

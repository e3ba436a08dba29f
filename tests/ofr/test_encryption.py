from datetime import date

from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from cases.models import DecedentIdentifiers
from ofr import encryption
from tests.base import OFRTestCase

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def raw_legal_name(case) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_name FROM cases_decedentidentifiers WHERE case_id = %s", [case.pk]
        )
        return cursor.fetchone()[0]


class EncryptionTestCase(OFRTestCase):
    def test_a_value_is_a_token_that_decrypts_to_it(self):
        token = encryption.encrypt("Jordan Example")
        self.assertTrue(token.startswith(encryption.TOKEN_PREFIX))
        self.assertNotEqual(token, encryption.encrypt("Jordan Example"))  # random
        self.assertEqual(encryption.decrypt(token), "Jordan Example")

    def test_a_field_is_stored_as_a_token_and_read_back(self):
        self.assertTrue(raw_legal_name(self.case).startswith(encryption.TOKEN_PREFIX))
        identifiers = DecedentIdentifiers.objects.get(case=self.case)
        self.assertEqual(identifiers.legal_name, "Jordan Example")
        self.assertEqual(identifiers.date_of_birth, date(1990, 6, 15))
        self.assertEqual(
            list(
                DecedentIdentifiers.objects.filter(case=self.case).values_list(
                    "legal_name", "date_of_birth"
                )
            ),
            [("Jordan Example", date(1990, 6, 15))],
        )

    def test_empty_values_stay_empty(self):
        self.assertEqual(raw_legal_name(self.other_case), "")
        self.assertTrue(
            DecedentIdentifiers.objects.filter(
                case=self.other_case, date_of_birth__isnull=True
            ).exists()
        )

    def test_the_database_cannot_compare_an_encrypted_field(self):
        for lookup in (
            {"legal_name": "Jordan Example"},
            {"legal_name__icontains": "jordan"},
            {"date_of_birth__lt": date(2000, 1, 1)},
            {"date_of_birth__year": 1990},
            {"date_of_birth__year__gt": 1980},
            {"case__identifiers__legal_name__in": ["Jordan Example"]},
        ):
            with self.subTest(lookup=lookup), self.assertRaisesMessage(FieldError, "encrypted"):
                DecedentIdentifiers.objects.filter(**lookup).exists()

    def test_a_value_in_clear_is_refused_not_shown(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_decedentidentifiers SET legal_name = 'In Clear' WHERE case_id = %s",
                [self.case.pk],
            )
        with self.assertRaisesMessage(ImproperlyConfigured, "holds a value in clear"):
            DecedentIdentifiers.objects.get(case=self.case)

    def test_every_key_decrypts_and_the_newest_encrypts(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
            old = encryption.encrypt("x")
            self.assertTrue(encryption.is_current(old))
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
            self.assertEqual(encryption.decrypt(old), "x")
            self.assertFalse(encryption.is_current(old))
            rotated = encryption.rotate(old)
            self.assertTrue(encryption.is_current(rotated))
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
            self.assertEqual(encryption.decrypt(rotated), "x")

    def test_a_missing_key_is_named_not_a_bare_invalid_token(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
            old = encryption.encrypt("x")
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
            for operation in (encryption.decrypt, encryption.rotate):
                with (
                    self.subTest(operation=operation.__name__),
                    self.assertRaisesMessage(ImproperlyConfigured, "a key that encrypted it"),
                ):
                    operation(old)

    def test_blind_indexes_differ_by_purpose_and_key_newest_first(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
            digests = encryption.blind_indexes("a", "jordan example")
            self.assertEqual(
                digests,
                [
                    encryption.blind_index("a", "jordan example", NEW_KEY),
                    encryption.blind_index("a", "jordan example", OLD_KEY),
                ],
            )
            self.assertEqual(encryption.blind_index("a", "jordan example"), digests[0])
            self.assertNotEqual(encryption.blind_index("b", "jordan example"), digests[0])
            self.assertNotEqual(digests[0], digests[1])

    def test_no_key_is_a_configuration_error(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[]):
            for operation in (encryption.encrypt, lambda text: encryption.blind_index("a", text)):
                with self.assertRaisesMessage(ImproperlyConfigured, "empty"):
                    operation("x")

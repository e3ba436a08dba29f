from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase


class PasswordRulesTestCase(SimpleTestCase):
    def rejection_codes(self, password, user=None):
        with self.assertRaises(ValidationError) as caught:
            validate_password(password, user)
        return {error.code for error in caught.exception.error_list}

    def passphrase(self, length):
        words = "amber lantern drifts over quiet harbor stones while gulls circle slowly "
        text = (words * (length // len(words) + 1))[:length]
        text = text[:-1] + "x"  # no trailing space
        self.assertEqual(len(text), length)
        self.assertIn(" ", text)
        return text

    def test_it_rejects_eleven_characters(self):
        password = "Zq8#mVt2$Lw"
        self.assertEqual(len(password), 11)
        self.assertEqual(self.rejection_codes(password), {"password_too_short"})

    def test_it_accepts_twelve_characters(self):
        validate_password("Zq8#mVt2$Lwk")

    def test_it_rejects_a_common_password(self):
        self.assertIn("password_too_common", self.rejection_codes("password1234"))

    def test_it_rejects_the_systems_own_vocabulary(self):
        self.assertEqual(self.rejection_codes("CountyOFR2026!"), {"password_context_word"})
        for password in ("my overdose notes 1", "Coroner-Lakeview-77", "ReviewTeam#2026x"):
            self.assertIn("password_context_word", self.rejection_codes(password), password)

    def test_it_rejects_a_password_like_the_username(self):
        user = User(username="riverside.coordinator", first_name="Dana")
        self.assertIn("password_too_similar", self.rejection_codes("riverside.coordinator1", user))

    def test_it_accepts_long_passphrases_with_spaces(self):
        for length in (64, 128):
            passphrase = self.passphrase(length)
            self.assertEqual(passphrase, passphrase.lower())
            validate_password(passphrase)

    def test_it_accepts_a_long_random_passphrase(self):
        user = User(username="coordinator", first_name="Dana", email="dana@example.org")
        validate_password("velvet-77 cactus Umbrella quartz^ minnow 19 Jasmine", user)

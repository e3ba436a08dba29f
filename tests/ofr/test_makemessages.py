"""The project's makemessages leaves a new msgid empty rather than filling it
with a fuzzy guess from a similar one."""

import os
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.test import SimpleTestCase, override_settings

HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Language: es\\n"\n"Plural-Forms: nplurals=2; plural=n != 1;\\n"\n\n'
)


class MakemessagesTestCase(SimpleTestCase):
    @override_settings(LOCALE_PATHS=[])  # never the project's catalogue
    def test_a_new_msgid_gets_no_fuzzy_guess(self):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            catalogue = root / "locale" / "es" / "LC_MESSAGES" / "django.po"
            catalogue.parent.mkdir(parents=True)
            catalogue.write_text(
                HEADER + 'msgid "Recovery codes"\nmsgstr "Códigos de recuperación"\n',
                encoding="utf-8",
            )
            (root / "page.html").write_text(
                '{% load i18n %}{% translate "Recovery codes" %}{% translate "Recovery housing" %}',
                encoding="utf-8",
            )
            previous = os.getcwd()
            os.chdir(root)
            try:
                call_command("makemessages", locale=["es"], verbosity=0)
            finally:
                os.chdir(previous)
            po = catalogue.read_text(encoding="utf-8")
        self.assertIn('msgid "Recovery codes"\nmsgstr "Códigos de recuperación"', po)
        self.assertIn('msgid "Recovery housing"\nmsgstr ""', po)
        self.assertNotIn("fuzzy", po)

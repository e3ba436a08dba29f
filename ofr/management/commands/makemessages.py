"""Django's makemessages without fuzzy matching.

msgmerge's fuzzy matching fills a new msgid with the translation of a similar
one, marked fuzzy: it offered "Códigos de recuperación" (recovery codes) for
"Recovery housing". A translator should start from an empty msgstr; a msgid
whose English changed becomes a new, empty entry and the old one obsolete."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

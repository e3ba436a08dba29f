"""Whoever holds a dump of the database, but not FIELD_ENCRYPTION_KEYS, reads
no decedent's identifiers in it: not in their table, not in its history, not
copied into any other row (free text, change reasons, the access log)."""

import os
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from cases.models import DecedentIdentifiers
from demo.second_factor import DEMO_SECOND_FACTOR_SECRET, demo_key
from ofr import second_factor
from ofr.backup import pg_tool, run_pg
from ofr.models import SecondFactor
from tests.base import OFRTransactionTestCase


def raw_dump() -> str:
    """The whole database as SQL text, as its own tools write it."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    if os.environ.get("PG_BIN"):
        pg_dump = str(Path(os.environ["PG_BIN"]) / "pg_dump")
    else:
        pg_dump = pg_tool("pg_dump", connection)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dump.sql"
        run_pg(pg_dump, connection.settings_dict, ["--format=plain", f"--file={path}"])
        return path.read_text()


def identifying_values() -> set[str]:
    """Every demo decedent's identifiers as someone would search a dump for them."""
    values = set()
    for identifiers in DecedentIdentifiers.objects.all():
        values |= {
            identifiers.legal_name,
            identifiers.aliases,
            *(alias.strip() for alias in identifiers.aliases.split(",")),
            identifiers.residence_address,
            identifiers.me_case_number,
            identifiers.death_certificate_number,
        }
        if identifiers.date_of_birth:
            values.add(identifiers.date_of_birth.isoformat())
    return {value for value in values if value}


class DemoDumpTestCase(OFRTransactionTestCase):
    # Committed rows, so that pg_dump (another session) sees them.

    def setUp(self) -> None:
        call_command("demo", "--force", stdout=StringIO())

    def test_a_raw_dump_holds_no_decedent_identifier(self):
        values = identifying_values()
        names = sum(1 for row in DecedentIdentifiers.objects.all() if row.legal_name)
        self.assertGreaterEqual(names, 16)
        self.assertGreater(len(values), 5 * names)
        with connection.cursor() as cursor:
            cursor.execute("SELECT legal_name FROM cases_historicaldecedentidentifiers")
            history_tokens = [token for (token,) in cursor.fetchall() if token]

        dump = raw_dump()

        # The dump has the identifiers' tables, history included, as tokens.
        self.assertTrue(history_tokens)
        for token in history_tokens:
            self.assertIn(token, dump)
        leaked = sorted(
            value
            for value in values
            # In the dump's own quoting too (SQL doubles an apostrophe).
            if value in dump or value.replace("'", "''") in dump
        )
        self.assertEqual(leaked, [])

    def test_a_raw_dump_holds_no_second_factor_secret(self):
        devices = list(SecondFactor.objects.all())
        self.assertGreaterEqual(len(devices), 8)  # every demo user is enrolled
        secrets = {demo_key(), DEMO_SECOND_FACTOR_SECRET.replace(" ", "")}
        for device in devices:
            secrets |= {device.key, second_factor.secret_text(device).replace(" ", "")}
        dump = raw_dump()
        self.assertIn("ofr_secondfactor", dump)
        self.assertEqual(
            sorted(s for s in secrets if s in dump or s.lower() in dump or s.upper() in dump), []
        )

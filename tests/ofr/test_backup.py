"""manage.py backup and restore on the database the suite runs on (SQLite's
backup API, or pg_dump and pg_restore): a round trip into a second, empty
database and an empty media folder, and each way a restore refuses or fails."""

import json
import shutil
import tempfile
from io import StringIO
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections
from django.test import RequestFactory, SimpleTestCase

from cases.models import Case, SourceDocument
from ofr import backup
from ofr.audit import Action, drop_append_only_triggers, install_append_only_triggers, record
from ofr.files import private_storage
from ofr.models import AccessEvent
from tests.base import PDF_BYTES, OFRTransactionTestCase

RESTORED = "restored"


class BackupRestoreTestCase(OFRTransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.backup = self.folder / "backup"
        request = RequestFactory().get("/")
        request.user = self.coordinator
        for _ in range(3):
            record(request, Action.VIEW, self.case)

    def make_backup(self) -> dict:
        out = StringIO()
        call_command("backup", str(self.backup), stdout=out, stderr=StringIO())
        self.assertIn("Backup written", out.getvalue())
        return json.loads((self.backup / "manifest.json").read_text())

    def empty_database(self) -> str:
        """A second, empty database of the suite's kind, as the alias RESTORED."""
        settings_dict = dict(connection.settings_dict)
        if connection.vendor == "sqlite":
            settings_dict["NAME"] = str(self.folder / "restored.sqlite3")
        else:
            settings_dict["NAME"] = f"{settings_dict['NAME']}_restored"
            name = connection.ops.quote_name(settings_dict["NAME"])
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
                cursor.execute(f"CREATE DATABASE {name}")
            self.addCleanup(self.drop_database, name)
        connections.settings[RESTORED] = settings_dict
        self.addCleanup(self.forget_alias)
        # Connected here: the test case refuses to open connections to aliases
        # it was not told of, and this one is made per test.
        connections[RESTORED].connect()
        return RESTORED

    def forget_alias(self) -> None:
        connections[RESTORED].close()
        del connections[RESTORED]
        del connections.settings[RESTORED]

    def drop_database(self, name: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")

    def empty_media(self):
        return self.settings(MEDIA_ROOT=self.folder / "restored-media")

    def restore(self, using: str = RESTORED) -> str:
        out = StringIO()
        call_command("restore", str(self.backup), database=using, stdout=out, stderr=StringIO())
        return out.getvalue()

    def assert_untouched(self) -> None:
        self.assertEqual(connections[RESTORED].introspection.table_names(), [])
        self.assertFalse((self.folder / "restored-media").exists())

    def test_it_restores_what_it_backed_up(self):
        manifest = self.make_backup()
        head = AccessEvent.objects.order_by("seq").last()
        self.assertEqual(head.action, Action.EXPORT)  # the backup's own event is in it
        self.assertEqual(manifest["access_log_head"], {"seq": head.seq, "hash": head.entry_hash})
        self.assertEqual(manifest["tables"]["cases_case"], Case.objects.count())
        self.assertEqual(manifest["tables"]["ofr_accessevent"], 4)
        self.assertEqual(manifest["migrations"]["ofr"][0], "0001_initial")
        files = {entry["name"]: entry for entry in manifest["files"]}
        self.assertEqual(files[self.document.file.name]["sha256"], self.document.sha256)
        dump = (self.backup / manifest["database"]["dump"]).read_bytes()
        for key in (settings.SECRET_KEY, settings.AUDIT_KEY, *settings.FIELD_ENCRYPTION_KEYS):
            self.assertNotIn(key, json.dumps(manifest))
            self.assertNotIn(key.encode(), dump)

        alias = self.empty_database()
        with self.empty_media():
            output = self.restore(alias)
            self.assertIn("checked it", output)
            restored = SourceDocument.objects.using(alias).get(pk=self.document.pk)
            with private_storage.open(restored.file.name, "rb") as handle:
                self.assertEqual(handle.read(), PDF_BYTES)
            self.assertEqual(sorted(backup.all_stored_names()), sorted(files))
        self.assertEqual(Case.objects.using(alias).count(), Case.objects.count())
        last = AccessEvent.objects.using(alias).order_by("seq").last()
        self.assertEqual(last.entry_hash, head.entry_hash)
        with self.assertRaisesMessage(DatabaseError, "append-only"):
            with connections[alias].cursor() as cursor:
                cursor.execute("DELETE FROM ofr_accessevent")

    def test_it_detects_an_edited_access_log_row_a_lost_row_and_a_changed_file(self):
        manifest = self.make_backup()
        alias = self.empty_database()
        with self.empty_media():
            self.restore(alias)
            self.assertEqual(backup.check_restored(manifest, alias), [])
            target = AccessEvent.objects.using(alias).order_by("seq")[1]
            restored = connections[alias]
            with restored.cursor() as cursor:
                drop_append_only_triggers(restored.vendor, cursor.execute)
                cursor.execute(
                    "UPDATE ofr_accessevent SET detail = 'edited' WHERE id = %s", [target.pk]
                )
                install_append_only_triggers(restored.vendor, cursor.execute)
                cursor.execute("DELETE FROM cases_note")
            name = self.document.file.name
            private_storage.delete(name)
            private_storage.save(name, ContentFile(PDF_BYTES + b"\n"))
            differences = backup.check_restored(manifest, alias)
        self.assertEqual(len(differences), 3, differences)
        self.assertIn("access log: Access log chain broken after 1 good rows", differences[2])
        self.assertIn(f"id={target.pk} seq={target.seq}: content does not match", differences[2])
        self.assertEqual(differences[0], "table cases_note: 0 rows, the backup had 1")
        self.assertEqual(differences[1], f"file {name}: sha256 differs from the backup's")

    def test_it_refuses_a_database_or_storage_that_is_not_empty(self):
        self.make_backup()
        with self.empty_media(), self.assertRaisesMessage(CommandError, "is not empty"):
            self.restore("default")
        alias = self.empty_database()
        with self.assertRaisesMessage(CommandError, "File storage is not empty"):
            self.restore(alias)
        self.assert_untouched()

    def test_it_refuses_a_tampered_file_and_names_it(self):
        manifest = self.make_backup()
        name = self.document.file.name
        (self.backup / "files" / name).write_bytes(PDF_BYTES.replace(b"1.4", b"1.7"))
        alias = self.empty_database()
        with self.empty_media(), self.assertRaises(CommandError) as raised:
            self.restore(alias)
        self.assertIn(f"file {name}: size or sha256 differs", str(raised.exception))
        self.assertEqual(str(raised.exception).count("differs"), 1)
        self.assert_untouched()

        (self.backup / "files" / name).write_bytes(PDF_BYTES)
        (self.backup / manifest["database"]["dump"]).open("ab").write(b"\0")
        with self.empty_media(), self.assertRaisesMessage(CommandError, "database dump"):
            self.restore(alias)
        self.assert_untouched()

    def test_it_refuses_a_backup_without_its_manifest_or_of_another_kind(self):
        manifest = self.make_backup()
        alias = self.empty_database()
        other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
        manifest["database"]["vendor"] = other
        (self.backup / "manifest.json").write_text(json.dumps(manifest))
        with self.empty_media(), self.assertRaisesMessage(CommandError, "not supported"):
            self.restore(alias)
        (self.backup / "manifest.json").unlink()
        with self.empty_media(), self.assertRaisesMessage(CommandError, "no manifest.json"):
            self.restore(alias)
        self.assert_untouched()

    def test_a_failed_backup_leaves_nothing_that_looks_like_one(self):
        with mock.patch.object(backup, "copy_files", side_effect=OSError("disk full")):
            with self.assertRaisesMessage(OSError, "disk full"):
                call_command("backup", str(self.backup))
        self.assertEqual(list(self.folder.iterdir()), [])
        self.make_backup()
        with self.assertRaisesMessage(CommandError, "already exists"):
            call_command("backup", str(self.backup))

    def test_it_reports_records_whose_file_is_missing(self):
        name = self.document.file.name
        private_storage.delete(name)
        err = StringIO()
        call_command("backup", str(self.backup), stdout=StringIO(), stderr=err)
        manifest = json.loads((self.backup / "manifest.json").read_text())
        self.assertEqual(manifest["files_missing"], [name])
        self.assertIn(f"missing: {name}", err.getvalue())


class PostgresClientTestCase(SimpleTestCase):
    """pg_dump and pg_restore are checked before they run, on either database."""

    def test_it_refuses_a_client_older_than_the_server_or_missing(self):
        server = mock.Mock(pg_version=170002)
        with (
            mock.patch.object(backup.shutil, "which", return_value="/usr/bin/pg_dump"),
            mock.patch.object(backup, "tool_major", return_value=15),
        ):
            with self.assertRaisesMessage(backup.BackupError, "older than PostgreSQL 17"):
                backup.pg_tool("pg_dump", server)
            server.pg_version = 150010
            with self.assertRaisesMessage(backup.BackupError, "older than a pg_dump 16 dump"):
                backup.pg_tool("pg_restore", server, at_least=16)
        with mock.patch.object(backup.shutil, "which", return_value=None):
            with self.assertRaisesMessage(backup.BackupError, "pg_dump is not installed"):
                backup.pg_tool("pg_dump", server)

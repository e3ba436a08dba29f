"""manage.py check_storage: files no record names (a crash between writing a
file and saving its row, a temporary file of an upload that never committed),
records whose file still waits under its temporary name, and records whose file
is gone. --delete removes only the unnamed files and moves waiting ones into
place, never touching a record nor a file any record or history row names."""

import os
import time
from io import StringIO

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from ofr.files import private_storage, temporary_name
from ofr.storage_check import file_fields
from tests.base import PDF_BYTES, OFRTestCase, stored_content


class CheckStorageTestCase(OFRTestCase):
    def stored(self, name: str, *, hours_ago: float = 0, content: bytes = b"left behind") -> str:
        name = private_storage.save(name, ContentFile(content))
        if hours_ago:
            then = time.time() - hours_ago * 3600
            os.utime(private_storage.path(name), (then, then))
        self.addCleanup(private_storage.delete, name)
        return name

    def run_check(self, *args: str) -> tuple[str, bool]:
        out = StringIO()
        try:
            call_command("check_storage", *args, stdout=out)
        except CommandError:
            return out.getvalue(), False
        return out.getvalue(), True

    def test_it_finds_every_apps_files(self):
        labels = {model._meta.label_lower for model, _ in file_fields()}
        for label in (
            "cases.sourcedocument",
            "cases.historicalsourcedocument",
            "meetings.packetcopy",
            "recommendations.progressupdate",
        ):
            self.assertIn(label, labels)

    def test_it_lists_unnamed_files_and_missing_ones_and_deletes_only_the_unnamed(self):
        orphan = self.stored("cases/crashed/upload.pdf", hours_ago=2)
        young = self.stored("cases/in-progress/upload.pdf")
        lost = self.update.evidence.name
        with private_storage.open(lost) as handle:
            kept = handle.read()
        private_storage.delete(lost)
        self.addCleanup(private_storage.save, lost, ContentFile(kept))  # the class's fixture

        output, passed = self.run_check()
        self.assertFalse(passed)
        self.assertIn(f"no record names it: {orphan}", output)
        self.assertNotIn(young, output)  # may belong to an upload in progress
        self.assertNotIn(self.document.file.name, output)
        self.assertIn(f"missing: {lost} (named by recommendations.progressupdate", output)

        output, passed = self.run_check("--delete")
        self.assertFalse(passed)  # the missing file is still missing
        self.assertIn(f"deleted, no record names it: {orphan}", output)
        self.assertFalse(private_storage.exists(orphan))
        self.assertTrue(private_storage.exists(young))
        self.assertTrue(private_storage.exists(self.document.file.name))
        self.update.refresh_from_db()
        self.assertEqual(self.update.evidence.name, lost)  # records are never touched

    def test_a_file_only_an_earlier_version_names_is_kept(self):
        earlier = self.document.file.name
        self.document.file.save("replaced.pdf", ContentFile(PDF_BYTES), save=False)
        self.document.save()
        self.addCleanup(private_storage.delete, self.document.file.name)
        output, _ = self.run_check("--delete", "--older-than-minutes", "0")
        self.assertNotIn(earlier, output)
        self.assertTrue(private_storage.exists(earlier))

    def test_it_removes_the_temporary_file_of_an_upload_that_never_committed(self):
        left = self.stored(temporary_name(f"cases/{self.case.code}/crashed.pdf"))
        output, passed = self.run_check("--older-than-minutes", "0")
        self.assertFalse(passed)
        self.assertIn(f"temporary, its upload never committed: {left}", output)
        self.assertIn("(1 temporary)", output)
        output, _ = self.run_check("--delete", "--older-than-minutes", "0")
        self.assertIn(f"deleted, temporary, its upload never committed: {left}", output)
        self.assertFalse(private_storage.exists(left))

    def test_it_moves_the_file_of_a_record_that_committed_before_a_crash_into_place(self):
        # The state a crash between the row's commit and the move leaves.
        name = self.document.file.name
        self.stored(temporary_name(name), content=stored_content(name))
        private_storage.delete(name)
        row = f"{name} (named by cases.sourcedocument id {self.document.pk})"
        output, passed = self.run_check("--older-than-minutes", "0")
        self.assertFalse(passed)
        self.assertIn(f"waiting under its temporary name: {row}", output)
        self.assertNotIn("missing:", output)
        self.assertNotIn(f"no record names it: {temporary_name(name)}", output)
        output, passed = self.run_check("--delete", "--older-than-minutes", "0")
        self.assertTrue(passed, output)
        self.assertIn(f"moved into place: {row}", output)
        self.assertEqual(stored_content(name), PDF_BYTES)
        self.assertFalse(private_storage.exists(temporary_name(name)))

    def test_it_refuses_a_negative_age(self):
        with self.assertRaisesMessage(CommandError, "cannot be negative"):
            call_command("check_storage", "--older-than-minutes", "-1")

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, TestCase

from cases.access import cases_for_user
from cases.models import Case
from demo import twohost
from demo.loadstack import StackFailed
from meetings.models import Meeting
from ofr.audit import Action, record
from ofr.files import PDF, inspect_upload


class TwoHostTestCase(TestCase):
    """What `manage.py twohost` reads from the demo's database, and the file it uploads."""

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", "--force", stdout=StringIO())

    def test_it_finds_the_shared_cases_the_signed_meeting_and_counts_views_by_host(self):
        before = twohost.read_state(since=0)
        meeting = Meeting.objects.get(code=before["meeting"])
        self.assertEqual(meeting.status, Meeting.Status.PLANNED)
        self.assertTrue(
            meeting.attendances.filter(
                user__username="facilitator", signature__isnull=False
            ).exists()
        )
        shared = Case.objects.filter(code__in=before["cases"])
        self.assertEqual(shared.count(), len(before["cases"]))
        for username in ("coordinator", "reviewer"):
            visible = cases_for_user(self.user(username))
            self.assertEqual(visible.filter(code__in=before["cases"]).count(), shared.count())
        request = RequestFactory().get("/", HTTP_USER_AGENT=twohost.AGENT.format("A"))
        request.user = self.user("coordinator")
        for _ in range(3):
            record(request, Action.VIEW, shared.first())
        record(request, Action.DOWNLOAD, shared.first())
        after = twohost.read_state(since=before["head"])
        self.assertEqual(after["views"], {twohost.AGENT.format("A"): 3})
        self.assertEqual(after["head"], before["head"] + 4)

    def test_it_reads_nothing_without_the_demo(self):
        renamed = self.user("facilitator")
        renamed.username = "someone-else"
        renamed.save()
        with self.assertRaisesMessage(StackFailed, "holds no demo"):
            twohost.read_state(since=0)
        with self.assertRaisesMessage(CommandError, "--read-state is internal"):
            call_command("twohost", "--read-state")

    def test_its_document_is_a_pdf_the_upload_accepts(self):
        upload = SimpleUploadedFile("two-host.pdf", twohost.small_pdf("Two-host check"))
        self.assertEqual(inspect_upload(upload).content_type, PDF.content_type)

    def user(self, username: str):
        return get_user_model().objects.get(username=username)

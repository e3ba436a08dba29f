import hashlib
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from cases.models import Case
from meetings import packet_jobs, pdf_worker
from meetings.models import AgendaItem, Attendance, Meeting, PacketCopy
from meetings.packet_jobs import render_packet_copy, start_packet
from meetings.packets import display_date
from ofr.files import private_storage
from ofr.models import AccessEvent
from ofr.storage_check import stored_files
from tests.base import PART2_TEXT, PDF_BYTES, OFRTestCase
from tests.pdf import pdf_pages as raw_pdf_pages

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text, whitespace runs made single spaces."""
    return [" ".join(page.split()) for page in raw_pdf_pages(pdf)]


def packet_files(meeting: Meeting) -> set[str]:
    """The meeting's packet files, at their names or under temporary ones."""
    folder = f"packets/{meeting.code}/"
    return {name for name in stored_files() if folder in name}


def temporary_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("ofr-packet-*")}


@override_settings(TASKS=IMMEDIATE)
class PacketJobsTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for user, first, last in (
            (cls.reviewer, "Riley", "Reviewer"),
            (cls.officer, "Owen", "Officer"),
        ):
            user.first_name, user.last_name = first, last
            user.save()
        # The real task, start to finish (its layout process included), once for the class.
        cls.reviewer_copy = cls.made_copy(cls.reviewer, by=cls.reviewer)
        cls.officer_copy = cls.made_copy(cls.officer, by=cls.facilitator)
        cls.reviewer_pdf = cls.stored(cls.reviewer_copy)
        cls.officer_pdf = cls.stored(cls.officer_copy)

    def setUp(self) -> None:
        # A temporary folder of our own, so that another test run on the machine
        # (CI beside a developer's run) cannot show up in the leftover checks.
        private = tempfile.mkdtemp(prefix="ofr-test-tmp-")
        self.addCleanup(shutil.rmtree, private, True)
        patcher = mock.patch.object(tempfile, "tempdir", private)
        patcher.start()
        self.addCleanup(patcher.stop)

    @staticmethod
    def stored(copy: PacketCopy) -> bytes:
        with copy.file.open("rb") as handle:
            return handle.read()

    @classmethod
    def made_copy(cls, recipient, *, by) -> PacketCopy:
        copy = start_packet(cls.meeting, recipient, requested_by=by)
        with cls.captureOnCommitCallbacks(execute=True):  # the file moves into place
            render_packet_copy.call(copy.pk)
        copy.refresh_from_db()
        return copy

    def fake_ready_copy(self, recipient, *, content: bytes = PDF_BYTES, number=None) -> PacketCopy:
        """A ready copy with a stored file, without laying anything out."""
        highest = max(self.meeting.packet_copies.values_list("number", flat=True), default=0)
        copy = PacketCopy(
            meeting=self.meeting,
            number=number or highest + 1,
            recipient=recipient,
            requested_by=recipient,
            status=PacketCopy.Status.READY,
            progress=100,
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            size=len(PDF_BYTES),
            page_count=1,
            finished_at=timezone.now(),
            case_ids=list(self.meeting.agenda_items.values_list("case_id", flat=True)),
        )
        copy.file.save("packet.pdf", ContentFile(content), save=False)
        copy.save()
        return copy

    def url(self, name: str, copy: PacketCopy | None = None) -> str:
        args = [self.meeting.code] + ([copy.code] if copy is not None else [])
        return reverse(f"meetings:{name}", args=args)

    def close_meeting(self) -> None:
        self.meeting.status = Meeting.Status.CLOSED
        self.meeting.save()

    def add_unsigned(self, user) -> Attendance:
        return Attendance.objects.create(meeting=self.meeting, user=user)

    # --- start_packet -------------------------------------------------------------

    def test_it_numbers_each_new_copy_after_the_last(self):
        with override_settings(TASKS=DUMMY):
            with self.captureOnCommitCallbacks(execute=True):
                copies = [
                    start_packet(self.meeting, self.reviewer, requested_by=self.reviewer),
                    start_packet(self.meeting, self.reviewer, requested_by=self.reviewer),
                    start_packet(self.meeting, self.officer, requested_by=self.facilitator),
                ]
            queued = [result.args for result in default_task_backend.results]
        # Copies 1 and 2 were made for the class.
        self.assertEqual([c.number for c in copies], [3, 4, 5])
        self.assertEqual(len({c.code for c in copies}), 3)
        for copy in copies:
            with self.subTest(copy=copy.number):
                self.assertEqual(copy.status, PacketCopy.Status.QUEUED)
                record = copy.history.get()
                self.assertEqual(record.history_user, copy.requested_by)
                self.assertIn(f"Copy {copy.number} requested", record.history_change_reason)
        self.assertEqual(queued, [[c.pk] for c in copies])

    def test_it_enqueues_the_task_only_once_the_copy_is_committed(self):
        with override_settings(TASKS=DUMMY):
            with self.captureOnCommitCallbacks(execute=False) as callbacks:
                start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
            self.assertEqual(default_task_backend.results, [])
            self.assertEqual(len(callbacks), 1)

    def test_it_numbers_from_one(self):
        other = Meeting.objects.create(
            team=self.team, title="Second review", starts_at=self.meeting.starts_at
        )
        Attendance.objects.create(meeting=other, user=self.reviewer).sign(
            typed_name="Riley Reviewer", confirmed=True
        )
        with override_settings(TASKS=DUMMY):
            copy = start_packet(other, self.reviewer, requested_by=self.reviewer)
        self.assertEqual(copy.number, 1)

    def test_it_takes_the_next_number_when_another_request_took_it(self):
        # The first insert collides with a copy committed meanwhile (the unique
        # constraint); the retry reads the highest number again.
        real_aggregate = type(self.meeting.packet_copies).aggregate
        calls = []

        def stale_then_fresh(manager, *args, **kwargs):
            calls.append(1)
            result = real_aggregate(manager, *args, **kwargs)
            return {"highest": result["highest"] - 1} if len(calls) == 1 else result

        with (
            override_settings(TASKS=DUMMY),
            mock.patch.object(type(self.meeting.packet_copies), "aggregate", stale_then_fresh),
        ):
            copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.assertEqual(copy.number, 3)
        self.assertEqual(len(calls), 2)

    def test_it_refuses_and_makes_nothing(self):
        self.add_unsigned(self.data_manager)
        cases = [
            (self.coordinator, self.coordinator, "is not on the meeting's roster"),
            (self.data_manager, self.data_manager, "You have not signed"),
            (self.data_manager, self.facilitator, "has not signed"),
            (self.officer, self.reviewer, "You may only ask for your own packet."),
        ]
        for recipient, by, message in cases:
            with self.subTest(recipient=recipient.username, by=by.username):
                with self.assertRaisesMessage(ValidationError, message):
                    start_packet(self.meeting, recipient, requested_by=by)
        self.close_meeting()
        with self.assertRaisesMessage(ValidationError, "The meeting is closed"):
            start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.assertEqual(self.meeting.packet_copies.count(), 2)

    # --- The task -----------------------------------------------------------------

    def test_it_makes_a_ready_copy_with_its_fingerprint(self):
        copy = self.reviewer_copy
        self.assertEqual(copy.status, PacketCopy.Status.READY)
        self.assertEqual(copy.progress, 100)
        self.assertEqual(copy.error, "")
        self.assertIsNotNone(copy.finished_at)
        self.assertTrue(self.reviewer_pdf.startswith(b"%PDF-"))
        self.assertEqual(copy.sha256, hashlib.sha256(self.reviewer_pdf).hexdigest())
        self.assertEqual(copy.size, len(self.reviewer_pdf))
        self.assertTrue(copy.file.name.startswith(f"packets/{self.meeting.code}/"))
        self.assertEqual(copy.page_count, len(pdf_pages(self.reviewer_pdf)))

    def test_it_marks_every_page_with_the_recipient_and_copy_number(self):
        for copy, pdf, name in (
            (self.reviewer_copy, self.reviewer_pdf, "Riley Reviewer"),
            (self.officer_copy, self.officer_pdf, "Owen Officer"),
        ):
            watermark = (
                f"CONFIDENTIAL — copy {copy.number} — prepared for {name} — "
                f"{display_date(timezone.localdate())}"
            )
            pages = pdf_pages(pdf)
            self.assertGreaterEqual(len(pages), 3)
            for number, text in enumerate(pages, start=1):
                with self.subTest(copy=copy.number, page=number):
                    self.assertIn(watermark, text)

    def test_it_prints_no_decedent_identifiers(self):
        text = " ".join(pdf_pages(self.reviewer_pdf))
        self.assertIn(self.case.reference, text)
        for identifier in ("Jordan", "Example", "1990-06-15", "June 15, 1990"):
            self.assertNotIn(identifier, text)

    def test_it_keeps_part_2_content_from_law_enforcement(self):
        self.assertIn(PART2_TEXT, " ".join(pdf_pages(self.reviewer_pdf)))
        officer_text = " ".join(pdf_pages(self.officer_pdf))
        self.assertNotIn(PART2_TEXT, officer_text)
        self.assertIn("SUD treatment contact (restricted)", officer_text)

    def test_it_keeps_the_progress_in_a_few_history_rows(self):
        records = list(self.reviewer_copy.history.order_by("history_id"))
        self.assertLessEqual(len(records), 6)
        self.assertEqual(
            [(r.status, r.progress) for r in records],
            [
                ("queued", 0),
                ("rendering", 10),
                ("rendering", 30),
                ("rendering", 90),
                ("ready", 100),
            ],
        )
        self.assertEqual({r.history_user for r in records}, {self.reviewer})

    def capture_html(self, copy: PacketCopy) -> str:
        """The HTML the task hands to the layout process (which is stopped there)."""
        seen = []

        def stop(html, folder, **limits):
            seen.append(html)
            raise packet_jobs.PacketFailed("stopped by the test")

        with (
            mock.patch("meetings.packet_jobs.render_in_subprocess", side_effect=stop),
            self.assertLogs("meetings.packet_jobs", "WARNING"),
        ):
            render_packet_copy.call(copy.pk)
        return seen[0]

    def test_it_puts_the_meetings_agenda_cases_in_order(self):
        first = Case.objects.create(team=self.team, reference="RIV-2025-000")
        elsewhere = Case.objects.create(team=self.team, reference="RIV-2025-009")
        AgendaItem.objects.create(meeting=self.meeting, case=first, position=0)
        other = Meeting.objects.create(
            team=self.team, title="Other review", starts_at=self.meeting.starts_at
        )
        AgendaItem.objects.create(meeting=other, case=elsewhere, position=1)
        copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        html = self.capture_html(copy)
        self.assertLess(html.index("RIV-2025-000"), html.index("RIV-2025-001"))
        self.assertNotIn("RIV-2025-009", html)
        self.assertIn("<title>Riverside case review</title>", html)

    def test_identifiers_need_the_team_policy_and_the_recipients_permission(self):
        Attendance.objects.create(meeting=self.meeting, user=self.data_manager).sign(
            typed_name=self.data_manager.get_full_name(), confirmed=True
        )
        for allowed, user, shown in (
            (False, self.data_manager, False),
            (True, self.data_manager, True),
            (True, self.reviewer, False),
        ):
            self.team.packets_may_include_identifiers = allowed
            self.team.save()
            with self.subTest(allowed=allowed, user=user.username):
                copy = start_packet(self.meeting, user, requested_by=user)
                self.assertEqual("Jordan Example" in self.capture_html(copy), shown)

    def assert_failed_without_a_file(self, copy: PacketCopy, error: str, files_before: set) -> None:
        copy.refresh_from_db()
        self.assertEqual(copy.status, PacketCopy.Status.FAILED)
        self.assertEqual(copy.error, error)
        self.assertIsNotNone(copy.finished_at)
        self.assertFalse(copy.file)
        self.assertEqual(copy.sha256, "")
        self.assertEqual(packet_files(self.meeting), files_before)

    def test_a_packet_over_the_time_limit_fails_and_leaves_no_file(self):
        files, folders = packet_files(self.meeting), temporary_folders()
        with override_settings(OFR_PACKET_TIME_LIMIT=0.01):
            copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
            with self.assertLogs("meetings.packet_jobs", "WARNING"):
                render_packet_copy.call(copy.pk)
        self.assert_failed_without_a_file(copy, packet_jobs.time_error(0.01), files)
        self.assertIn("took longer than 0.01 seconds to lay out", copy.error)
        self.assertEqual(temporary_folders(), folders)

    def test_a_packet_over_the_memory_limit_fails_and_leaves_no_file(self):
        files, folders = packet_files(self.meeting), temporary_folders()
        # Too little for Python to load Django and WeasyPrint.
        with override_settings(OFR_PACKET_MEMORY_LIMIT_MB=60):
            copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
            with self.assertLogs("meetings.packet_jobs", "ERROR"):
                render_packet_copy.call(copy.pk)
        self.assert_failed_without_a_file(copy, packet_jobs.memory_error(), files)
        self.assertIn("needed more memory than allowed", copy.error)
        self.assertEqual(temporary_folders(), folders)

    def test_a_crashing_layout_process_fails_the_copy(self):
        files = packet_files(self.meeting)
        copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        with (
            mock.patch("meetings.packet_jobs.sys.executable", "/bin/false"),
            self.assertLogs("meetings.packet_jobs", "ERROR"),
        ):
            render_packet_copy.call(copy.pk)
        self.assert_failed_without_a_file(copy, packet_jobs.GENERIC_ERROR, files)

    def test_an_unexpected_error_is_logged_and_fails_the_copy(self):
        files = packet_files(self.meeting)
        copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        with (
            mock.patch("meetings.packet_jobs.packet_html", side_effect=RuntimeError("boom")),
            self.assertLogs("meetings.packet_jobs", "ERROR") as logs,
        ):
            render_packet_copy.call(copy.pk)
        self.assert_failed_without_a_file(copy, packet_jobs.GENERIC_ERROR, files)
        self.assertIn("Traceback", logs.output[0])

    def test_a_meeting_closed_before_the_job_starts_gets_no_copy(self):
        files = packet_files(self.meeting)
        copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.close_meeting()
        with self.assertLogs("meetings.packet_jobs", "WARNING"):
            render_packet_copy.call(copy.pk)
        self.assert_failed_without_a_file(
            copy, "The meeting is closed: no more packet copies can be made.", files
        )

    def test_a_meeting_closed_during_layout_gets_no_copy(self):
        files = packet_files(self.meeting)
        copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        real = packet_jobs.render_in_subprocess

        def close_meanwhile(*args, **kwargs):
            rendered = real(*args, **kwargs)
            Meeting.objects.filter(pk=self.meeting.pk).update(status=Meeting.Status.CLOSED)
            return rendered

        with (
            mock.patch("meetings.packet_jobs.render_in_subprocess", side_effect=close_meanwhile),
            self.assertLogs("meetings.packet_jobs", "WARNING"),
        ):
            render_packet_copy.call(copy.pk)
        self.assert_failed_without_a_file(copy, packet_jobs.CLOSED_ERROR, files)

    def test_a_copy_is_made_once_at_most(self):
        taken = start_packet(self.meeting, self.officer, requested_by=self.officer)
        packet_jobs.step(taken, 10, "Gathering the case files", status="rendering")
        with self.assertLogs("meetings.packet_jobs", "WARNING") as logs:
            for copy in (self.reviewer_copy, taken):
                self.assertEqual(render_packet_copy.call(copy.pk), "skipped")
        self.assertIn("is ready: not produced again", logs.output[0])
        self.assertIn("is rendering: not produced again", logs.output[1])
        self.assertEqual(self.reviewer_copy.history.count(), 5)
        self.assertEqual(taken.history.count(), 2)

    # --- Asking for a packet (views) ----------------------------------------------

    def test_anonymous_visitors_are_sent_to_sign_in(self):
        copy = self.reviewer_copy
        for name, target in (
            ("request_packet", None),
            ("packet_status", copy),
            ("packet_progress", copy),
            ("download_packet", copy),
        ):
            with self.subTest(name=name):
                response = self.client.get(self.url(name, target))
                self.assertRedirects(
                    response, f"{reverse('login')}?next={self.url(name, target)}", 302, 200
                )

    def test_outsiders_and_other_attendees_do_not_see_a_copy(self):
        copy = self.reviewer_copy
        for user, names in (
            (
                self.outsider,
                ["request_packet", "packet_status", "packet_progress", "download_packet"],
            ),
            (self.officer, ["packet_status", "packet_progress", "download_packet"]),
        ):
            self.client.force_login(user)
            for name in names:
                with self.subTest(user=user.username, name=name):
                    target = None if name == "request_packet" else copy
                    self.assertEqual(self.client.get(self.url(name, target)).status_code, 404)
        self.assertFalse(AccessEvent.objects.filter(action=AccessEvent.Action.DOWNLOAD).exists())

    def test_an_attendee_asks_for_their_own_packet(self):
        self.client.force_login(self.reviewer)
        page = self.client.get(self.url("request_packet"))
        self.assertContains(page, "Prepare my packet")
        self.assertNotContains(page, "<select")
        with override_settings(TASKS=DUMMY):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(self.url("request_packet"))
            queued = [result.args for result in default_task_backend.results]
        copy = self.meeting.packet_copies.get(number=3)
        self.assertRedirects(response, self.url("packet_status", copy))
        self.assertEqual((copy.recipient, copy.requested_by), (self.reviewer, self.reviewer))
        self.assertEqual(queued, [[copy.pk]])

    def test_the_request_runs_the_task_after_the_response_is_decided(self):
        # The whole chain, as with the database backend but without its queue.
        self.client.force_login(self.officer)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(self.url("request_packet"))
        copy = self.meeting.packet_copies.get(number=3)
        self.assertEqual(copy.status, PacketCopy.Status.READY)
        self.assertEqual(copy.recipient, self.officer)

    def test_an_unsigned_attendee_is_told_to_sign_first(self):
        self.add_unsigned(self.data_manager)
        self.client.force_login(self.data_manager)
        page = self.client.get(self.url("request_packet"))
        self.assertContains(page, "You have not signed the confidentiality agreement")
        self.assertNotContains(page, "Prepare my packet")
        response = self.client.post(self.url("request_packet"))
        self.assertContains(response, "You have not signed", status_code=400)
        self.assertEqual(self.meeting.packet_copies.count(), 2)

    def test_a_member_may_not_ask_for_someone_elses_packet(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(self.url("request_packet"), {"recipient": "officer"})
        self.assertContains(response, "You may only ask for your own packet.", status_code=403)
        denied = AccessEvent.objects.get(action=AccessEvent.Action.DENIED)
        self.assertEqual((denied.user, denied.object_id), (self.reviewer, str(self.meeting.code)))
        self.assertEqual(self.meeting.packet_copies.count(), 2)

    def test_a_closed_meeting_makes_no_more_copies(self):
        self.close_meeting()
        for user, data in ((self.reviewer, {}), (self.facilitator, {"recipient": "officer"})):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                response = self.client.post(self.url("request_packet"), data)
                self.assertContains(response, "The meeting is closed", status_code=400)
        self.assertEqual(self.meeting.packet_copies.count(), 2)

    def test_a_manager_prepares_a_packet_for_a_signed_attendee(self):
        self.add_unsigned(self.data_manager)
        self.client.force_login(self.facilitator)
        page = self.client.get(self.url("request_packet"))
        self.assertContains(page, '<option value="facilitator" selected>Facilitator</option>')
        self.assertContains(page, '<option value="officer">Owen Officer</option>')
        self.assertNotContains(page, 'value="datamanager"')
        refused = self.client.post(self.url("request_packet"), {"recipient": "datamanager"})
        self.assertContains(refused, "who has signed the confidentiality", status_code=400)
        with override_settings(TASKS=DUMMY):
            response = self.client.post(self.url("request_packet"), {"recipient": "officer"})
        copy = self.meeting.packet_copies.get(number=3)
        self.assertRedirects(response, self.url("packet_status", copy))
        self.assertEqual((copy.recipient, copy.requested_by), (self.officer, self.facilitator))
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.action, event.user), ("export", self.facilitator))
        self.assertEqual(event.object_id, str(copy.code))
        self.assertEqual(event.detail, "packet copy 3 prepared for officer")

    def test_request_pages_refuse_other_methods(self):
        copy = self.reviewer_copy
        self.client.force_login(self.reviewer)
        for name, method in (
            ("request_packet", "put"),
            ("packet_status", "post"),
            ("packet_progress", "post"),
            ("download_packet", "post"),
        ):
            with self.subTest(name=name):
                target = None if name == "request_packet" else copy
                response = getattr(self.client, method)(self.url(name, target))
                self.assertEqual(response.status_code, 405)

    # --- Watching it ------------------------------------------------------------------

    def test_the_status_page_polls_while_the_copy_is_being_made(self):
        with override_settings(TASKS=DUMMY):
            copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("packet_status", copy))
        self.assertContains(response, "<h1>Packet copy 3</h1>", html=True)
        self.assertContains(response, "Riley Reviewer")
        self.assertContains(response, 'max="100" value="0"')
        self.assertContains(response, 'role="status" aria-live="polite"')
        self.assertContains(response, "Queued: waiting for the packet worker.")
        self.assertContains(response, f'data-progress-url="{self.url("packet_progress", copy)}"')
        self.assertContains(response, "js/packet-progress.js")
        self.assertContains(
            response, f'<a class="usa-link" href="{self.url("packet_status", copy)}">'
        )

    def test_the_status_page_of_a_ready_copy_links_the_download(self):
        self.client.force_login(self.facilitator)  # a manager sees every copy
        with self.assertNumQueries(6):
            response = self.client.get(self.url("packet_status", self.reviewer_copy))
        self.assertContains(response, f'href="{self.url("download_packet", self.reviewer_copy)}"')
        self.assertContains(response, self.reviewer_copy.sha256)
        self.assertNotContains(response, "packet-progress.js")
        self.assertNotContains(response, "Refresh")

    def test_the_status_page_of_a_failed_copy_offers_to_try_again(self):
        copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        packet_jobs.fail(copy, packet_jobs.GENERIC_ERROR)
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("packet_status", copy))
        self.assertContains(response, packet_jobs.GENERIC_ERROR)
        self.assertContains(response, f'action="{self.url("request_packet")}"')
        self.assertContains(response, '<input type="hidden" name="recipient" value="reviewer">')
        self.assertContains(response, "Try again")

    def test_a_copy_waiting_far_beyond_the_time_limit_is_failed_when_looked_at(self):
        with override_settings(TASKS=DUMMY):
            copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        copy.requested_at = timezone.now() - timedelta(seconds=packet_jobs.stale_after() + 1)
        copy.save()
        self.client.force_login(self.reviewer)
        state = self.client.get(self.url("packet_progress", copy)).json()
        self.assertEqual(state["status"], "failed")
        self.assertEqual(state["error"], packet_jobs.STALE_ERROR)
        copy.refresh_from_db()
        self.assertFalse(copy.file)
        # A copy still within its time is left alone.
        with override_settings(TASKS=DUMMY):
            fresh = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.assertEqual(
            self.client.get(self.url("packet_progress", fresh)).json()["status"], "queued"
        )

    def test_the_progress_is_json_for_the_poller(self):
        with override_settings(TASKS=DUMMY):
            queued = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("packet_progress", queued))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(
            response.json(),
            {
                "status": "queued",
                "status_label": "Queued",
                "progress": 0,
                "label": "Waiting for the packet worker",
                "pages": None,
                "error": "",
                "download_url": "",
                "text": "Queued: waiting for the packet worker.",
            },
        )
        ready = self.client.get(self.url("packet_progress", self.reviewer_copy)).json()
        self.assertEqual(ready["status"], "ready")
        self.assertEqual(ready["progress"], 100)
        self.assertEqual(ready["download_url"], self.url("download_packet", self.reviewer_copy))
        pages = self.reviewer_copy.page_count
        self.assertEqual(ready["text"], f"Ready: {pages} page{'s' if pages != 1 else ''}.")

    # --- Downloading it -----------------------------------------------------------------

    def test_each_download_is_logged(self):
        copy = self.fake_ready_copy(self.reviewer)
        self.client.force_login(self.reviewer)
        for attempt in (1, 2):
            response = self.client.get(self.url("download_packet", copy))
            self.assertEqual(response.status_code, 200)
            self.assertEqual(b"".join(response.streaming_content), PDF_BYTES)
            self.assertEqual(response["Content-Type"], "application/pdf")
            self.assertEqual(
                response["Content-Disposition"],
                f'attachment; filename="packet-2026-12-03-copy-{copy.number}.pdf"',
            )
            self.assertIn("no-store", response["Cache-Control"])
            events = AccessEvent.objects.filter(
                action=AccessEvent.Action.DOWNLOAD, object_id=str(copy.code)
            )
            self.assertEqual(events.count(), attempt)
        event = events.last()
        self.assertEqual(event.user, self.reviewer)
        self.assertEqual(event.object_type, "meetings.packetcopy")
        self.assertEqual(
            event.detail, f"packet copy {copy.number} for reviewer sha256:{copy.sha256}"
        )

    def test_a_manager_downloads_an_attendees_copy(self):
        copy = self.fake_ready_copy(self.officer)
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url("download_packet", copy))
        self.assertEqual(response.status_code, 200)
        event = AccessEvent.objects.get(action=AccessEvent.Action.DOWNLOAD)
        self.assertEqual(
            (event.user, event.detail),
            (self.facilitator, f"packet copy 3 for officer sha256:{copy.sha256}"),
        )

    def test_a_manager_may_not_download_a_copy_wider_than_their_own_view(self):
        # The coordinator's copy may carry identifiers, which the facilitator
        # may not see; the coordinator may download the facilitator's.
        Attendance.objects.create(meeting=self.meeting, user=self.coordinator).sign(
            typed_name=self.coordinator.get_full_name(), confirmed=True
        )
        wider = self.fake_ready_copy(self.coordinator)
        narrower = self.fake_ready_copy(self.facilitator)
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url("download_packet", wider))
        self.assertContains(response, "holds more than you may see", status_code=403)
        self.assertNotIn("Content-Disposition", response)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.user, event.action), (self.facilitator, "denied"))
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(self.url("download_packet", narrower)).status_code, 200)

    def test_a_copy_no_longer_stands_once_its_case_leaves_the_agenda(self):
        copy = self.fake_ready_copy(self.reviewer)
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(self.url("download_packet", copy)).status_code, 200)
        self.meeting.agenda_items.get(case=self.case).delete()
        response = self.client.get(self.url("download_packet", copy))
        self.assertContains(response, "taken off the agenda", status_code=410)
        self.assertNotIn("Content-Disposition", response)

    def test_a_copy_no_longer_stands_once_an_item_in_it_is_restricted(self):
        copy = self.fake_ready_copy(self.reviewer)
        copy.contents_at = timezone.now()
        copy.save()
        self.event.sensitivity = "nok_interview"
        self.event._change_reason = "Re-filed"
        self.event.save()
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("download_packet", copy))
        self.assertContains(response, "restricted further", status_code=410)

    def test_a_copy_no_longer_stands_once_its_case_is_deferred(self):
        copy = self.fake_ready_copy(self.reviewer)
        self.case.move_to("deferred", by=self.coordinator, deferral_reason="active_investigation")
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url("download_packet", copy))
        # Deferring took the case off the planned meeting's agenda, too.
        self.assertEqual(response.status_code, 410)
        self.assertNotIn("Content-Disposition", response)

    def test_no_download_once_the_meeting_is_closed(self):
        copy = self.fake_ready_copy(self.reviewer)
        self.close_meeting()
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("download_packet", copy))
        self.assertContains(response, "The meeting is closed", status_code=410)
        self.assertFalse(AccessEvent.objects.filter(action=AccessEvent.Action.DOWNLOAD).exists())

    def test_no_download_before_the_copy_is_ready(self):
        with override_settings(TASKS=DUMMY):
            copy = start_packet(self.meeting, self.reviewer, requested_by=self.reviewer)
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("download_packet", copy))
        self.assertContains(response, "The copy is not ready", status_code=409)

    def test_a_tampered_file_is_not_sent(self):
        copy = self.fake_ready_copy(self.reviewer, content=PDF_BYTES + b"% altered\n")
        self.client.force_login(self.reviewer)
        with self.assertLogs("ofr.files", "ERROR"):
            response = self.client.get(self.url("download_packet", copy))
        self.assertContains(response, "failed its integrity check", status_code=409)
        self.assertNotIn(b"%PDF", response.content)
        event = AccessEvent.objects.get(action=AccessEvent.Action.DOWNLOAD)
        self.assertTrue(event.detail.endswith("integrity check failed"))

    def test_a_missing_file_is_reported(self):
        copy = self.fake_ready_copy(self.reviewer)
        private_storage.delete(copy.file.name)
        self.client.force_login(self.reviewer)
        with self.assertLogs("ofr.files", "ERROR"):
            response = self.client.get(self.url("download_packet", copy))
        self.assertContains(response, "The stored file is missing", status_code=410)

    def test_the_packet_file_is_the_one_the_task_fingerprinted(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url("download_packet", self.reviewer_copy))
        body = b"".join(response.streaming_content)
        self.assertEqual(hashlib.sha256(body).hexdigest(), self.reviewer_copy.sha256)

    # --- The layout process -------------------------------------------------------------

    def test_the_layout_process_refuses_to_use_the_database(self):
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "packet.html"
            source.write_text("<html lang='en'><title>t</title><p>x</p></html>")
            with (
                mock.patch("ofr.pdf.render_pdf", lambda html: Meeting.objects.count()),
                self.assertRaisesMessage(RuntimeError, "does not use the database"),
            ):
                pdf_worker.render(str(source), str(Path(folder) / "packet.pdf"))

    def test_the_layout_process_reports_failures_by_exit_status(self):
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "packet.pdf"
            with mock.patch("sys.stderr"):
                self.assertEqual(pdf_worker.main([f"{folder}/missing.html", str(target)]), 1)
                self.assertEqual(pdf_worker.main(["--no-such-option"]), 2)
            self.assertFalse(target.exists())
        wrapped = RuntimeError("layout failed")
        wrapped.__cause__ = MemoryError()
        self.assertTrue(pdf_worker.out_of_memory(wrapped))
        self.assertFalse(pdf_worker.out_of_memory(RuntimeError("layout failed")))

    def test_a_layout_process_killed_under_the_memory_cap_ran_out_of_memory(self):
        # GLib aborts (SIGTRAP) when it cannot allocate; the kernel's
        # out-of-memory killer sends SIGKILL even without a cap.
        cases = [
            (-signal.SIGTRAP, 2048, packet_jobs.memory_error()),
            (-signal.SIGKILL, 0, packet_jobs.memory_error()),
            (-signal.SIGSEGV, 0, packet_jobs.GENERIC_ERROR),
            (1, 2048, packet_jobs.GENERIC_ERROR),
        ]
        for returncode, limit, message in cases:
            finished = subprocess.CompletedProcess([], returncode, stdout="", stderr="")
            with (
                self.subTest(returncode=returncode, limit=limit),
                mock.patch("meetings.packet_jobs.subprocess.run", return_value=finished),
                self.assertLogs("meetings.packet_jobs", "ERROR"),
                tempfile.TemporaryDirectory() as folder,
                self.assertRaisesMessage(packet_jobs.PacketFailed, message),
            ):
                packet_jobs.render_in_subprocess(
                    "<p>x</p>", Path(folder), time_limit=120, memory_limit_mb=limit
                )


class PacketWorkFolderTestCase(OFRTestCase):
    """Packets are laid out in a private folder; what a killed worker leaves
    there (the packet's HTML, once a whole PDF) is swept by the next job."""

    def test_the_work_folder_is_private_and_stale_folders_are_swept(self):
        with (
            tempfile.TemporaryDirectory() as parent,
            self.settings(OFR_PACKET_WORK_DIR=str(Path(parent) / "work")),
        ):
            root = packet_jobs.work_root()
            self.assertEqual(root.stat().st_mode & 0o777, 0o700)
            left = root / "ofr-packet-killed"
            left.mkdir()
            (left / "packet.html").write_text("<p>confidential</p>")
            running = root / "ofr-packet-running"
            running.mkdir()
            long_ago = time.time() - packet_jobs.stale_after() - 5
            os.utime(left, (long_ago, long_ago))
            with self.assertLogs("meetings.packet_jobs", "WARNING"):
                self.assertEqual(packet_jobs.sweep_work_folders(), 1)
            self.assertFalse(left.exists())
            self.assertTrue(running.exists())  # a job still within its time

    def test_a_job_lays_out_inside_the_work_folder_and_leaves_nothing(self):
        seen = []

        def lay_out(html, folder, **limits):
            seen.append(folder)
            raise packet_jobs.PacketFailed("stopped by the test")

        copy = start_packet(self.meeting, self.facilitator, requested_by=self.facilitator)
        with (
            tempfile.TemporaryDirectory() as parent,
            self.settings(OFR_PACKET_WORK_DIR=parent),
            mock.patch("meetings.packet_jobs.render_in_subprocess", side_effect=lay_out),
            self.assertLogs("meetings.packet_jobs", "WARNING"),
        ):
            render_packet_copy.call(copy.pk)
            self.assertEqual([folder.parent for folder in seen], [Path(parent)])
            self.assertEqual(list(Path(parent).iterdir()), [])
        copy.refresh_from_db()
        self.assertEqual(copy.status, "failed")

    def test_a_work_folder_someone_else_could_open_is_refused(self):
        with tempfile.TemporaryDirectory() as parent:
            shared = Path(parent) / "shared"
            shared.mkdir(mode=0o755)
            shared.chmod(0o755)
            with self.settings(OFR_PACKET_WORK_DIR=str(shared)):
                with self.assertRaisesMessage(RuntimeError, "mode 0700"):
                    packet_jobs.work_root()
            link = Path(parent) / "link"
            link.symlink_to(Path(parent) / "elsewhere", target_is_directory=True)
            (Path(parent) / "elsewhere").mkdir(mode=0o700)
            with self.settings(OFR_PACKET_WORK_DIR=str(link)):
                with self.assertRaisesMessage(RuntimeError, "must be a folder"):
                    packet_jobs.work_root()
            self.assertEqual(stat.S_IMODE(shared.stat().st_mode), 0o755)  # never adopted

    def test_a_copy_is_stale_only_well_past_its_time_limit(self):
        with self.settings(OFR_PACKET_TIME_LIMIT=30):
            self.assertEqual(packet_jobs.stale_after(), 30 + 600)
        with self.settings(OFR_PACKET_TIME_LIMIT=900):
            self.assertEqual(packet_jobs.stale_after(), 900 + 1800)

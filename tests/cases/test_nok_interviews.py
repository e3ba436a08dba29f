"""Next-of-kin interviews: assignment, outreach, consent, the interview, extracted
touchpoints, do-not-contact, debrief counts, letters, and who sees what."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cases.access import get_case_for_user
from cases.models import INTERVIEW_TOPICS, NokInterview, NokOutreachAttempt, TimelineEvent
from cases.nok_letters import nok_document_html
from meetings.models import Attendance
from ofr.models import AccessEvent, Membership
from ofr.roles import Role
from tests.base import PDF_BYTES, OFRTestCase, make_member

NOTES = "NOK-NOTES-SECRET The sister said he had been turned away from detox twice."
PLACE = "NOK-PLACE-SECRET kitchen table"
FAMILY = "NOK-FAMILY-SECRET Dana"
ATTEMPT_NOTE = "NOK-ATTEMPT-SECRET call after six"
TOUCHPOINTS = (
    "Turned away from a detox bed (family account).",
    "ED visit after a fall, per sister.",
)


def flag_interviewer(user, team) -> None:
    membership = Membership.objects.get(user=user, team=team)
    membership.nok_interviewer = True
    membership.save()


class NokInterviewFlowTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # A review member trained to interview families, signed for the meeting.
        cls.interviewer = make_member("interviewer", cls.team, Role.MEMBER, cls.health)
        flag_interviewer(cls.interviewer, cls.team)
        attendance = Attendance.objects.create(meeting=cls.meeting, user=cls.interviewer)
        attendance.sign(typed_name=cls.interviewer.get_full_name(), confirmed=True)

    def url(self, name, interview=None, lang=None):
        args = [self.case.code] + ([interview.code] if interview is not None else [])
        return reverse(f"cases:{name}", args=args + ([lang] if lang else []))

    def as_user(self, user):
        self.client.force_login(user)
        return self.client

    def assign(self) -> NokInterview:
        response = self.as_user(self.coordinator).post(
            self.url("nok_assign"), {"interviewer": self.interviewer.pk}
        )
        self.assertEqual(response.status_code, 302)
        return NokInterview.objects.get(case=self.case)

    def test_the_whole_interview_through_the_pages(self):
        # The coordinator assigns, from the case page.
        page = self.as_user(self.coordinator).get(self.url("detail"))
        self.assertContains(page, self.url("nok_assign"))
        interview = self.assign()
        self.assertEqual(interview.interviewer, self.interviewer)
        self.assertEqual(interview.status, NokInterview.Status.ASSIGNED)

        # The interviewer: two outreach attempts, consent with the signed form, the interview.
        client = self.as_user(self.interviewer)
        self.assertContains(client.get(self.url("detail")), self.url("nok_interview", interview))
        for channel, outcome, note in (
            ("phone", "no_answer", ATTEMPT_NOTE),
            ("letter", "reached_agreed", ""),
        ):
            response = client.post(
                self.url("nok_attempt", interview),
                {"date": "2025-05-02", "channel": channel, "outcome": outcome, "note": note},
            )
            self.assertEqual(response.status_code, 302)
        interview.refresh_from_db()
        self.assertEqual(interview.status, NokInterview.Status.OUTREACH)
        self.assertEqual(interview.attempts.count(), 2)
        with self.captureOnCommitCallbacks(execute=True):  # the file moves into place
            response = client.post(
                self.url("nok_consent", interview),
                {
                    "consent_name": FAMILY,
                    "consent_relationship": "sister",
                    "consent_kind": "written",
                    "consent_on": "2025-05-10",
                    "opened_version": interview.version,
                    "signed_form": SimpleUploadedFile("consent.pdf", PDF_BYTES, "application/pdf"),
                },
            )
        self.assertEqual(response.status_code, 302)
        interview.refresh_from_db()
        self.assertEqual(interview.status, NokInterview.Status.CONSENTED)
        self.assertTrue(interview.consent_sha256)
        self.assertNotIn("consent", interview.consent_file.name.rsplit("/", 1)[-1][:7])
        download = client.get(self.url("nok_consent_download", interview))
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content), PDF_BYTES)
        self.assertTrue(
            AccessEvent.objects.filter(
                user=self.interviewer, action="download", detail__contains="consent form"
            ).exists()
        )
        topics = {
            "substance_use_known": "yes",
            "prior_overdoses": "yes",
            "treatment_attempts": "yes",
            "treatment_barriers": "yes",
            "criminal_legal_contact": "no",
            "mental_health": "unknown",
            "housing_instability": "no",
            "recent_loss": "yes",
            "naloxone_in_home": "no",
        }
        response = client.post(
            self.url("nok_record", interview),
            {"interviewed_on": "2025-05-20", "mode": "in_person", "place": PLACE, "notes": NOTES}
            | topics
            | {"opened_version": interview.version},
        )
        self.assertEqual(response.status_code, 302)
        interview.refresh_from_db()
        self.assertEqual(interview.status, NokInterview.Status.INTERVIEWED)
        self.assertEqual(interview.treatment_barriers, "yes")

        # Two touchpoints from the interview onto the timeline.
        for day, description in zip(("2025-01-05", "2025-02-11"), TOUCHPOINTS, strict=True):
            response = client.post(
                self.url("nok_touchpoint", interview),
                {
                    "date": day,
                    "date_precision": "day",
                    "system": "sud_treatment",
                    "touchpoint_type": "other",
                    "description": description,
                },
            )
            self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        extracted = TimelineEvent.objects.filter(from_nok_interview=interview)
        self.assertEqual(extracted.count(), 2)
        self.assertEqual(set(extracted.values_list("sensitivity", flat=True)), {""})
        own = client.get(self.url("nok_interview", interview))
        for text in (NOTES, PLACE, FAMILY, ATTEMPT_NOTE):
            self.assertContains(own, text)

        # The reviewer sees the touchpoints and their source, not the interview.
        reviewer = self.as_user(self.reviewer)
        page = reviewer.get(self.url("detail"))
        for description in TOUCHPOINTS:
            self.assertContains(page, description)
        self.assertContains(page, "Next-of-kin interview", count=2)
        self.assertNotContains(page, self.url("nok_interview", interview))
        self.assertNotContains(page, 'id="nok"')
        for text in (NOTES, PLACE, FAMILY, ATTEMPT_NOTE):
            self.assertNotContains(page, text)
        self.assertEqual(reviewer.get(self.url("nok_interview", interview)).status_code, 404)

        # The officer (law enforcement) sees neither the interview nor its notes.
        officer = self.as_user(self.officer)
        page = officer.get(self.url("detail"))
        for text in (NOTES, PLACE, FAMILY, ATTEMPT_NOTE):
            self.assertNotContains(page, text)
        self.assertNotContains(page, self.url("nok_interview", interview))
        for name in ("nok_interview", "nok_consent_download", "nok_attempt"):
            self.assertEqual(officer.get(self.url(name, interview)).status_code, 404)

        # Every change has its author and reason in the history.
        for row in interview.history.all():
            self.assertIsNotNone(row.history_user_id)
            self.assertTrue(row.history_change_reason)
        for row in NokOutreachAttempt.history.all():
            self.assertEqual(row.history_user_id, self.interviewer.pk)

    def test_do_not_contact_stops_outreach(self):
        interview = self.assign()
        response = self.as_user(self.coordinator).post(
            self.url("nok_do_not_contact", interview),
            {"do_not_contact_on": timezone.localdate().isoformat(), "opened_version": 1},
        )
        self.assertEqual(response.status_code, 302)
        interview.refresh_from_db()
        self.assertEqual(interview.status, NokInterview.Status.DO_NOT_CONTACT)
        self.assertEqual(interview.do_not_contact_by, self.coordinator)
        response = self.as_user(self.interviewer).post(
            self.url("nok_attempt", interview),
            {"date": "2025-05-02", "channel": "phone", "outcome": "no_answer"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "asked not to be contacted again")
        self.assertEqual(interview.attempts.count(), 0)
        with self.assertRaises(ValidationError):
            NokOutreachAttempt(interview=interview, channel="phone", outcome="other").full_clean()

    def test_who_may_do_what(self):
        interview = self.assign()
        interview_url = self.url("nok_interview", interview)
        expectations = {
            # read the interview page, record an attempt, do-not-contact, assign
            self.coordinator: (200, 403, 200, 200),
            self.facilitator: (200, 403, 403, 403),
            self.interviewer: (200, 200, 403, 403),
            self.data_manager: (404, 404, 404, 403),
            self.reviewer: (404, 404, 404, 403),
            self.officer: (404, 404, 404, 403),
            self.outsider: (404, 404, 404, 404),
            self.partner: (404, 404, 404, 404),
        }
        for user, expected in expectations.items():
            client = self.as_user(user)
            got = (
                client.get(interview_url).status_code,
                client.get(self.url("nok_attempt", interview)).status_code,
                client.get(self.url("nok_do_not_contact", interview)).status_code,
                client.get(self.url("nok_assign")).status_code,
            )
            self.assertEqual(got, expected, user.username)
        self.client.logout()
        response = self.client.get(interview_url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_assigning_offers_only_trained_interviewers(self):
        response = self.as_user(self.coordinator).get(self.url("nok_assign"))
        choices = [value for value, _ in response.context["form"].fields["interviewer"].choices]
        self.assertEqual([str(c) for c in choices if c], [str(self.interviewer.pk)])
        response = self.client.post(self.url("nok_assign"), {"interviewer": self.reviewer.pk})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(NokInterview.objects.exists())

    def test_a_form_opened_before_someone_else_saved_is_refused(self):
        interview = self.assign()
        interview.consent_kind, interview.consent_name = "verbal", "Someone"
        interview.consent_on = date(2025, 5, 1)
        interview.record_consent(by=self.interviewer)
        opened = interview.version
        # The coordinator records the family's wish while the interviewer has
        # the interview form open.
        self.as_user(self.coordinator).post(
            self.url("nok_do_not_contact", interview),
            {"do_not_contact_on": timezone.localdate().isoformat(), "opened_version": opened},
        )
        response = self.as_user(self.interviewer).post(
            self.url("nok_record", interview),
            {
                "interviewed_on": "2025-05-20",
                "mode": "phone",
                "notes": "Stale notes",
                "opened_version": opened,
            }
            | dict.fromkeys(INTERVIEW_TOPICS, "unknown"),
        )
        self.assertEqual(response.status_code, 409, response.context["form"].errors)
        self.assertContains(response, "saved this while you were editing", status_code=409)
        interview.refresh_from_db()
        self.assertEqual(interview.status, NokInterview.Status.DO_NOT_CONTACT)
        self.assertEqual(interview.notes, "")

    def test_coordinators_see_debriefs_as_a_count_only(self):
        interview = self.assign()
        interview.consent_kind, interview.consent_name = "verbal", "Someone"
        interview.consent_on = interview.interviewed_on = date(2025, 5, 1)
        interview.record_interview(by=self.interviewer)
        client = self.as_user(self.interviewer)
        response = client.post(
            self.url("nok_debrief", interview),
            {"debriefed": "on", "debriefed_on": "2025-05-02", "opened_version": interview.version},
        )
        self.assertEqual(response.status_code, 302)
        page = client.get(reverse("cases:nok_mine"))
        self.assertContains(page, self.case.reference)
        self.assertContains(self.client.get(reverse("home")), reverse("cases:nok_mine"))
        coordinator = self.as_user(self.coordinator)
        page = coordinator.get(reverse("cases:nok_mine"))
        self.assertContains(page, "1 of 1 interview debriefed")
        self.assertNotContains(page, "2025-05-02")
        detail = coordinator.get(self.url("nok_interview", interview))
        self.assertNotContains(detail, "Your debrief")
        self.assertNotContains(detail, "2025-05-02")
        self.assertEqual(
            self.as_user(self.reviewer).get(reverse("cases:nok_mine")).status_code, 403
        )

    def test_letters_in_english_and_spanish_are_logged(self):
        interview = self.assign()
        viewer = get_case_for_user(self.coordinator, self.case.code).viewer
        interview.case = get_case_for_user(self.coordinator, self.case.code)
        english = nok_document_html("letter", interview, viewer, "en")
        spanish = nok_document_html("letter", interview, viewer, "es")
        self.assertIn("We are very sorry for your loss.", english)
        self.assertIn("Lamentamos mucho su pérdida.", spanish)
        self.assertIn('<html lang="es">', spanish)
        self.assertIn("Jordan Example", spanish)  # the coordinator sees identifiers
        consent = nok_document_html("consent", interview, viewer, "es")
        self.assertIn("Consentimiento", consent)
        client = self.as_user(self.interviewer)
        for name in ("nok_letter", "nok_consent_form"):
            response = client.get(self.url(name, interview, lang="es"))
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertEqual(
            AccessEvent.objects.filter(user=self.interviewer, action="export").count(), 2
        )
        self.assertEqual(client.get(self.url("nok_letter", interview, lang="fr")).status_code, 404)
        # The interviewer (a review member) does not see identifiers: no name in the letter.
        own_viewer = get_case_for_user(self.interviewer, self.case.code).viewer
        self.assertNotIn("Jordan Example", nok_document_html("letter", interview, own_viewer, "en"))

    def test_query_counts(self):
        interview = self.assign()
        client = self.as_user(self.interviewer)
        client.get(self.url("nok_interview", interview))  # warm caches
        with self.assertNumQueries(14 + (connection.vendor == "postgresql")):
            client.get(self.url("nok_interview", interview))
        with self.assertNumQueries(5):
            client.get(reverse("cases:nok_mine"))

    def test_redcap_export_holds_interviews_only_for_their_readers(self):
        from cases.exchange.fields import DEIDENTIFIED, FULL
        from cases.exchange.redcap import case_rows

        interview = self.assign()
        interview.notes = NOTES
        interview.save_as(by=self.interviewer, reason="Notes")

        def nok_rows(user, level):
            case = get_case_for_user(user, self.case.code)
            rows = case_rows(case, case.viewer, level)
            return rows, [r for r in rows if r.get("redcap_repeat_instrument") == "nok_interview"]

        rows, nok = nok_rows(self.coordinator, FULL)
        self.assertEqual(len(nok), 1)
        self.assertEqual(nok[0]["nok_notes"], NOTES)
        rows, nok = nok_rows(self.data_manager, FULL)
        self.assertEqual(nok, [])
        self.assertNotIn(NOTES, str(rows))
        rows, nok = nok_rows(self.coordinator, DEIDENTIFIED)
        self.assertEqual(nok, [])
        self.assertNotIn(NOTES, str(rows))

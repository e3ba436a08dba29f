from datetime import date
from pathlib import Path
from unittest import mock

from django.contrib.staticfiles import finders

from cases.access import viewers_for
from cases.models import Case, Note, RecordRequest
from cases.policy import PART2_NOTICE
from meetings.packets import AGENDA_STEPS, packet_html, packet_pdf
from ofr.pdf import PDF_ORIGIN, FetchRefused, static_file_for, static_files_fetcher
from ofr.roles import SensitiveCategory
from tests.base import PART2_TEXT, OFRTestCase
from tests.pdf import inflated, pdf_pages

PREPARED_ON = date(2025, 6, 2)
WATERMARK = "CONFIDENTIAL — copy 2 — prepared for Casey Coordinator — June 2, 2025"
PART2_NOTE = "Counsellor saw her twice a week at the clinic."
PART2_PLACEHOLDER = "SUD treatment contact (restricted)"


class PacketsTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.coordinator.first_name, cls.coordinator.last_name = "Casey", "Coordinator"
        cls.coordinator.save()
        Note.objects.create(
            case=cls.case, timeline_event=cls.part2_event, author=cls.reviewer, text=PART2_NOTE
        )
        for agency, record_types in ((cls.health, ["sud_treatment"]), (cls.sheriff, ["ems_run"])):
            RecordRequest.objects.create(
                case=cls.case,
                agency=agency,
                record_types=record_types,
                legal_basis="ofr_statute",
                window_start=date(2023, 3, 1),
                window_end=date(2025, 3, 1),
                requested_on=date(2025, 4, 1),
                outcome=RecordRequest.Outcome.RECEIVED,
                answered_on=date(2025, 4, 20),
                created_by=cls.coordinator,
            )
        cls.coordinator_pdf = packet_pdf(**cls.arguments(cls.coordinator))
        cls.officer_pdf = packet_pdf(**cls.arguments(cls.officer))

    @classmethod
    def arguments(cls, user, **changes) -> dict:
        return {
            "team": cls.team,
            "cases": [cls.case],
            "recipient": user,
            "viewers": viewers_for(user, [cls.case]),
            "copy_number": 2,
            "prepared_on": PREPARED_ON,
            **changes,
        }

    def html(self, user, **changes) -> str:
        """The packet's HTML, with its whitespace runs made single spaces."""
        changes = {"team": self.team, "cases": [self.case], **changes}
        return " ".join(packet_html(**self.arguments(user, **changes)).split())

    def allow_identifiers_in_packets(self) -> None:
        self.team.packets_may_include_identifiers = True
        self.team.save()

    def test_it_writes_a_tagged_pdf_ua_document(self):
        self.assertTrue(self.coordinator_pdf.startswith(b"%PDF-1.7"))
        objects = inflated(self.coordinator_pdf)
        self.assertIn(b"/StructTreeRoot", objects)
        self.assertIn(b"/MarkInfo <</Marked true>>", objects)
        self.assertIn(b"pdfuaid:part", objects)
        self.assertIn(b"/Lang (en)", objects)
        # The timeline strip is a figure with its alternative text (the svg's title).
        self.assertIn(b"/Alt (Timeline of touchpoints before death)", objects)

    def test_it_declares_language_and_title_for_assistive_technology(self):
        html = self.html(self.coordinator, meeting_title="Riverside review, June 2025")
        self.assertIn('<html lang="en">', html)
        self.assertIn("<title>Riverside review, June 2025</title>", html)

    def test_it_marks_every_page_with_the_watermark_and_page_numbers(self):
        pages = pdf_pages(self.coordinator_pdf)
        self.assertGreaterEqual(len(pages), 4)
        for number, text in enumerate(pages, start=1):
            with self.subTest(page=number):
                self.assertIn(WATERMARK, text)
                self.assertIn(f"Page {number} of {len(pages)}", text)

    def test_it_puts_the_watermark_in_the_page_margin_rule(self):
        html = self.html(self.coordinator)
        self.assertIn(f'<p class="copy-line">{WATERMARK}</p>', html)
        stylesheet = Path(finders.find("css/packet.css")).read_text()
        self.assertIn("string-set: watermark content();", stylesheet)
        top = stylesheet[stylesheet.index("@top-center") :]
        self.assertIn("content: string(watermark);", top[: top.index("}")])
        self.assertIn('counter(page) " of " counter(pages)', stylesheet)

    def test_it_holds_the_contents_in_order(self):
        html = self.html(self.coordinator)
        headings = [
            "Confidentiality</h2>",
            "Agenda</h2>",
            "Guiding principles and ground rules</h2>",
            "Case RIV-2025-001</h2>",
            "Summary</h3>",
            "Death</h3>",
            "Circumstances</h3>",
            "Toxicology</h3>",
            "Timeline of touchpoints</h3>",
            "Records received</h3>",
            "Members' notes</h3>",
            "Findings</h3>",
            "Recommendations in progress</h2>",
        ]
        positions = [html.index(heading) for heading in headings]
        self.assertEqual(positions, sorted(positions))
        for title, _detail in AGENDA_STEPS:
            self.assertIn(str(title), html)
        self.assertIn("not subject to subpoena or discovery", html)
        self.assertIn("Return it to the facilitator at the end of the meeting", html)
        self.assertIn("Blame-neutral", html)
        self.assertIn(
            self.recommendation.title, html
        )  # recommendations in progress close the packet

    def test_it_shows_the_case_file_as_on_the_pages(self):
        html = self.html(self.coordinator)
        self.assertIn("Test summary.", html)
        self.assertIn("2025-03-01", html)  # date of death
        self.assertIn("Accident", html)
        self.assertIn('<span class="label">Naloxone administered:</span> Not collected', html)
        self.assertIn("Fentanyl", html)
        self.assertIn("Released from county jail without naloxone.", html)
        self.assertIn("[MISSED OPPORTUNITY]", html)
        self.assertIn("<svg", html)
        self.assertIn("EMS gave naloxone.", html)
        self.assertIn("No naloxone offered at release.", html)
        self.assertIn("(proposed)", html)
        self.assertIn("<strong>Sheriff</strong>: EMS run report, received 2025-04-20.", html)
        self.assertNotIn("Hospital / ED record", html)  # the pending request is not received

    def test_it_keeps_part_2_content_from_law_enforcement(self):
        html = self.html(self.officer)
        # Notes on a restricted touchpoint go with it, unseen (cases.policy.timeline_item).
        self.assertNotIn(PART2_TEXT, html)
        self.assertNotIn(PART2_NOTE, html)
        self.assertNotIn(PART2_NOTICE, html)
        self.assertIn(PART2_PLACEHOLDER, html)
        self.assertIn("SUD treatment record (restricted), received April 2025.", html)
        self.assertNotIn("<strong>Health Dept</strong>", html)  # the hidden request's agency
        # The strip is drawn from the filtered timeline too.
        self.assertNotIn("SUD treatment admission", html)
        text = "".join(pdf_pages(self.officer_pdf))
        self.assertNotIn(PART2_TEXT, text)
        self.assertIn(PART2_PLACEHOLDER, text)

    def test_it_shows_part_2_content_with_the_notice_to_the_reviewer(self):
        html = self.html(self.reviewer)
        self.assertIn(PART2_TEXT, html)
        self.assertIn(PART2_NOTE, html)
        self.assertIn(f"<strong>42 CFR §2.32 notice:</strong> {PART2_NOTICE}", html)
        self.assertIn("<strong>Health Dept</strong>: SUD treatment record", html)
        self.assertNotIn(PART2_PLACEHOLDER, html)

    def test_it_filters_by_the_recipients_own_categories(self):
        self.part2_event.sensitivity = SensitiveCategory.MENTAL_HEALTH
        self.part2_event.save()
        html = self.html(self.officer)
        self.assertIn(PART2_TEXT, html)  # law enforcement may see mental-health items
        self.assertNotIn(PART2_PLACEHOLDER, html)

    def test_it_prints_identifiers_only_when_asked_allowed_and_permitted(self):
        self.allow_identifiers_in_packets()
        html = self.html(self.coordinator, include_identifiers=True)
        self.assertIn("Jordan Example", html)
        self.assertIn("1990-06-15", html)
        for user, include in ((self.coordinator, False), (self.reviewer, True)):
            with self.subTest(user=user.username, include_identifiers=include):
                html = self.html(user, include_identifiers=include)
                self.assertNotIn("Jordan Example", html)
                self.assertNotIn("1990-06-15", html)

    def test_it_prints_no_identifiers_when_the_team_policy_forbids_them(self):
        html = self.html(self.coordinator, include_identifiers=True)
        self.assertNotIn("Jordan Example", html)
        self.assertNotIn("1990-06-15", html)

    def test_it_prints_no_identifiers_by_default(self):
        text = "".join(pdf_pages(self.coordinator_pdf))
        self.assertNotIn("Jordan Example", text)
        self.assertNotIn("1990-06-15", text)
        self.assertIn("2025-03-01", text)

    def test_it_follows_the_callers_agenda(self):
        agenda = ["Welcome", ("Case RIV-2025-001", "Presented by the facilitator")]
        html = self.html(self.coordinator, agenda=agenda)
        self.assertIn("<li><strong>Welcome</strong></li>", html)
        self.assertIn(
            "<li><strong>Case RIV-2025-001</strong>. Presented by the facilitator</li>", html
        )
        self.assertNotIn("Member report-outs", html)

    def test_it_refuses_cases_the_recipient_may_not_open(self):
        other_case = Case.objects.get(pk=self.other_case.pk)
        for arguments in (
            self.arguments(self.outsider),
            self.arguments(self.coordinator, cases=[other_case]),
            self.arguments(
                self.outsider,
                cases=[other_case],
                viewers=viewers_for(self.outsider, [other_case]),
            ),
            self.arguments(self.coordinator, viewers={}),
        ):
            with self.subTest(arguments=arguments), self.assertRaises(PermissionError):
                packet_html(**arguments)

    def test_it_numbers_copies_from_one(self):
        with self.assertRaises(ValueError):
            self.html(self.coordinator, copy_number=0)

    def test_it_fetches_only_static_files(self):
        with (
            mock.patch("ofr.pdf.static_file_for", wraps=static_file_for) as fetched,
            mock.patch("urllib.request.OpenerDirector.open") as opened,
        ):
            pdf = packet_pdf(**self.arguments(self.reviewer))
        asked = [call.args[0] for call in fetched.call_args_list]
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertIn(f"{PDF_ORIGIN}/static/css/packet.css", asked)
        self.assertTrue(all(url.startswith(f"{PDF_ORIGIN}/static/") for url in asked), asked)
        opened.assert_not_called()
        with self.assertRaises(FetchRefused):
            static_files_fetcher().fetch("file:///etc/passwd")


class PacketFindingCategoriesTestCase(OFRTestCase):
    def test_a_part2_finding_is_a_placeholder_in_the_officers_packet(self):
        finding = self.case.findings.create(
            kind="missed_opportunity",
            system="sud_treatment",
            description="Methadone dose not continued after discharge.",
            proposed_by=self.reviewer,
            sensitivity="part2_sud",
        )
        for user, shown in ((self.officer, False), (self.reviewer, True)):
            html = packet_html(
                team=self.team,
                cases=[self.case],
                recipient=user,
                viewers=viewers_for(user, [self.case]),
                copy_number=1,
                prepared_on=date(2026, 11, 27),
            )
            self.assertEqual(finding.description in html, shown, user)
            self.assertEqual("Finding (restricted)" in html, not shown, user)

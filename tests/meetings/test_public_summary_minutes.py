"""A public summary's minutes: no case reference, full date, decedent name,
exact age with a place, or passage copied from the team's case texts, however
the text is dressed up (meetings/public_text.py through Meeting.clean)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case, Note
from cases.policy import IDENTIFIER_REFUSAL
from meetings.models import Meeting
from meetings.public_text import plain, public_summary_problems
from ofr.models import AccessEvent
from tests.base import OFRTestCase

NOTE_TEXT = (
    "The decedent left the county jail on a Friday evening without a naloxone kit and "
    "without an appointment at the clinic."
)


class PublicSummaryMinutesTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.summary = Meeting.objects.create(
            team=cls.team,
            title="Public summary, spring",
            kind="public_summary",
            starts_at=cls.meeting.starts_at,
        )
        # The cast's decedent is Jordan Example (born 1990-06-15, died 2025-03-01).
        cls.second = Case.objects.create(team=cls.team, reference="RIV-2026-004")
        cls.second.identifiers.legal_name = "Marisol Núñez-Ortega"
        cls.second.identifiers.aliases = "Mari Ortega"
        cls.second.identifiers.save()
        cls.second.death.date_of_death = date(2025, 11, 23)
        cls.second.death.county_of_death = "Cedar County"
        cls.second.death.save()
        Note.objects.create(case=cls.second, author=cls.coordinator, text=NOTE_TEXT)
        # Another team's decedent, date and place count for nothing here.
        cls.other_case.identifiers.legal_name = "Quentin Farraday"
        cls.other_case.identifiers.save()

    def problems(self, minutes: str) -> list[str]:
        return [error.message for error in public_summary_problems(minutes, self.team.pk)]

    def assertRefused(self, minutes: str, why: str) -> None:
        problems = self.problems(minutes)
        self.assertTrue(
            any(why in problem for problem in problems), f"{minutes!r} passed: {problems}"
        )

    def assertAccepted(self, minutes: str) -> None:
        self.assertEqual(self.problems(minutes), [], minutes)

    # --- Aggregate text passes -------------------------------------------------------

    def test_aggregate_minutes_pass(self):
        self.assertAccepted(
            "In March 2025 the team reviewed 12 deaths. Decedents aged 25-34 were the "
            "largest group; 25- to 34-year-olds from Riverside made up half. Fentanyl was "
            "involved in 3/4 of deaths. The next meeting is in June 2026. A 2024 review "
            "found gaps in jail release. Ages 18 to 24 in Cedar County: fewer than 10."
        )

    def test_another_kind_of_meeting_is_not_checked_here(self):
        self.meeting.minutes = "RIV-2026-004 died on 23 November 2025."
        self.meeting.full_clean()  # a case review's minutes stay with the team

    # --- 1. Case references ----------------------------------------------------------

    def test_case_references_are_refused_however_written(self):
        for text in (
            "RIV-2026-004 was discussed.",
            "riv 2026 004 was discussed.",
            "Case RIV\u20112026\u2013004.",  # non-breaking hyphen, en dash
            "Case RIV/2026/004.",
            "Case R\u200bIV-2026-004.",  # a zero-width space inside
            "Case ＲＩＶ-２０２６-００４.",  # full-width letters and digits
            "case riv2026004",
        ):
            self.assertRefused(text, "cannot refer to a case")
        self.assertAccepted("RIV-2026-0045 is not a case of the team.")

    # --- 2. Dates ---------------------------------------------------------------------

    def test_full_dates_are_refused_in_every_common_form(self):
        for text in (
            "One death on 23 November 2025.",
            "One death on November 23, 2025.",
            "One death on Nov. 23rd.",
            "One death on the 23rd of November.",
            "One death on 11/23/2025.",
            "One death on 23.11.25.",
            "One death on 2025-11-23.",
            "One death on 2025\u201311\u201323.",  # en dashes
            "One death on 11 / 23 / 2025.",
            "One death on NOVEMBER\u00a023,\u00a02025.",  # non-breaking spaces, capitals
            "Met on 3 March 2026.",  # any full date, not only a death's
        ):
            self.assertRefused(text, "no day of the month")

    def test_a_day_and_month_without_year_is_refused_when_it_is_a_date_of_death(self):
        self.assertRefused("A death on 11/23 was discussed.", "no day of the month")
        self.assertRefused("A death on 23 / 11 was discussed.", "no day of the month")
        self.assertAccepted("Naloxone was given in 3/12 deaths.")  # no such date of death
        self.assertAccepted("Ages 11-23 were few.")  # a range, not a day and month

    def test_may_the_verb_is_no_month(self):
        self.assertAccepted("Of the deaths, 12 may have involved xylazine.")
        self.assertRefused("One death on 12 May.", "no day of the month")
        self.assertRefused("One death on 12 may 2025.", "no day of the month")

    # --- 3. Decedent names ------------------------------------------------------------

    def test_decedent_names_are_refused_through_the_blind_index(self):
        for text in (
            "We remember Marisol Núñez-Ortega.",
            "We remember marisol nunez ortega.",  # accents and case aside
            "We remember MARISOL\u00a0ORTEGA.",  # first and last name, a non-breaking space
            "We remember Ortega, Marisol.",  # the other way round
            "We remember Mari Ortega.",  # an alias
            "We remember Jordan... Example!",  # punctuation between the words
            "We remember J\u200bordan Example.",  # a zero-width space inside
        ):
            self.assertRefused(text, "cannot name a decedent")

    def test_single_words_and_other_teams_decedents_pass(self):
        self.assertAccepted("An example: Jordan Valley clinics opened.")
        self.assertAccepted("Quentin Farraday spoke for Lakeview.")

    def test_the_refusal_does_not_say_which_case(self):
        problems = self.problems("We remember Marisol Ortega.")
        text = " ".join(problems)
        self.assertNotIn("RIV-2026-004", text)
        self.assertNotIn(str(self.second.code), text)

    # --- 4. An age with a place -------------------------------------------------------

    def test_an_exact_age_with_a_place_is_refused(self):
        for text in (
            "A 34-year-old man from Springfield died.",
            "A 34\u2011year\u2011old man from Springfield died.",  # non-breaking hyphens
            "A 34 year old woman in Cedar County.",
            "A 34 YEAR-OLD from cedar county.",  # the team's county, in any case
            "She was 34 years old and lived near Millbrook.",
            "34yo, riverside.",  # a team jurisdiction, lower case
            "Aged 34, found at Harbor Point.",
            "A 34-YEAR-OLD MAN FROM SPRINGFIELD.",  # all capitals
        ):
            self.assertRefused(text, "by age and place")

    def test_ages_alone_places_alone_and_ranges_pass(self):
        self.assertAccepted("A 34-year-old man died. Deaths in Springfield fell.")
        self.assertAccepted("25- to 34-year-olds from Springfield were most affected.")
        self.assertAccepted("Decedents aged 25-34 in Cedar County: 4.")
        self.assertAccepted("A 34-year-old died in January.")
        self.assertAccepted("A 34-year-old died of Fentanyl toxicity.")
        self.assertAccepted("Decedents aged 65 and over in Springfield: 3.")

    # --- 5. Copied text ---------------------------------------------------------------

    def test_text_copied_from_a_note_or_finding_is_refused(self):
        copied = "left the county jail on a Friday evening without a naloxone kit"
        for text in (
            f"The team noted that one person {copied}.",
            f"The team noted that one person {copied.upper()}.",
            "One person LEFT THE\u00a0county, jail; on a Friday - evening without a naloxone.",
        ):
            self.assertRefused(text, "cannot repeat the team's case notes")
        self.finding.description = "Nobody at the jail offered naloxone or a referral at release."
        self.finding.save()
        self.assertRefused(
            "Summary: nobody at the jail offered naloxone or a referral at release.",
            "cannot repeat",
        )
        # Seven words in a row are not a copy.
        self.assertAccepted("Someone left the county jail on a Friday. Later, other things.")

    def test_the_copied_passage_is_quoted_once(self):
        problems = self.problems(f"Summary: {NOTE_TEXT}")
        copied = [p for p in problems if "cannot repeat" in p]
        self.assertEqual(len(copied), 1)
        self.assertEqual(copied[0].count("“"), 1)

    # --- Hostile input in general -----------------------------------------------------

    def test_plain_undoes_unicode_tricks(self):
        self.assertEqual(plain("a\u00a0b\u200bc\u2013d\ufb01"), "a bc-dfi")

    # --- Every write path: the model's clean and the meeting form ---------------------

    def test_the_model_refuses_and_names_the_field(self):
        self.summary.minutes = "We remember Marisol Ortega, 34-year-old from Springfield."
        with self.assertRaises(ValidationError) as raised:
            self.summary.full_clean()
        messages = raised.exception.message_dict["minutes"]
        self.assertEqual(len(messages), 2)

    def test_turning_a_meeting_into_a_public_summary_checks_its_minutes(self):
        meeting = Meeting.objects.create(
            team=self.team,
            title="Recommendation update",
            kind="recommendation_update",
            starts_at=self.meeting.starts_at,
            minutes="Discussed the death of 23 November 2025.",
            created_by=self.coordinator,
        )
        meeting.full_clean()
        meeting.kind = "public_summary"
        with self.assertRaises(ValidationError):
            meeting.full_clean()

    def test_the_form_shows_what_was_refused_and_saves_nothing(self):
        self.client.force_login(self.coordinator)
        data = {
            "title": self.summary.title,
            "kind": "public_summary",
            "starts_at": "2027-01-14T13:00",
            "place": "Room 2",
            "video_link": "",
            "minutes": "A death on 23 November 2025 in Cedar County was reviewed.",
            "opened_version": 1,
        }
        url = reverse("meetings:edit", args=[self.summary.code])
        response = self.client.post(url, data)
        self.assertContains(response, "no day of the month", status_code=response.status_code)
        self.assertContains(
            response, "23 November 2025", status_code=response.status_code
        )  # the author's own phrase
        self.assertNotContains(response, "RIV-2026-004", status_code=response.status_code)
        self.summary.refresh_from_db()
        self.assertEqual(self.summary.minutes, "")
        data["minutes"] = "In November 2025 the team reviewed deaths in Cedar County."
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.summary.refresh_from_db()
        self.assertIn("November 2025", self.summary.minutes)

    def test_a_writer_without_identifiers_is_told_less_and_counted(self):
        # Accents only: the form's name-part guard misses it, the blind index does not.
        self.second.identifiers.legal_name = "Zoë Ångström"
        self.second.identifiers.save()
        data = {
            "title": self.summary.title,
            "kind": "public_summary",
            "starts_at": "2027-01-14T13:00",
            "place": "Room 2",
            "video_link": "",
            "minutes": "We remember Zoe Angstrom.",
            "opened_version": 1,
        }
        url = reverse("meetings:edit", args=[self.summary.code])
        self.client.force_login(self.coordinator)  # sees identifiers: told which phrase
        response = self.client.post(url, data)
        self.assertContains(response, "cannot name a decedent", status_code=response.status_code)
        self.assertContains(response, "zoe angstrom", status_code=response.status_code)
        self.client.force_login(self.facilitator)  # does not: told it was refused, and counted
        before = AccessEvent.objects.filter(detail=IDENTIFIER_REFUSAL).count()
        response = self.client.post(url, data)
        self.assertContains(response, "may identify a decedent", status_code=response.status_code)
        self.assertNotContains(response, "zoe angstrom", status_code=response.status_code)
        self.assertNotContains(response, "cannot name", status_code=response.status_code)
        refusals = AccessEvent.objects.filter(detail=IDENTIFIER_REFUSAL, user=self.facilitator)
        self.assertEqual(refusals.count(), 1)
        self.assertEqual(AccessEvent.objects.filter(detail=IDENTIFIER_REFUSAL).count(), before + 1)
        self.summary.refresh_from_db()
        self.assertEqual(self.summary.minutes, "")

"""The acceptance rules of the timeline: Part 2 filtering on the case page, and
bad or stale input refused with a message, nothing saved."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cases.models import Note, TimelineEvent
from cases.policy import PART2_NOTICE
from ofr.models import AccessEvent
from ofr.roles import SensitiveCategory
from tests.base import PART2_TEXT, OFRTestCase

PLACEHOLDER = "SUD treatment contact (restricted)"
PART2_NOTE = "Counselor: missed two doses before discharge."


class SensitivityTestCase(OFRTestCase):
    def detail(self):
        return self.client.get(reverse("cases:detail", args=[self.case.code]))

    def add_url(self):
        return reverse("cases:add_event", args=[self.case.code])

    def edit_url(self, event):
        return reverse("cases:edit_event", args=[self.case.code, event.code])

    def event_data(self, **changes):
        return {
            "date": "2025-02-20",
            "date_precision": "day",
            "system": "health_care",
            "touchpoint_type": "ed_visit",
            "description": "ED visit for a non-fatal overdose.",
            "sensitivity": "",
            **changes,
        }

    def note_on_part2_event(self):
        return Note.objects.create(
            case=self.case, timeline_event=self.part2_event, author=self.reviewer, text=PART2_NOTE
        )

    # --- Part 2 on the case page ---

    def test_law_enforcement_sees_a_placeholder_and_never_the_text(self):
        self.note_on_part2_event()
        self.client.force_login(self.officer)
        response = self.detail()
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, PART2_TEXT)
        self.assertNotContains(response, "Methadone")
        self.assertNotContains(response, PART2_NOTE)
        self.assertNotContains(response, PART2_NOTICE)
        self.assertContains(response, PLACEHOLDER)
        self.assertContains(response, "November 2024")  # the month, not the day
        self.assertNotContains(response, "2024-11-20")
        self.assertContains(response, f'id="event-{self.part2_event.code}"')
        self.assertNotContains(response, f"?event={self.part2_event.code}")
        self.assertNotContains(response, self.edit_url(self.part2_event))

    def test_a_permitted_reviewer_sees_the_text_with_the_notice(self):
        self.note_on_part2_event()
        self.client.force_login(self.reviewer)
        response = self.detail()
        self.assertContains(response, PART2_TEXT)
        self.assertContains(response, PART2_NOTE)
        self.assertContains(response, "42 CFR §2.32 notice")
        # Once on the event, once on its note (a note on it is as protected as it).
        self.assertContains(response, PART2_NOTICE, count=2)
        self.assertNotContains(response, PLACEHOLDER)

    def test_a_protected_note_on_an_open_touchpoint_is_a_placeholder(self):
        Note.objects.create(
            case=self.case,
            timeline_event=self.event,
            author=self.reviewer,
            text=PART2_NOTE,
            sensitivity=SensitiveCategory.PART2_SUD,
        )
        self.client.force_login(self.officer)
        response = self.detail()
        self.assertContains(response, "Released from county jail without naloxone.")
        self.assertContains(response, "Note (SUD treatment contact, restricted)")
        self.assertNotContains(response, PART2_NOTE)

    def test_law_enforcement_gets_404_on_every_url_of_the_part2_event(self):
        note = self.note_on_part2_event()
        self.client.force_login(self.officer)
        add_note = reverse("cases:add_note", args=[self.case.code])
        urls = [
            self.edit_url(self.part2_event),
            f"{add_note}?event={self.part2_event.code}",
            reverse("cases:edit_note", args=[self.case.code, note.code]),
        ]
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 404, url)
            self.assertEqual(self.client.post(url, {"text": "x"}).status_code, 404, url)
        self.assertFalse(Note.objects.filter(text="x").exists())

    def test_opening_a_protected_item_form_is_logged_and_carries_the_notice(self):
        note = self.note_on_part2_event()
        for user, url in (
            (self.coordinator, self.edit_url(self.part2_event)),
            (self.reviewer, reverse("cases:edit_note", args=[self.case.code, note.code])),
        ):
            self.client.force_login(user)
            response = self.client.get(url)
            self.assertEqual(response.context["notice"], PART2_NOTICE)
            event = AccessEvent.objects.order_by("-seq").first()
            self.assertEqual((event.user, event.action), (user, "view"))
            self.assertTrue(event.detail.startswith("edit form: cases."), event.detail)
        # Any form of the case file shows case data: its opening is logged too,
        # without the notice when nothing in it is Part 2.
        self.client.force_login(self.coordinator)
        before = AccessEvent.objects.count()
        response = self.client.get(self.edit_url(self.event))
        self.assertEqual(response.context["notice"], "")
        self.assertEqual(AccessEvent.objects.count(), before + 1)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(event.detail, f"edit form: cases.timelineevent {self.event.code}")

    # --- bad input ---

    def test_a_touchpoint_after_the_date_of_death_is_refused(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.event_data(date="2025-03-02"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "A touchpoint cannot be after the date of death.")
        self.assertContains(response, "ED visit for a non-fatal overdose.")  # input kept
        self.assertEqual(self.case.timeline_events.count(), 2)
        self.assertFalse(TimelineEvent.history.filter(touchpoint_type="ed_visit").exists())

    def test_a_touchpoint_on_the_day_of_death_is_accepted(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.event_data(date="2025-03-01"))
        self.assertEqual(response.status_code, 302)
        self.assertContains(self.detail(), "On the day of death")

    def test_a_touchpoint_in_the_future_is_refused(self):
        self.case.death.date_of_death = None
        self.case.death.save()
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.event_data(date=tomorrow.isoformat()))
        self.assertContains(response, "A touchpoint cannot be in the future.")
        self.assertEqual(self.case.timeline_events.count(), 2)

    def test_an_unknown_system_is_refused(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.event_data(system="astrology"))
        self.assertContains(response, "Select a valid choice. astrology is not one of")
        self.assertEqual(self.case.timeline_events.count(), 2)
        response = self.client.post(
            self.edit_url(self.event), self.event_data(system="astrology", opened_version=1)
        )
        self.assertContains(response, "Select a valid choice")
        self.event.refresh_from_db()
        self.assertEqual((self.event.system, self.event.version), ("criminal_legal", 1))

    # --- no lost updates ---

    def test_a_stale_edit_of_a_touchpoint_is_refused_and_keeps_the_input(self):
        url = self.edit_url(self.event)
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(url), 'name="opened_version" value="1"')
        self.client.force_login(self.data_manager)
        self.assertContains(self.client.get(url), 'name="opened_version" value="1"')
        before = self.event.history.count()

        self.client.force_login(self.coordinator)
        first = self.client.post(
            url,
            self.event_data(description="Seen by triage, left before treatment.", opened_version=1),
        )
        self.assertEqual(first.status_code, 302)

        self.client.force_login(self.data_manager)
        second = self.client.post(
            url, self.event_data(description="Discharged with a naloxone kit.", opened_version=1)
        )
        self.assertEqual(second.status_code, 409)
        self.assertContains(second, "Not saved", status_code=409)
        self.assertContains(second, "Coordinator", status_code=409)  # who saved first
        self.assertContains(second, "Seen by triage, left before treatment.", status_code=409)
        self.assertContains(second, "Discharged with a naloxone kit.", status_code=409)  # kept

        self.event.refresh_from_db()
        self.assertEqual(self.event.description, "Seen by triage, left before treatment.")
        self.assertEqual(self.event.version, 2)
        self.assertEqual(self.event.history.count(), before + 1)

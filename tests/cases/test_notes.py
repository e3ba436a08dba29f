import uuid
from datetime import date

from django.urls import reverse

from cases.models import Note, TimelineEvent
from cases.policy import ItemIndex, categories_of
from meetings.models import Attendance
from ofr.models import AccessEvent
from ofr.roles import SensitiveCategory
from tests.base import OFRTestCase, make_user


class NotesTestCase(OFRTestCase):
    def add_url(self, event=None):
        url = reverse("cases:add_note", args=[self.case.code])
        return f"{url}?event={event.code}" if event is not None else url

    def edit_url(self, note=None):
        return reverse("cases:edit_note", args=[self.case.code, (note or self.note).code])

    def detail_url(self, anchor):
        return reverse("cases:detail", args=[self.case.code]) + f"#{anchor}"

    def read_only_viewer(self):
        """A guest of the meeting, signed: a view grant on its cases, and nothing more."""
        guest = make_user("guest")
        attendance = Attendance.invite_guest(self.meeting, guest, kind="guest", by=self.coordinator)
        attendance.sign(typed_name=guest.get_full_name(), confirmed=True)
        return guest

    # --- add_note ---

    def test_it_adds_a_note_on_the_case_with_history(self):
        self.client.force_login(self.officer)
        response = self.client.post(self.add_url(), {"text": "  Family says he was sober.  "})
        note = Note.objects.get(text="Family says he was sober.")
        self.assertRedirects(
            response, self.detail_url(f"note-{note.code}"), fetch_redirect_response=False
        )
        self.assertEqual(
            (note.case, note.author, note.timeline_event), (self.case, self.officer, None)
        )
        latest = note.history.get()
        self.assertEqual(
            (latest.history_user, latest.history_change_reason), (self.officer, "Note added")
        )

    def test_it_adds_a_note_on_one_touchpoint(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.add_url(self.event))
        self.assertContains(response, "Add a note on 2025-01-10: Release from jail")
        response = self.client.post(self.add_url(self.event), {"text": "Ask the jail about kits."})
        note = Note.objects.get(text="Ask the jail about kits.")
        self.assertEqual(note.timeline_event, self.event)
        detail = self.client.get(response["Location"])
        self.assertContains(detail, f'id="note-{note.code}"')

    def test_every_case_role_may_annotate(self):
        for user in (self.coordinator, self.data_manager, self.facilitator, self.reviewer):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.add_url()).status_code, 200)

    def test_it_refuses_a_viewer_who_may_not_annotate_with_403(self):
        self.client.force_login(self.read_only_viewer())
        self.assertEqual(self.client.get(self.add_url()).status_code, 403)
        self.assertEqual(self.client.post(self.add_url(), {"text": "x"}).status_code, 403)
        self.assertFalse(Note.objects.filter(text="x").exists())

    def test_it_hides_the_case_from_outsiders_partners_and_anonymous(self):
        for user in (self.outsider, self.partner, self.admin):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.add_url(), {"text": "x"}).status_code, 404)
        self.client.logout()
        response = self.client.post(self.add_url(), {"text": "x"})
        self.assertRedirects(response, f"{reverse('login')}?next={self.add_url()}")
        self.assertFalse(Note.objects.filter(text="x").exists())

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.delete(self.add_url()).status_code, 405)
        self.assertEqual(self.client.delete(self.edit_url()).status_code, 405)

    def test_an_unknown_or_foreign_event_is_not_found(self):
        other = TimelineEvent.objects.create(
            case=self.other_case,
            date=date(2024, 1, 1),
            system="ems",
            touchpoint_type="ems_response",
        )
        self.client.force_login(self.reviewer)
        url = reverse("cases:add_note", args=[self.case.code])
        for value in ("not-a-code", str(uuid.uuid4()), str(other.code)):
            before = AccessEvent.objects.count()
            response = self.client.post(f"{url}?event={value}", {"text": "x"})
            self.assertEqual(response.status_code, 404, value)
            self.assertEqual(AccessEvent.objects.count(), before + 1)  # the denial is logged
        self.assertFalse(Note.objects.filter(text="x").exists())

    def test_an_empty_note_is_refused(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(self.add_url(), {"text": "   "})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required")
        self.assertEqual(Note.objects.count(), 1)

    def test_a_note_on_a_protected_touchpoint_keeps_its_category(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(
            self.add_url(self.part2_event),
            {"text": "Clinic note.", "sensitivity": SensitiveCategory.MENTAL_HEALTH},
        )
        self.assertContains(response, "its notes keep that category")
        self.assertFalse(Note.objects.filter(text="Clinic note.").exists())
        self.client.post(self.add_url(self.part2_event), {"text": "Clinic note."})
        note = Note.objects.get(text="Clinic note.")
        self.assertEqual(
            categories_of(note, ItemIndex([self.case.pk])), (SensitiveCategory.PART2_SUD,)
        )

    def test_a_member_may_not_file_a_note_in_a_category_they_may_not_see(self):
        self.client.force_login(self.officer)
        response = self.client.get(self.add_url())
        self.assertNotContains(response, 'value="part2_sud"')
        response = self.client.post(
            self.add_url(), {"text": "x", "sensitivity": SensitiveCategory.PART2_SUD}
        )
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(Note.objects.filter(text="x").exists())

    # --- edit_note ---

    def test_the_author_edits_their_note_with_history(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.edit_url())
        self.assertContains(response, "EMS gave naloxone.")
        response = self.client.post(
            self.edit_url(), {"text": "EMS gave two doses.", "sensitivity": "", "opened_version": 1}
        )
        self.assertRedirects(
            response, self.detail_url(f"note-{self.note.code}"), fetch_redirect_response=False
        )
        self.note.refresh_from_db()
        self.assertEqual((self.note.text, self.note.version), ("EMS gave two doses.", 2))
        latest = self.note.history.first()
        self.assertEqual(
            (latest.history_user, latest.history_change_reason), (self.reviewer, "Note edited")
        )
        self.assertEqual(self.note.history.count(), 2)

    def test_others_who_see_the_case_get_403_and_the_denial_is_logged(self):
        for user in (self.coordinator, self.data_manager, self.facilitator, self.officer):
            self.client.force_login(user)
            response = self.client.post(
                self.edit_url(), {"text": "Not mine.", "sensitivity": "", "opened_version": 1}
            )
            self.assertEqual(response.status_code, 403)
            denial = AccessEvent.objects.order_by("-seq").first()
            self.assertEqual((denial.user, denial.action), (user, "denied"))
        self.note.refresh_from_db()
        self.assertEqual((self.note.text, self.note.version), ("EMS gave naloxone.", 1))

    def test_it_hides_the_note_from_outsiders_and_anonymous(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.edit_url()).status_code, 404)
        self.client.logout()
        response = self.client.get(self.edit_url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.edit_url()}")

    def test_an_author_who_may_no_longer_annotate_gets_403(self):
        guest = self.read_only_viewer()
        note = Note.objects.create(case=self.case, author=guest, text="Old note.")
        self.client.force_login(guest)
        self.assertEqual(self.client.get(self.edit_url(note)).status_code, 403)

    def test_a_stale_edit_is_refused_and_keeps_the_input(self):
        self.client.force_login(self.reviewer)
        first = {"text": "First edit.", "sensitivity": "", "opened_version": 1}
        second = {"text": "Second edit.", "sensitivity": "", "opened_version": 1}
        self.assertEqual(self.client.post(self.edit_url(), first).status_code, 302)
        response = self.client.post(self.edit_url(), second)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "First edit.", status_code=409)
        self.assertContains(response, "Second edit.", status_code=409)
        self.note.refresh_from_db()
        self.assertEqual(self.note.text, "First edit.")
        self.assertEqual(self.note.history.count(), 2)

    # --- on the case page ---

    def test_the_case_page_lists_notes_with_an_edit_link_for_the_author_only(self):
        edit = f'href="{self.edit_url()}"'
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "EMS gave naloxone.")
        self.assertContains(response, edit)
        self.client.force_login(self.facilitator)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "EMS gave naloxone.")
        self.assertNotContains(response, edit)

    def test_a_protected_case_note_is_a_placeholder_for_those_who_may_not_see_it(self):
        Note.objects.create(
            case=self.case,
            author=self.reviewer,
            text="Counselor says relapse after discharge.",
            sensitivity=SensitiveCategory.PART2_SUD,
        )
        self.client.force_login(self.officer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertNotContains(response, "Counselor says relapse")
        self.assertContains(response, "Note (SUD treatment contact, restricted)")
        self.client.force_login(self.facilitator)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "Counselor says relapse")
        self.assertContains(response, "42 CFR part 2 prohibits")

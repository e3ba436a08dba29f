import uuid
from datetime import date

from django.urls import reverse

from cases.models import SourceDocument, TimelineEvent
from ofr.models import AccessEvent
from ofr.roles import Role, SensitiveCategory
from tests.base import OFRTestCase, make_member


class TimelineEventsTestCase(OFRTestCase):
    def add_url(self, case=None):
        return reverse("cases:add_event", args=[(case or self.case).code])

    def edit_url(self, event=None):
        event = event or self.event
        return reverse("cases:edit_event", args=[event.case.code, event.code])

    def data(self, **changes):
        return {
            "date": "2025-02-14",
            "date_precision": "day",
            "system": "ems",
            "agency": "",
            "touchpoint_type": "ems_response",
            "description": "EMS responded to a non-fatal overdose.",
            "source_document": "",
            "sensitivity": "",
            **changes,
        }

    def edit_data(self, **changes):
        return {
            "date": "2025-01-10",
            "date_precision": "day",
            "system": "criminal_legal",
            "agency": self.sheriff.pk,
            "touchpoint_type": "jail_release",
            "description": "Released from county jail; no naloxone kit.",
            "source_document": "",
            "sensitivity": "",
            "missed_opportunity": "on",
            "opened_version": 1,
            **changes,
        }

    def sheriff_manager(self):
        """An editor from law enforcement: may change the case, may not see Part 2."""
        return make_member("sheriffdm", self.team, Role.DATA_MANAGER, self.sheriff)

    def copy_document(self, **fields):
        document = SourceDocument.objects.get(pk=self.document.pk)
        document.pk, document.code, document._state.adding = None, uuid.uuid4(), True
        for name, value in fields.items():
            setattr(document, name, value)
        document.save()
        return document

    def part2_document(self):
        return self.copy_document(title="Clinic record", sensitivity=SensitiveCategory.PART2_SUD)

    # --- add_event ---

    def test_it_adds_a_touchpoint_with_history_and_goes_to_it(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            self.add_url(),
            self.data(
                agency=self.health.pk, source_document=self.document.pk, missed_opportunity="on"
            ),
        )
        event = TimelineEvent.objects.get(case=self.case, touchpoint_type="ems_response")
        self.assertRedirects(
            response,
            reverse("cases:detail", args=[self.case.code]) + f"#event-{event.code}",
            fetch_redirect_response=False,
        )
        self.assertEqual(
            (event.date, event.agency, event.source_document, event.missed_opportunity),
            (date(2025, 2, 14), self.health, self.document, True),
        )
        self.assertEqual(event.created_by, self.coordinator)
        self.assertEqual(event.history.count(), 1)
        latest = event.history.first()
        self.assertEqual(
            (latest.history_user, latest.history_change_reason),
            (self.coordinator, "Touchpoint added"),
        )

    def test_it_shows_the_form_to_editors(self):
        for user in (self.coordinator, self.data_manager):
            self.client.force_login(user)
            response = self.client.get(self.add_url())
            self.assertContains(response, "Add a touchpoint")
            self.assertContains(response, 'for="id_missed_opportunity"')

    def test_it_refuses_read_only_members_with_403_and_adds_nothing(self):
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.add_url()).status_code, 403)
            self.assertEqual(self.client.post(self.add_url(), self.data()).status_code, 403)
        self.assertFalse(TimelineEvent.objects.filter(touchpoint_type="ems_response").exists())

    def test_it_hides_the_case_from_outsiders(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.add_url(), self.data()).status_code, 404)
        self.assertEqual(AccessEvent.objects.order_by("-seq").first().action, "denied")

    def test_it_redirects_anonymous_to_login(self):
        response = self.client.post(self.add_url(), self.data())
        self.assertRedirects(response, f"{reverse('login')}?next={self.add_url()}")

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.put(self.add_url()).status_code, 405)
        self.assertEqual(self.client.put(self.edit_url()).status_code, 405)

    def test_it_refuses_an_unknown_touchpoint_type_or_agency(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            self.add_url(), self.data(touchpoint_type="seance", agency=9999)
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice", count=2)
        self.assertEqual(self.case.timeline_events.count(), 2)

    def test_it_refuses_a_malformed_date(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.data(date="2025-02-30"))
        self.assertContains(response, "Enter a valid date")
        self.assertEqual(self.case.timeline_events.count(), 2)

    def test_it_offers_only_this_cases_documents_the_editor_may_see(self):
        part2 = self.part2_document()
        self.client.force_login(self.sheriff_manager())
        response = self.client.get(self.add_url())
        self.assertContains(response, "ED record")
        self.assertNotContains(response, "Clinic record")
        self.assertNotContains(response, 'value="part2_sud"')  # nor the category
        response = self.client.post(self.add_url(), self.data(source_document=part2.pk))
        self.assertContains(response, "Select a valid choice")
        response = self.client.post(
            self.add_url(), self.data(sensitivity=SensitiveCategory.PART2_SUD)
        )
        self.assertContains(response, "Select a valid choice")
        self.assertEqual(self.case.timeline_events.count(), 2)

    def test_it_refuses_a_document_of_another_case(self):
        document = self.copy_document(case=self.other_case)
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.data(source_document=document.pk))
        self.assertContains(response, "Select a valid choice")

    def test_a_touchpoint_from_a_protected_document_takes_its_category(self):
        part2 = self.part2_document()
        self.client.force_login(self.coordinator)
        response = self.client.post(self.add_url(), self.data(source_document=part2.pk))
        self.assertContains(response, "give the touchpoint the same category")
        self.assertEqual(self.case.timeline_events.count(), 2)
        response = self.client.post(
            self.add_url(),
            self.data(source_document=part2.pk, sensitivity=SensitiveCategory.PART2_SUD),
        )
        self.assertEqual(response.status_code, 302)

    # --- edit_event ---

    def test_it_edits_a_touchpoint_with_history(self):
        self.client.force_login(self.data_manager)
        before = self.event.history.count()
        response = self.client.post(self.edit_url(), self.edit_data())
        self.assertRedirects(
            response,
            reverse("cases:detail", args=[self.case.code]) + f"#event-{self.event.code}",
            fetch_redirect_response=False,
        )
        self.event.refresh_from_db()
        self.assertEqual(
            (self.event.description, self.event.version),
            ("Released from county jail; no naloxone kit.", 2),
        )
        self.assertEqual(self.event.history.count(), before + 1)
        latest = self.event.history.first()
        self.assertEqual(
            (latest.history_user, latest.history_change_reason),
            (self.data_manager, "Touchpoint edited"),
        )

    def test_the_edit_form_shows_the_touchpoint(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.edit_url())
        self.assertContains(response, "Released from county jail without naloxone.")
        self.assertContains(response, 'name="opened_version"')

    def test_it_refuses_read_only_members_the_edit_with_403(self):
        for user in (self.facilitator, self.reviewer, self.officer):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.edit_url(), self.edit_data()).status_code, 403)
        self.event.refresh_from_db()
        self.assertEqual(self.event.version, 1)

    def test_it_hides_the_edit_from_outsiders_and_anonymous(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.edit_url()).status_code, 404)
        self.client.logout()
        response = self.client.get(self.edit_url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.edit_url()}")

    def test_an_editor_may_not_edit_an_event_of_a_category_they_may_not_see(self):
        self.client.force_login(self.sheriff_manager())
        self.assertEqual(self.client.get(self.edit_url(self.part2_event)).status_code, 404)

    def test_an_event_of_another_case_is_not_found_through_this_case(self):
        other = TimelineEvent.objects.create(
            case=self.other_case,
            date=date(2024, 1, 1),
            system="ems",
            touchpoint_type="ems_response",
        )
        self.client.force_login(self.coordinator)
        url = reverse("cases:edit_event", args=[self.case.code, other.code])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_an_edit_after_the_date_of_death_is_refused(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(self.edit_url(), self.edit_data(date="2025-03-02"))
        self.assertContains(response, "cannot be after the date of death")
        self.event.refresh_from_db()
        self.assertEqual((self.event.date, self.event.version), (date(2025, 1, 10), 1))

    # --- on the case page ---

    def test_the_case_page_lists_touchpoints_in_order_with_the_strip_and_key(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        html = response.content.decode()
        self.assertLess(
            html.index(f'id="event-{self.part2_event.code}"'),
            html.index(f'id="event-{self.event.code}"'),
        )
        self.assertContains(response, "50 days before death")
        self.assertContains(
            response, '<span class="usa-tag bg-secondary-dark">Missed opportunity</span>'
        )
        self.assertContains(response, "<dd>Sheriff</dd>")
        self.assertContains(response, 'class="display-none tablet:display-block"><svg')
        self.assertContains(response, 'class="tablet:display-none"><svg')
        self.assertContains(response, 'fill="#b50909"/></svg> Criminal legal</li>', html=False)
        self.assertContains(response, "Missed opportunity (diamond)")
        self.assertNotContains(response, "style=")

    def test_the_case_page_offers_edit_links_to_editors_only(self):
        add, edit = self.add_url(), self.edit_url()
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, f'href="{add}"')
        self.assertContains(response, f'href="{edit}"')
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertNotContains(response, f'href="{add}"')
        self.assertNotContains(response, f'href="{edit}"')
        self.assertContains(response, f"?event={self.event.code}")  # add a note

from django.urls import reverse

from cases.models import Finding, FindingEvent, TimelineEvent
from ofr.models import AccessEvent
from tests.base import OFRTestCase


class FindingsTestCase(OFRTestCase):
    def add_url(self):
        return reverse("cases:add_finding", args=[self.case.code])

    def edit_url(self, finding=None):
        return reverse("cases:edit_finding", args=[self.case.code, (finding or self.finding).code])

    def confirm_url(self, finding=None):
        finding = finding or self.finding
        return reverse("cases:confirm_finding", args=[self.case.code, finding.code])

    def detail(self):
        return self.client.get(reverse("cases:detail", args=[self.case.code]))

    def data(self, **changes):
        return {
            "kind": "system_gap",
            "system": "criminal_legal",
            "description": "Release planning did not include naloxone.",
            **changes,
        }

    def edit_data(self, finding=None, **changes):
        finding = finding or self.finding
        finding.refresh_from_db()
        return {
            "kind": finding.kind,
            "system": finding.system,
            "description": finding.description,
            "opened_version": finding.version,
            **changes,
        }

    def link(self, finding, event):
        FindingEvent.objects.create(finding=finding, event=event)

    # --- add_finding ---

    def test_a_member_proposes_a_finding_with_linked_touchpoints(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(
            self.add_url(), self.data(linked_events=[self.event.pk, self.part2_event.pk])
        )
        finding = Finding.objects.get(kind="system_gap")
        self.assertRedirects(
            response,
            reverse("cases:detail", args=[self.case.code]) + f"#finding-{finding.code}",
            fetch_redirect_response=False,
        )
        self.assertEqual((finding.status, finding.proposed_by), ("proposed", self.reviewer))
        self.assertEqual(set(finding.events.all()), {self.event, self.part2_event})
        self.assertEqual(finding.history.get().history_change_reason, "Finding proposed")
        links = FindingEvent.history.filter(finding_id=finding.pk)
        self.assertEqual(links.count(), 2)
        self.assertEqual(
            {(h.history_type, h.history_change_reason, h.history_user) for h in links},
            {("+", "Touchpoint linked to finding", self.reviewer)},
        )

    def test_the_form_is_blame_neutral_and_lists_touchpoints_by_date_and_type(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.add_url())
        self.assertContains(response, "Blame-neutral")
        self.assertContains(response, "2025-01-10: Release from jail")
        self.assertContains(response, "2024-11-20: SUD treatment admission")

    def test_it_does_not_offer_touchpoints_the_member_may_not_see(self):
        self.client.force_login(self.officer)
        response = self.client.get(self.add_url())
        self.assertContains(response, "2025-01-10: Release from jail")
        self.assertNotContains(response, "SUD treatment admission")
        response = self.client.post(self.add_url(), self.data(linked_events=[self.part2_event.pk]))
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(Finding.objects.filter(kind="system_gap").exists())

    def test_it_refuses_an_empty_description_or_unknown_kind(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(self.add_url(), self.data(description="  ", kind="blame"))
        self.assertContains(response, "This field is required")
        self.assertContains(response, "Select a valid choice")
        self.assertEqual(Finding.objects.count(), 1)

    def test_it_hides_the_case_from_outsiders_and_anonymous(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.add_url(), self.data()).status_code, 404)
        self.client.logout()
        response = self.client.post(self.add_url(), self.data())
        self.assertRedirects(response, f"{reverse('login')}?next={self.add_url()}")
        self.assertEqual(Finding.objects.count(), 1)

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.put(self.add_url()).status_code, 405)
        self.assertEqual(self.client.put(self.edit_url()).status_code, 405)
        self.assertEqual(self.client.get(self.confirm_url()).status_code, 405)

    # --- edit_finding ---

    def test_the_proposer_edits_a_proposed_finding_with_history(self):
        self.client.force_login(self.reviewer)
        self.assertContains(self.client.get(self.edit_url()), "No naloxone offered at release.")
        response = self.client.post(
            self.edit_url(), self.edit_data(description="No kit offered at release.")
        )
        self.assertEqual(response.status_code, 302)
        self.finding.refresh_from_db()
        self.assertEqual(
            (self.finding.description, self.finding.version), ("No kit offered at release.", 2)
        )
        self.assertEqual(self.finding.history.first().history_change_reason, "Finding edited")

    def test_editors_and_the_facilitator_may_edit_others_may_not(self):
        for user in (self.coordinator, self.data_manager, self.facilitator):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.edit_url()).status_code, 200)
        self.client.force_login(self.officer)
        response = self.client.post(self.edit_url(), self.edit_data(description="Officer's."))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(AccessEvent.objects.order_by("-seq").first().action, "denied")
        self.finding.refresh_from_db()
        self.assertEqual(self.finding.version, 1)

    def test_a_confirmed_finding_is_edited_only_by_editors_and_the_facilitator(self):
        self.finding.confirm(by=self.facilitator)
        self.client.force_login(self.reviewer)
        self.assertEqual(self.client.get(self.edit_url()).status_code, 403)
        self.client.force_login(self.facilitator)
        response = self.client.post(self.edit_url(), self.edit_data(description="Agreed wording."))
        self.assertEqual(response.status_code, 302)
        self.finding.refresh_from_db()
        self.assertEqual(
            (self.finding.description, self.finding.status), ("Agreed wording.", "confirmed")
        )

    def test_it_hides_the_finding_from_outsiders_and_anonymous(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.get(self.edit_url()).status_code, 404)
        self.client.logout()
        response = self.client.get(self.edit_url())
        self.assertRedirects(response, f"{reverse('login')}?next={self.edit_url()}")

    def test_editing_links_adds_and_removes_rows_one_by_one_with_history(self):
        self.link(self.finding, self.event)
        self.client.force_login(self.reviewer)
        response = self.client.get(self.edit_url())
        self.assertContains(
            response,
            f'value="{self.event.pk}" class="usa-checkbox__input" id="id_linked_events_1" checked>',
        )
        self.assertContains(
            response,
            f'value="{self.part2_event.pk}" class="usa-checkbox__input" id="id_linked_events_0">',
        )
        response = self.client.post(
            self.edit_url(), self.edit_data(linked_events=[self.part2_event.pk])
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(self.finding.events.all()), [self.part2_event])
        history = FindingEvent.history.filter(finding_id=self.finding.pk).order_by("history_id")
        self.assertEqual(
            [(h.event_id, h.history_type, h.history_change_reason) for h in history],
            [
                (self.event.pk, "+", None),
                (self.event.pk, "-", "Touchpoint unlinked from finding"),
                (self.part2_event.pk, "+", "Touchpoint linked to finding"),
            ],
        )

    def test_links_the_editor_may_not_see_are_kept(self):
        # The reviewer's own finding, which the coordinator linked to a
        # next-of-kin touchpoint the reviewer may not see (its author may).
        nok_event = TimelineEvent.objects.create(
            case=self.case,
            date=self.event.date,
            system="other",
            touchpoint_type="other",
            description="From the family interview.",
            sensitivity="nok_interview",
            created_by=self.coordinator,
        )
        self.link(self.finding, nok_event)
        self.client.force_login(self.reviewer)
        response = self.client.get(self.edit_url())
        self.assertNotContains(response, "From the family interview.")
        response = self.client.post(self.edit_url(), self.edit_data(linked_events=[self.event.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(set(self.finding.events.all()), {self.event, nok_event})

    def test_a_finding_linked_to_a_touchpoint_the_viewer_may_not_see_is_hidden_with_it(self):
        mine = Finding.objects.create(
            case=self.case,
            kind="risk_factor",
            system="sud_treatment",
            description="Treatment ended shortly before death.",
            proposed_by=self.officer,
        )
        self.link(mine, self.part2_event)
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get(self.edit_url(mine)).status_code, 404)
        self.assertNotContains(self.detail(), "Treatment ended shortly before death.")

    def test_a_stale_edit_is_refused_and_links_are_unchanged(self):
        self.client.force_login(self.facilitator)
        first = self.edit_data(description="First wording.")
        second = self.edit_data(description="Second wording.", linked_events=[self.event.pk])
        self.assertEqual(self.client.post(self.edit_url(), first).status_code, 302)
        response = self.client.post(self.edit_url(), second)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "First wording.", status_code=409)
        self.assertContains(response, "Second wording.", status_code=409)
        self.assertFalse(FindingEvent.objects.filter(finding=self.finding).exists())

    # --- confirm_finding ---

    def test_the_facilitator_confirms_a_finding_with_history(self):
        self.client.force_login(self.facilitator)
        response = self.client.post(self.confirm_url())
        self.assertRedirects(
            response,
            reverse("cases:detail", args=[self.case.code]) + f"#finding-{self.finding.code}",
            fetch_redirect_response=False,
        )
        self.finding.refresh_from_db()
        self.assertEqual(
            (self.finding.status, self.finding.confirmed_by), ("confirmed", self.facilitator)
        )
        latest = self.finding.history.first()
        self.assertEqual(
            (latest.history_user, latest.history_change_reason),
            (self.facilitator, "Finding confirmed"),
        )

    def test_a_second_confirmation_is_refused_with_a_message(self):
        self.client.force_login(self.coordinator)
        self.client.post(self.confirm_url())
        before = self.finding.history.count()
        response = self.client.post(self.confirm_url(), follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Only a proposed finding can be confirmed.")
        self.assertEqual(self.finding.history.count(), before)

    def test_members_without_confirm_finding_get_403(self):
        for user in (self.reviewer, self.officer, self.data_manager):
            self.client.force_login(user)
            self.assertEqual(self.client.post(self.confirm_url()).status_code, 403)
        self.finding.refresh_from_db()
        self.assertEqual(self.finding.status, "proposed")

    def test_confirm_hides_the_finding_from_outsiders_and_anonymous(self):
        self.client.force_login(self.outsider)
        self.assertEqual(self.client.post(self.confirm_url()).status_code, 404)
        self.client.logout()
        response = self.client.post(self.confirm_url())
        self.assertRedirects(
            response, f"{reverse('login')}?next={self.confirm_url()}", fetch_redirect_response=False
        )
        self.finding.refresh_from_db()
        self.assertEqual(self.finding.status, "proposed")

    # --- on the case page ---

    def test_the_case_page_shows_the_confirm_button_only_to_those_who_may_confirm(self):
        button = f'action="{self.confirm_url()}"'
        self.client.force_login(self.facilitator)
        self.assertContains(self.detail(), button)
        self.client.force_login(self.reviewer)
        response = self.detail()
        self.assertContains(response, "No naloxone offered at release.")
        self.assertNotContains(response, button)
        self.assertContains(response, f'href="{self.edit_url()}"')  # the proposer
        self.client.force_login(self.officer)
        self.assertNotContains(self.detail(), f'href="{self.edit_url()}"')

    def test_a_finding_linked_to_a_restricted_touchpoint_is_restricted_with_it(self):
        self.link(self.finding, self.part2_event)
        self.link(self.finding, self.event)
        self.client.force_login(self.officer)
        response = self.detail()
        self.assertContains(response, "Finding (restricted)")
        self.assertNotContains(response, self.finding.description)
        self.client.force_login(self.reviewer)
        response = self.detail()
        self.assertNotContains(response, "a restricted touchpoint")
        self.assertContains(response, f'href="#event-{self.part2_event.code}">2024-11-20')
        self.assertContains(response, f'href="#event-{self.event.code}"')

    def test_active_findings_are_the_proposed_and_confirmed_ones(self):
        kept = {}
        for status in ("proposed", "confirmed", "withdrawn"):
            kept[status] = Finding.objects.create(
                case=self.case,
                kind="missed_opportunity",
                system="ems",
                description=f"A {status} finding.",
                status=status,
                proposed_by=self.reviewer,
            )
        active = set(self.case.findings.active())
        self.assertIn(kept["proposed"], active)
        self.assertIn(kept["confirmed"], active)
        self.assertNotIn(kept["withdrawn"], active)
        self.assertEqual(
            set(Finding.objects.active()), set(Finding.objects.exclude(status="withdrawn"))
        )

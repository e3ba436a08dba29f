"""Open data queries: computed from the case file, shown as the policy allows."""

from datetime import date

from django.urls import reverse

from cases.access import viewer_for
from cases.completeness import data_queries
from cases.models import Case, TimelineEvent
from ofr.roles import SensitiveCategory
from tests.base import PART2_TEXT, OFRTestCase


class DataQueryRulesTestCase(OFRTestCase):
    def rules(self, user=None):
        case = Case.objects.select_related("team", "decedent", "death", "circumstances").get(
            pk=self.case.pk
        )
        return [q.rule for q in data_queries(case, viewer_for(user or self.coordinator, case))]

    def test_the_cast_case_has_none(self):
        self.assertEqual(self.rules(), [])

    def test_naloxone_given_by_nobody(self):
        c = self.case.circumstances
        c.naloxone_administered = "yes"
        c.save()
        self.assertEqual(self.rules(), ["naloxone_administered_by_missing"])
        c.naloxone_administered_by = ["ems"]
        c.save()
        self.assertEqual(self.rules(), [])

    def test_doses_without_naloxone(self):
        c = self.case.circumstances
        c.naloxone_doses = 2
        c.save()
        self.assertEqual(self.rules(), ["naloxone_doses_without_naloxone"])

    def test_dates(self):
        self.case.death.date_last_seen_alive = date(2025, 3, 5)
        self.case.death.save()
        self.case.decedent.age_at_death = 130
        self.case.decedent.save()
        self.assertEqual(
            self.rules(), ["last_seen_after_death", "age_implausible", "age_disagrees"]
        )

    def test_birth_after_death_only_for_those_who_see_identifiers(self):
        self.case.identifiers.date_of_birth = date(2025, 6, 1)
        self.case.identifiers.save()
        self.assertEqual(self.rules(self.coordinator), ["birth_after_death"])
        self.assertEqual(self.rules(self.reviewer), [])

    def test_a_touchpoint_after_the_death(self):
        TimelineEvent.objects.create(
            case=self.case,
            date=date(2025, 3, 20),
            system="health_care",
            touchpoint_type="ed_visit",
            created_by=self.coordinator,
        )
        self.assertEqual(self.rules(), ["touchpoint_after_death"])

    def test_a_month_precision_touchpoint_in_the_month_of_death_is_not_after_it(self):
        TimelineEvent.objects.create(
            case=self.case,
            date=date(2025, 3, 1),
            date_precision="month",
            system="health_care",
            touchpoint_type="ed_visit",
            created_by=self.coordinator,
        )
        self.assertEqual(self.rules(), [])


class Part2QueryTestCase(OFRTestCase):
    """A Part 2 touchpoint dated after the death: its query is for those who
    may see it, and tells nobody else anything."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        TimelineEvent.objects.create(
            case=cls.case,
            date=date(2025, 4, 2),
            system="sud_treatment",
            touchpoint_type="treatment_admission",
            description=PART2_TEXT,
            sensitivity=SensitiveCategory.PART2_SUD,
            created_by=cls.coordinator,
        )

    def test_the_coordinator_sees_the_query(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertContains(response, "(2025-04-02) is dated after the date of death")
        listing = self.client.get(reverse("cases:open_queries", args=[self.team.code]))
        self.assertContains(listing, "(2025-04-02) is dated after the date of death")
        self.assertNotContains(listing, PART2_TEXT)

    def test_the_law_enforcement_member_sees_no_query_about_it(self):
        self.client.force_login(self.officer)
        response = self.client.get(reverse("cases:detail", args=[self.case.code]))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "dated after the date of death")
        self.assertNotContains(response, "2025-04-02")
        self.assertContains(response, "No open data queries.")

from datetime import date

from django.urls import reverse

from cases.models import AgendaItem, Case, ToxicologyResult
from ofr.models import AccessEvent
from tests.base import OFRTestCase


class CaseSearchTestCase(OFRTestCase):
    url = reverse("cases:list")

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.second = Case.objects.create(team=cls.team, reference="RIV-2024-007")
        cls.second.death.date_of_death = date(2024, 5, 2)
        cls.second.death.manner = "undetermined"
        cls.second.death.save()
        cls.second.identifiers.legal_name = "Casey Sample"
        cls.second.identifiers.save()
        ToxicologyResult.objects.create(case=cls.second, substance="xylazine")
        # The reviewer signed for the meeting: both cases on its agenda are theirs to see.
        AgendaItem.objects.create(meeting=cls.meeting, case=cls.second, position=2)

    def references(self, user, **params) -> list[str]:
        self.client.force_login(user)
        response = self.client.get(self.url, params)
        self.assertEqual(response.status_code, 200)
        return [case.reference for case in response.context["page"].object_list]

    def test_it_searches_by_reference_and_by_code(self):
        self.assertEqual(self.references(self.reviewer, q="2024-007"), ["RIV-2024-007"])
        self.assertEqual(self.references(self.reviewer, q=str(self.second.code)), ["RIV-2024-007"])
        self.assertEqual(self.references(self.outsider, q=str(self.second.code)), [])

    def test_it_searches_names_only_for_those_who_may_see_identifiers(self):
        self.assertEqual(self.references(self.coordinator, q="casey"), ["RIV-2024-007"])
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.user, event.detail), (self.coordinator, "name search: casey"))
        # A reviewer cannot find a case by the decedent's name, nor learn that it exists.
        self.assertEqual(self.references(self.reviewer, q="casey"), [])
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get(self.url, {"q": "x"}), "decedent name")

    def test_an_outsider_cannot_find_another_team_case_by_name(self):
        self.assertEqual(self.references(self.outsider, q="Casey"), [])
        self.assertEqual(self.references(self.outsider, q="Jordan"), [])

    def test_it_filters_by_year_manner_and_substance(self):
        self.assertEqual(self.references(self.reviewer, year=2024), ["RIV-2024-007"])
        self.assertEqual(self.references(self.reviewer, manner="accident"), ["RIV-2025-001"])
        self.assertEqual(self.references(self.reviewer, substance="xylazine"), ["RIV-2024-007"])
        self.assertEqual(self.references(self.reviewer, substance="fentanyl"), ["RIV-2025-001"])

    def test_it_sorts(self):
        self.assertEqual(
            self.references(self.reviewer, sort="reference"), ["RIV-2024-007", "RIV-2025-001"]
        )
        self.assertEqual(
            self.references(self.reviewer, sort="-death"), ["RIV-2025-001", "RIV-2024-007"]
        )

    def test_bad_input_is_explained_not_a_500(self):
        self.client.force_login(self.reviewer)
        response = self.client.get(self.url, {"year": "nineteen", "manner": "drowned"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Check the search")
        self.assertContains(response, "Enter a whole number")

    def test_pagination_keeps_the_filters(self):
        for number in range(60):
            Case.objects.create(team=self.team, reference=f"RIV-2023-{number:03}")
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url, {"q": "2023", "sort": "reference"})
        self.assertContains(response, "q=2023&amp;sort=reference&amp;page=2")

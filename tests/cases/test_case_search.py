import json
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from cases.models import Case, ToxicologyResult
from meetings.models import AgendaItem
from ofr.audit import search_term_digest
from ofr.models import AccessEvent
from tests.base import OFRTestCase

NAME_SEARCHES = {"object_type": "cases.case", "detail__startswith": "name search"}


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
        cls.second.identifiers.me_case_number = "ME-2024-0456"
        cls.second.identifiers.death_certificate_number = "2024-FR-001234"
        cls.second.identifiers.save()
        ToxicologyResult.objects.create(case=cls.second, substance="xylazine")
        # The reviewer signed for the meeting: both cases on its agenda are theirs to see.
        AgendaItem.objects.create(meeting=cls.meeting, case=cls.second, position=2)

    def name_second(self, legal_name: str, aliases: str = "") -> None:
        identifiers = self.second.identifiers
        identifiers.legal_name, identifiers.aliases = legal_name, aliases
        identifiers.save()

    def submit(self, user, **fields) -> str:
        """Submit the search box (a POST) and return where it redirects."""
        self.client.force_login(user)
        response = self.client.post(self.url, fields)
        self.assertEqual(response.status_code, 302)
        return response["Location"]

    def references(self, user, **fields) -> list[str]:
        response = self.client.get(self.submit(user, **fields))
        self.assertEqual(response.status_code, 200)
        return [case.reference for case in response.context["page"].object_list]

    def urls_in(self, response) -> list[str]:
        return re.findall(r'(?:href|action)="([^"]*)"', response.content.decode())

    def test_it_searches_by_reference_and_by_code(self):
        self.assertEqual(self.references(self.reviewer, q="2024-007"), ["RIV-2024-007"])
        self.assertEqual(self.references(self.reviewer, q=str(self.second.code)), ["RIV-2024-007"])
        self.assertEqual(self.references(self.outsider, q=str(self.second.code)), [])

    def test_it_searches_names_only_for_those_who_may_see_identifiers(self):
        self.assertEqual(self.references(self.coordinator, q="sample"), ["RIV-2024-007"])
        # A reviewer cannot find a case by the decedent's name, nor learn that it exists.
        self.assertEqual(self.references(self.reviewer, q="sample"), [])
        self.assertEqual(self.references(self.reviewer, q="Casey Sample"), [])
        self.assertEqual(self.references(self.reviewer, q="ME-2024-0456"), [])
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(self.url), "decedent&#x27;s full name")
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get(self.url), "decedent&#x27;s full name")
        self.assertEqual(self.events(**NAME_SEARCHES, user=self.reviewer).count(), 0)

    def test_an_outsider_cannot_find_another_team_case_by_name(self):
        self.assertEqual(self.references(self.outsider, q="Casey Sample"), [])
        self.assertEqual(self.references(self.outsider, q="Example"), [])
        self.assertEqual(self.references(self.outsider, q="ME-2024-0456"), [])

    def test_it_finds_a_full_name(self):
        self.assertEqual(self.references(self.coordinator, q="Casey Sample"), ["RIV-2024-007"])
        self.assertEqual(self.references(self.coordinator, q="Jordan Example"), ["RIV-2025-001"])

    def test_it_finds_first_and_last_name_without_the_middle_ones(self):
        self.name_second("Casey Lee R. Sample")
        self.assertEqual(self.references(self.coordinator, q="casey sample"), ["RIV-2024-007"])
        self.assertEqual(
            self.references(self.coordinator, q="Casey Lee R Sample"), ["RIV-2024-007"]
        )
        # Only the full name or first + last: a middle name is no first name.
        self.assertEqual(self.references(self.coordinator, q="Lee Sample"), [])

    def test_it_finds_a_last_name_alone(self):
        self.name_second("Casey Sample Jr.")
        self.assertEqual(self.references(self.coordinator, q="SAMPLE"), ["RIV-2024-007"])
        self.assertEqual(self.references(self.coordinator, q="casey sample"), ["RIV-2024-007"])

    def test_it_finds_an_alias(self):
        self.name_second("Casey Sample", aliases="K. C. Smith, Kasey Sampson")
        for query in ("Kasey Sampson", "sampson", "k c smith", "K. Smith", "smith"):
            with self.subTest(query=query):
                self.assertEqual(self.references(self.coordinator, q=query), ["RIV-2024-007"])

    def test_names_match_whatever_their_case_accents_and_punctuation(self):
        self.name_second("Zoë O'Brien-Núñez")
        for query in (
            "zoe obrien nunez",
            "ZOË O’BRIEN NÚÑEZ",
            "Zoe  O'Brien Nunez",
            "zoe nunez",
            "Núñez",
            "  nunez. ",
        ):
            with self.subTest(query=query):
                self.assertEqual(self.references(self.coordinator, q=query), ["RIV-2024-007"])

    def test_it_finds_nothing_by_a_part_of_a_name(self):
        for query in ("casey", "samp", "asey sampl", "Casey Sampl"):
            with self.subTest(query=query):
                self.assertEqual(self.references(self.coordinator, q=query), [])

    def test_it_finds_an_me_or_death_certificate_number(self):
        for query in ("ME-2024-0456", "me 2024 0456", "ME20240456", "2024-FR-001234"):
            with self.subTest(query=query):
                self.assertEqual(self.references(self.coordinator, q=query), ["RIV-2024-007"])
        self.assertEqual(self.references(self.coordinator, q="ME-2024-045"), [])

    def test_a_changed_name_is_found_by_the_new_name_only(self):
        self.name_second("Casey Other")
        self.assertEqual(self.references(self.coordinator, q="Casey Other"), ["RIV-2024-007"])
        self.assertEqual(self.references(self.coordinator, q="Casey Sample"), [])

    def test_the_log_keeps_a_keyed_hash_of_a_name_search_never_the_name(self):
        self.submit(self.coordinator, q="  Casey   SAMPLE ")
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(event.user, self.coordinator)
        self.assertEqual(
            event.detail, f"name search sha256-hmac:{search_term_digest('casey sample')}"
        )
        self.assertNotIn("casey", event.detail.casefold())

    def test_a_name_search_is_logged_once_not_on_every_page(self):
        for number in range(60):
            Case.objects.create(team=self.team, reference=f"RIV-2023-{number:03}")
        location = self.submit(self.coordinator, q="2023")
        self.assertEqual(self.events(**NAME_SEARCHES).count(), 1)
        self.client.get(location)
        self.client.get(f"{location}&page=2")
        self.client.get(f"{location}&sort=reference")
        self.assertEqual(self.events(**NAME_SEARCHES).count(), 1)

    def test_no_name_reaches_a_url(self):
        location = self.submit(self.coordinator, q="Casey Sample", status="", sort="death")
        self.assertNotIn("casey", location.casefold())
        query = parse_qs(urlsplit(location).query)
        self.assertEqual(set(query), {"search", "sort"})
        response = self.client.get(location)
        self.assertEqual(
            [case.reference for case in response.context["page"].object_list], ["RIV-2024-007"]
        )
        urls = self.urls_in(response)
        self.assertIn(f"?search={query['search'][0]}&amp;sort=-death", urls)
        for url in urls:
            self.assertNotIn("casey", url.casefold())
        # The search box keeps the term, in the page only.
        self.assertContains(response, 'value="Casey Sample"')

    def test_the_session_in_the_database_keeps_the_term_encrypted(self):
        self.submit(self.coordinator, q="Casey Sample")
        row = Session.objects.get(session_key=self.client.session.session_key)
        self.assertNotIn("casey", json.dumps(row.get_decoded()).casefold())

    def test_a_term_in_an_old_link_is_not_searched(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url, {"q": "sample"})
        self.assertEqual(len(response.context["page"].object_list), 2)
        self.assertEqual(self.events(**NAME_SEARCHES).count(), 0)

    def test_an_unknown_search_shows_the_whole_list(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url, {"search": "no-such-search"}, follow=True)
        self.assertEqual(response.redirect_chain, [(self.url, 302)])
        self.assertContains(response, "That search has expired; search again.")
        self.assertEqual(len(response.context["page"].object_list), 2)

    def test_an_expired_search_shows_the_whole_list(self):
        location = self.submit(self.coordinator, q="sample", sort="reference")
        search_id = parse_qs(urlsplit(location).query)["search"][0]
        session = self.client.session
        session["case_searches"][search_id]["at"] -= 16 * 60  # SESSION_IDLE_MINUTES is 15
        session.save()
        response = self.client.get(location, follow=True)
        self.assertEqual(response.redirect_chain, [(self.url, 302)])
        self.assertContains(response, "That search has expired; search again.")
        self.assertEqual(len(response.context["page"].object_list), 2)

    def test_a_search_belongs_to_its_session(self):
        location = self.submit(self.coordinator, q="sample")
        other = Client()
        other.force_login(self.data_manager)
        response = other.get(location, follow=True)
        self.assertContains(response, "That search has expired; search again.")

    def test_it_keeps_only_a_handful_of_searches(self):
        locations = [self.submit(self.coordinator, q=f"RIV-{n}") for n in range(6)]
        self.assertEqual(len(self.client.session["case_searches"]), 5)
        self.assertEqual(self.client.get(locations[0]).status_code, 302)  # the oldest is gone
        self.assertEqual(self.client.get(locations[1]).status_code, 200)

    def test_it_filters_by_year_manner_and_substance(self):
        self.assertEqual(self.references(self.reviewer, year=2024), ["RIV-2024-007"])
        self.assertEqual(self.references(self.reviewer, manner="accident"), ["RIV-2025-001"])
        self.assertEqual(self.references(self.reviewer, substance="xylazine"), ["RIV-2024-007"])
        self.assertEqual(self.references(self.reviewer, substance="fentanyl"), ["RIV-2025-001"])
        # The filters identify no one: they stay in the URL, as links made before.
        self.assertEqual(self.submit(self.reviewer, year=2024), f"{self.url}?year=2024")

    def test_it_sorts(self):
        self.assertEqual(
            self.references(self.reviewer, sort="reference"), ["RIV-2024-007", "RIV-2025-001"]
        )
        self.assertEqual(
            self.references(self.reviewer, sort="-death"), ["RIV-2025-001", "RIV-2024-007"]
        )

    def test_an_empty_search_shows_the_whole_list(self):
        self.assertEqual(self.submit(self.reviewer, q=""), self.url)

    def test_bad_input_is_explained_not_a_500(self):
        self.client.force_login(self.reviewer)
        response = self.client.post(self.url, {"year": "nineteen", "manner": "drowned"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Check the search")
        self.assertContains(response, "Enter a whole number")
        response = self.client.get(self.url, {"year": "nineteen", "manner": "drowned"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a whole number")

    def test_pagination_keeps_the_search(self):
        for number in range(60):
            Case.objects.create(team=self.team, reference=f"RIV-2023-{number:03}")
        location = self.submit(self.coordinator, q="2023", sort="reference")
        search_id = parse_qs(urlsplit(location).query)["search"][0]
        response = self.client.get(location)
        self.assertContains(response, f"search={search_id}&amp;sort=reference&amp;page=2")
        response = self.client.get(f"{location}&page=2")
        self.assertContains(response, "page 2 of 2")
        self.assertEqual(len(response.context["page"].object_list), 10)

    def test_it_redirects_anonymous_to_login(self):
        response = self.client.post(self.url, {"q": "casey"})
        self.assertRedirects(response, f"{reverse('login')}?next={self.url}")
        self.assertEqual(self.events(**NAME_SEARCHES).count(), 0)

    def test_the_search_box_needs_its_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.coordinator)
        self.assertEqual(client.post(self.url, {"q": "casey"}).status_code, 403)
        token = client.get(self.url).context["csrf_token"]
        response = client.post(self.url, {"q": "casey", "csrfmiddlewaretoken": token})
        self.assertEqual(response.status_code, 302)

    def test_its_query_count_with_a_name_search(self):
        location = self.submit(self.coordinator, q="sample")
        self.client.get(location)  # warm the content-type cache
        # session, user, memberships, their team groups, count, page
        with self.assertNumQueries(6):
            self.client.get(location)

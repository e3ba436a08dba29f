"""The SUDORS-variable CSV of a team's cases."""

import csv
import io
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.exchange.sudors import MAPPING, UNMAPPED, header
from cases.models import Case, ToxicologyResult
from ofr.models import AccessEvent
from tests.base import OFRTestCase


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


class SudorsExportTestCase(OFRTestCase):
    def setUp(self) -> None:
        self.url = reverse("cases:sudors_export", kwargs={"team": self.team.code})

    def known_circumstances(self) -> None:
        circumstances = self.case.circumstances
        circumstances.prior_overdose_past_year = "yes"
        circumstances.current_sud_treatment = "yes"
        circumstances.sud_treatment_types = ["moud_with_cognitive", "rehabilitation"]
        circumstances.recent_ed_visit = "no"
        circumstances.naloxone_administered = "yes"
        circumstances.save()
        self.case.death.date_last_seen_alive = date(2025, 2, 27)
        self.case.death.cause_immediate = "Acute combined drug toxicity"
        self.case.death.save()
        self.case.decedent.homeless = "unknown"
        self.case.decedent.education = "high_school_ged"
        self.case.decedent.occupation = "Roofer"
        self.case.decedent.save()
        # Detected twice (two specimens), once as a cause: a cause only.
        ToxicologyResult.objects.create(case=self.case, substance="xylazine")
        ToxicologyResult.objects.create(case=self.case, substance="fentanyl")
        ToxicologyResult.objects.create(case=self.case, substance="cocaine", lab="Lab X")

    def test_it_downloads_the_team_cases_for_the_coordinator(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/csv"))
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="sudors-RIV.csv"')
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(len(rows(response)), 2)  # the header and the team's one case

    def test_the_data_manager_may_export_too(self):
        self.client.force_login(self.data_manager)
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_its_header_is_the_mapping_in_order(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(rows(self.client.get(self.url))[0], [v.name for v in MAPPING])

    def test_it_writes_the_values_of_a_case_with_known_circumstances(self):
        self.known_circumstances()
        self.client.force_login(self.coordinator)
        row = dict(zip(header(), rows(self.client.get(self.url))[1], strict=True))
        self.assertEqual(row["PreviousOverdose"], "yes")
        self.assertEqual(row["TreatmentForSubstanceAbuse"], "yes")
        self.assertEqual(row["SubsTx_rehab"], "yes")
        self.assertEqual(row["SubsTx_MATcog"], "yes")
        self.assertEqual(row["SubsTx_MAT"], "")
        self.assertEqual(row["RecentED"], "no")
        self.assertEqual(row["LastSeenAliveMonth"], "2")
        self.assertEqual(row["LastSeenAliveYear"], "2025")
        self.assertEqual(row["Homeless"], "unknown")
        self.assertEqual(row["Military"], "not_collected")
        self.assertEqual(row["EducationLevel"], "high_school_ged")
        self.assertEqual(row["ofr_tox_caused_death"], "fentanyl")
        self.assertEqual(row["ofr_tox_other_detected"], "cocaine;xylazine")

    def test_unmapped_items_never_appear_as_columns(self):
        self.client.force_login(self.coordinator)
        columns = set(rows(self.client.get(self.url))[0])
        for unmapped in UNMAPPED:
            field = unmapped.item.split(".")[-1].split(" ")[0]
            self.assertNotIn(field, columns)
        self.assertNotIn("naloxone_administered", columns)

    def test_it_holds_no_identifiers_dates_of_death_or_free_text(self):
        self.known_circumstances()
        self.client.force_login(self.coordinator)
        body = self.client.get(self.url).content.decode()
        for text in (
            "Jordan",
            "1990",
            "2025-03-01",
            "2025-02-27",
            "RIV-2025-001",
            str(self.case.code),
            "Test summary",
            "Roofer",
            "Acute combined",
            "Lab X",
        ):
            self.assertNotIn(text, body)

    def test_it_leaves_out_excluded_cases_and_other_teams(self):
        Case.objects.create(team=self.team, reference="RIV-2025-002", status="excluded")
        self.client.force_login(self.coordinator)
        self.assertEqual(len(rows(self.client.get(self.url))), 2)

    def test_it_leaves_an_access_event(self):
        self.client.force_login(self.data_manager)
        self.client.get(self.url)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(event.action, AccessEvent.Action.EXPORT)
        self.assertEqual(event.detail, "SUDORS export")
        self.assertEqual(event.user, self.data_manager)
        self.assertEqual(event.object_id, str(self.team.code))

    def test_an_outsider_gets_404(self):
        self.client.force_login(self.outsider)  # a coordinator of another team
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_read_only_roles_get_403(self):
        for user in (self.facilitator, self.reviewer, self.officer, self.partner):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403, user)

    def test_the_law_enforcement_member_may_not_export(self):
        # A review member's role holds no export right, whatever the sector.
        self.client.force_login(self.officer)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 403)
        self.assertNotIn(b"yes", response.content)

    def test_anonymous_is_sent_to_sign_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))

    def test_it_refuses_post(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.post(self.url).status_code, 405)

    def test_the_case_list_links_it_for_exporters_only(self):
        link = self.url
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("cases:list")), link)
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get(reverse("cases:list")), link)

    def test_its_query_count_does_not_grow_with_the_cases(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.url)  # warm the content-type cache
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url)
        for number in range(2, 12):
            case = Case.objects.create(team=self.team, reference=f"RIV-2025-{number:03}")
            ToxicologyResult.objects.create(case=case, substance="heroin")
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(self.url)
        self.assertEqual(len(rows(response)), 12)
        self.assertEqual(len(few), len(many))

"""The REDCap export pages and downloads on the shared cast: who may have them,
what they log, and that content goes through the confidentiality policy."""

import csv
import io
from datetime import date
from unittest import mock

from django.contrib.auth.models import Permission
from django.db import connection
from django.urls import reverse

from cases.access import viewers_for
from cases.exchange import redcap
from cases.exchange.fields import DEIDENTIFIED, FIELDS, FULL
from cases.models import Case, CaseGroupObjectPermission, TimelineEvent
from ofr.models import AccessEvent
from tests.base import PART2_TEXT, OFRTestCase
from tests.cases.redcap_validator import check
from tests.pdf import pdf_pages

DOWNLOADS = (
    "redcap_dictionary",
    "redcap_repeating",
    "redcap_records",
    "redcap_codebook",
    "redcap_codebook_pdf",
)


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


class RedcapExportTestCase(OFRTestCase):
    def url(self, name: str, level: str = "", team=None) -> str:
        url = reverse(f"cases:{name}", kwargs={"team": (team or self.team).code})
        return f"{url}?level={level}" if level else url

    def records(self, user, level: str = DEIDENTIFIED) -> str:
        cases = [self.case]
        return redcap.records_csv(cases, viewers_for(user, cases), level)

    def test_it_shows_the_page_to_coordinators_and_data_managers(self):
        for user in (self.coordinator, self.data_manager):
            self.client.force_login(user)
            response = self.client.get(self.url("redcap_export"))
            self.assertContains(response, "Export for REDCap")
            self.assertContains(response, self.url("redcap_records", FULL))

    def test_it_links_the_page_from_the_case_list_for_those_roles_only(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(reverse("cases:list")), self.url("redcap_export"))
        self.client.force_login(self.reviewer)
        self.assertNotContains(self.client.get(reverse("cases:list")), "Export for REDCap")

    def test_it_sends_anonymous_visitors_to_sign_in(self):
        for name in ("redcap_export", *DOWNLOADS):
            response = self.client.get(self.url(name))
            self.assertEqual(response.status_code, 302, name)
            self.assertTrue(response["Location"].startswith(reverse("login")), name)

    def test_it_hides_the_team_from_outsiders(self):
        self.client.force_login(self.outsider)
        for name in ("redcap_export", *DOWNLOADS):
            self.assertEqual(self.client.get(self.url(name)).status_code, 404, name)
        self.client.force_login(self.coordinator)
        records = self.url("redcap_records", team=self.other_team)
        self.assertEqual(self.client.get(records).status_code, 404)

    def test_it_refuses_read_only_roles_and_law_enforcement(self):
        for user in (self.facilitator, self.reviewer, self.officer, self.partner):
            self.client.force_login(user)
            for name in ("redcap_export", *DOWNLOADS):
                for level in (DEIDENTIFIED, FULL):
                    response = self.client.get(self.url(name, level))
                    self.assertEqual(response.status_code, 403, f"{name} {user}")
                    self.assertNotIn(PART2_TEXT.encode(), response.getvalue())

    def test_it_refuses_other_methods(self):
        self.client.force_login(self.coordinator)
        for name in ("redcap_export", *DOWNLOADS):
            self.assertEqual(self.client.post(self.url(name)).status_code, 405, name)

    def test_it_refuses_an_unknown_level(self):
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(self.url("redcap_records", "everything")).status_code, 400)

    def test_each_download_is_logged_with_its_level_and_never_cached(self):
        self.client.force_login(self.coordinator)
        for name in ("redcap_dictionary", "redcap_repeating", "redcap_records"):
            for level in (DEIDENTIFIED, FULL):
                response = self.client.get(self.url(name, level))
                self.assertEqual(response.status_code, 200)
                self.assertIn("no-store", response["Cache-Control"])
                self.assertIn("attachment", response["Content-Disposition"])
                event = AccessEvent.objects.order_by("-seq").first()
                self.assertEqual(event.action, AccessEvent.Action.EXPORT)
                self.assertEqual(event.object_id, str(self.team.code))
                self.assertIn(level, event.detail)
        self.client.get(self.url("redcap_codebook", FULL))
        self.assertIn("codebook, full", AccessEvent.objects.order_by("-seq").first().detail)

    def test_it_exports_the_case_file_in_redcap_formats(self):
        self.client.force_login(self.coordinator)
        for level in (DEIDENTIFIED, FULL):
            dictionary = self.client.get(self.url("redcap_dictionary", level)).getvalue().decode()
            records = self.client.get(self.url("redcap_records", level)).getvalue().decode()
            self.assertEqual(check(dictionary, records), [], level)
        rows = rows_of(records)
        main = next(
            row
            for row in rows
            if row["record_id"] == "RIV-2025-001" and not row["redcap_repeat_instrument"]
        )
        self.assertEqual(main["legal_name"], "Jordan Example")
        self.assertEqual(main["date_of_birth"], "1990-06-15")
        self.assertEqual(main["date_of_death"], "2025-03-01")
        self.assertEqual(main["manner_of_death"], "accident")
        tox = [row for row in rows if row["redcap_repeat_instrument"] == "toxicology"]
        self.assertEqual(
            [(r["tox_substance"], r["tox_caused_death"]) for r in tox], [("fentanyl", "1")]
        )
        self.assertNotIn("LKV-2025-001", records)  # another team's case

    def test_tri_state_answers_keep_not_collected_apart_from_no_and_blank(self):
        circumstances = self.case.circumstances
        circumstances.recent_ed_visit = "no"
        circumstances.save()
        main = rows_of(self.records(self.coordinator))[0]
        self.assertEqual(main["recent_ed_visit"], "no")
        self.assertEqual(main["prior_overdose_past_year"], "not_collected")
        self.assertEqual(main["bystander_relationship"], "")

    def test_part2_touchpoints_go_only_to_those_who_may_see_them(self):
        # The policy, not the role gate: the officer's own view of the case.
        for user, shown in ((self.coordinator, True), (self.officer, False)):
            text = self.records(user, FULL if shown else DEIDENTIFIED)
            touchpoints = [
                r for r in rows_of(text) if r["redcap_repeat_instrument"] == "touchpoints"
            ]
            self.assertEqual(any(r["tp_part2"] == "1" for r in touchpoints), shown, user)
            self.assertEqual(PART2_TEXT in text, shown, user)
            self.assertEqual(len(touchpoints), 2 if shown else 1, user)
            self.assertNotIn("restricted", text.lower())  # no placeholders either

    def test_a_full_export_needs_the_identifiers_of_every_case(self):
        permission = Permission.objects.get(codename="view_identifiers")
        CaseGroupObjectPermission.objects.filter(
            content_object=self.case,
            permission=permission,
            group=self.team.role_group("data_manager"),
        ).delete()
        self.client.force_login(self.data_manager)
        page = self.client.get(self.url("redcap_export"))
        self.assertContains(page, "A full export is not available to you")
        response = self.client.get(self.url("redcap_records", FULL))
        self.assertContains(response, "RIV-2025-001", status_code=403)
        self.assertEqual(AccessEvent.objects.order_by("-seq").first().action, "denied")
        self.assertEqual(self.client.get(self.url("redcap_records", DEIDENTIFIED)).status_code, 200)

    def test_the_deidentified_level_holds_no_identifier_nor_free_text(self):
        text = self.records(self.coordinator, DEIDENTIFIED)
        for secret in (
            "Jordan Example",
            "1990-06-15",
            "Test summary.",
            "Released from county jail",
            PART2_TEXT,
        ):
            self.assertNotIn(secret, text)
        columns = next(csv.reader(io.StringIO(text)))
        withheld = {f.name for f in FIELDS if f.identifier or f.free_text}
        self.assertFalse(withheld & set(columns))
        main = rows_of(text)[0]
        self.assertEqual(main["date_of_death"], "2025-03-01")
        tp_dates = {r["tp_date"] for r in rows_of(text) if r["tp_date"]}
        self.assertEqual(tp_dates, {"2025-01-01", "2024-11-01"})

    def test_the_deidentified_level_gives_ages_above_89_as_90(self):
        decedent = self.case.decedent
        decedent.age_at_death = 97
        decedent.save()
        self.assertEqual(rows_of(self.records(self.coordinator))[0]["age_at_death"], "90")
        self.assertEqual(rows_of(self.records(self.coordinator, FULL))[0]["age_at_death"], "97")

    def test_cells_cannot_run_as_formulas(self):
        death = self.case.death
        death.county_of_death = '=HYPERLINK("http://evil.test")'
        death.save()
        text = self.records(self.coordinator, FULL)
        self.assertIn("'=HYPERLINK", text)
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        self.assertFalse(any(c.startswith(("=", "+", "-", "@")) for c in cells))

    def test_its_queries_grow_with_neither_cases_nor_touchpoints(self):
        def add_touchpoints(case):
            for day in range(1, 6):
                TimelineEvent.objects.create(
                    case=case, date=date(2024, 6, day), system="ems", touchpoint_type="ems_response"
                )

        add_touchpoints(self.case)
        self.client.force_login(self.coordinator)
        self.client.get(self.url("redcap_records"))  # sessions and caches warm
        # PostgreSQL takes the access log's advisory lock: one statement more.
        # The full level reads the next-of-kin interviews too (one query a batch).
        expected = 16 + (connection.vendor == "postgresql")
        with self.assertNumQueries(expected):
            self.client.get(self.url("redcap_records", FULL)).getvalue()  # streamed
        for number in range(3):
            add_touchpoints(Case.objects.create(team=self.team, reference=f"RIV-2024-9{number}"))
        with self.assertNumQueries(expected):
            text = self.client.get(self.url("redcap_records", FULL)).getvalue().decode()
        self.assertIn("RIV-2024-92", text)

    def test_the_codebook_lists_every_field_and_its_values(self):
        self.client.force_login(self.coordinator)
        page = self.client.get(self.url("redcap_codebook", FULL))
        for field in FIELDS:
            self.assertContains(page, f"<code>{field.name}</code>")
        self.assertContains(page, "<code>not_collected</code> Not collected")
        self.assertContains(page, "death.date_of_death")
        deidentified = self.client.get(self.url("redcap_codebook", DEIDENTIFIED))
        self.assertContains(deidentified, "reduced to the first of their month")

    def test_the_codebook_pdf_is_laid_out(self):
        self.client.force_login(self.data_manager)
        response = self.client.get(self.url("redcap_codebook_pdf", DEIDENTIFIED))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = " ".join(pdf_pages(response.content))
        self.assertIn("REDCap codebook", text)
        self.assertIn("tp_part2", text)

    def test_the_dictionary_names_every_field_once_with_record_id_first(self):
        rows = rows_of(redcap.data_dictionary_csv(FULL))
        names = [row["Variable / Field Name"] for row in rows]
        self.assertEqual(names[0], "record_id")
        self.assertEqual(len(names), len(set(names)))
        identifiers = {r["Variable / Field Name"] for r in rows if r["Identifier?"] == "y"}
        self.assertTrue(
            {
                "legal_name",
                "date_of_birth",
                "residence_address",
                "me_case_number",
                "death_cert_number",
            }
            <= identifiers
        )

    def test_the_pdf_is_not_laid_out_for_refused_users(self):
        self.client.force_login(self.officer)
        with mock.patch("cases.views.exports.render_pdf") as render:
            self.client.get(self.url("redcap_codebook_pdf"))
        render.assert_not_called()

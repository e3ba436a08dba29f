"""Case aggregates and the annual report: suppressed, de-identified, neutralised CSV."""

import csv
import io
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases.models import Case, ToxicologyResult
from ofr.models import AccessEvent
from ofr.spreadsheets import neutralise
from recommendations.models import Recommendation
from recommendations.reports import aggregates_by_year, annual_report
from tests.base import OFRTestCase
from tests.pdf import pdf_pages


def reviewed_case(team, reference: str, *, year: int, sex: str, age: int) -> Case:
    case = Case.objects.create(team=team, reference=reference, status="reviewed")
    case.death.date_of_death = date(year, 3, 1)
    case.death.manner = "accident"
    case.death.save()
    case.decedent.sex = sex
    case.decedent.age_at_death = age
    case.decedent.residence_county = "Riverside"
    case.decedent.save()
    case.identifiers.legal_name = f"Person {reference}"
    case.identifiers.save()
    ToxicologyResult.objects.create(case=case, substance="fentanyl")
    return case


class ReportsTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # 2025: 12 men and 3 women; 2024: 11 men.
        for number in range(12):
            reviewed_case(cls.team, f"RIV-2025-{100 + number}", year=2025, sex="male", age=40)
        for number in range(3):
            reviewed_case(cls.team, f"RIV-2025-{200 + number}", year=2025, sex="female", age=30)
        for number in range(11):
            reviewed_case(cls.team, f"RIV-2024-{100 + number}", year=2024, sex="male", age=50)
        cls.recommendation.title = '=HYPERLINK("http://evil.example")'
        cls.recommendation.save()
        # The CSV carries no title; the lead agency's name is the cell a formula could hide in.
        cls.health.name = '=HYPERLINK("http://evil.example")'
        cls.health.save()

    def url(self, name: str, year: int = 2025) -> str:
        return reverse(f"recommendations:{name}", kwargs={"team": self.team.code, "year": year})

    def test_the_sex_by_year_table_suppresses_small_cells_and_their_complements(self):
        tables = {t.title: t.table for t in aggregates_by_year(self.team, [2024, 2025])}
        table = tables["Reviewed deaths by sex and year of death"]
        self.assertEqual(table.row_labels, ("Female", "Male"))
        female_2024, female_2025 = table.cells[0]
        male_2024, male_2025 = table.cells[1]
        self.assertEqual(female_2024.value, 0)  # zeros are shown
        self.assertEqual(female_2025.reason, "primary")  # 3
        self.assertTrue(table.row_totals[0].suppressed)  # female total 3
        # The 2025 column would give the 3 away: its other cell or its total goes too.
        self.assertTrue(male_2025.suppressed or table.column_totals[1].suppressed)
        self.assertEqual(male_2024.value, 11)

    def test_the_annual_report_counts_only_that_years_reviewed_deaths(self):
        report = annual_report(self.team, 2025)
        self.assertEqual(report.deaths, 15)
        tables = {t.title: t.table for t in report.tables}
        sex = tables["Reviewed deaths by sex"]
        self.assertEqual([c.value for row in sex.cells for c in row], [None, None])
        self.assertEqual(sex.grand_total.value, 15)
        self.assertEqual(report.recommendations[0].recommendation.team, self.team)

    def test_the_csv_is_neutralised_against_formulas(self):
        self.assertEqual(neutralise("=1+1"), "'=1+1")
        self.assertEqual(neutralise("-5"), "'-5")
        self.assertEqual(neutralise("@SUM"), "'@SUM")
        self.assertEqual(neutralise("plain"), "plain")
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("annual_report_csv"))
        self.assertEqual(response["Content-Type"], "text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        cells = [cell for row in rows for cell in row]
        self.assertIn('\'=HYPERLINK("http://evil.example")', cells)  # the agency
        self.assertFalse(any(cell.startswith(("=", "+", "@")) for cell in cells))
        self.assertNotIn("Person RIV-2025-100", response.content.decode())
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual((event.action, event.detail), ("export", "annual report 2025 (CSV)"))

    def test_with_spanish_chosen_the_pages_render_and_the_csvs_stay_english(self):
        # The CSVs are a machine format: built in English whatever the language.
        self.client.force_login(self.coordinator)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        for name in ("annual_report", "annual_report_years", "selection_report"):
            self.assertEqual(self.client.get(self.url(name)).status_code, 200, name)
        annual = self.client.get(self.url("annual_report_csv")).content.decode()
        self.assertIn("Reviewed deaths by sex", annual)
        recommendation = Recommendation.objects.get(pk=self.recommendation.pk)
        with translation.override("es"):
            spanish = [
                str(recommendation.get_status_display()),
                str(recommendation.get_category_display()),
            ]
        self.assertNotIn(spanish[0], annual)  # the labels, in English
        self.assertNotIn(spanish[1], annual)
        with translation.override("en"):
            self.assertIn(str(recommendation.get_category_display()), annual)
        years = self.client.get(self.url("annual_report_years_csv")).content.decode()
        self.assertIn("Reviewed deaths by sex and year of death", years)
        selection = self.client.get(self.url("selection_report_csv")).content.decode()
        self.assertIn("Jan–Mar", selection)

    def test_the_pdf_has_no_decedent_names(self):
        self.client.force_login(self.oversight)
        response = self.client.get(self.url("annual_report_pdf"))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = " ".join(pdf_pages(response.content))
        self.assertIn("annual report 2025", text)
        self.assertIn("Reviewed deaths by sex", text)
        for name in ("Person RIV", "Jordan Example"):
            self.assertNotIn(name, text)

    def test_who_may_read_reports(self):
        for user, status in (
            (self.coordinator, 200),
            (self.facilitator, 200),
            (self.oversight, 200),
            (self.reviewer, 403),
            (self.partner, 403),
            (self.outsider, 404),
            (self.admin, 404),
        ):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url("annual_report")).status_code, status, user)
        self.client.logout()
        self.assertEqual(self.client.get(self.url("annual_report")).status_code, 302)
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(self.url("annual_report", 1800)).status_code, 404)

    def test_the_html_report_shows_stars_for_suppressed_cells(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("annual_report"))
        self.assertContains(response, "<td>*</td>", html=False)
        self.assertContains(response, "Counts from 1 to 9 are suppressed")
        self.assertNotContains(response, "RIV-2025-100")
        self.assertEqual(Recommendation.objects.filter(team=self.team).count(), 2)

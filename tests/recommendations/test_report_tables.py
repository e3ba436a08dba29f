"""The report's cross tables: county by substance class, the SUDORS-aligned
circumstances, findings by system and kind, and the multi-year page; the
CSVs carry no free text.

The fixture's counts are worked out by hand below (threshold 3: counts of 1
and 2 are hidden), and the tables are written out literally."""

import csv
import io
from datetime import date

from django.db import connection, models
from django.urls import reverse

from cases.models import (
    Case,
    Finding,
    Note,
    TimelineEvent,
    ToxicologyResult,
)
from ofr.models import AccessEvent
from recommendations.models import FundingSource, Recommendation, WorkPlanTask
from recommendations.reports import SUDORS_ITEMS, annual_report, answer_of, multi_year_report
from recommendations.suppression import display
from tests.base import OFRTestCase
from tests.pdf import pdf_pages

# (county, substances, bystander, naloxone, naloxone by, routes, release, from, prior)
CASES = [
    ("Riverside", ["fentanyl", "cocaine"], "yes", "yes", ["ems", "bystander"],
     ["injection", "smoking"], "yes", ["jail"], "yes"),
    ("Riverside", ["fentanyl"], "yes", "yes", ["ems"], ["smoking"], "yes",
     ["jail", "sud_treatment"], "yes"),
    ("Riverside", ["fentanyl", "methamphetamine"], "yes", "yes", [], ["smoking"], "yes", [],
     "yes"),
    ("Riverside", ["fentanyl"], "yes", "yes", ["ems"], ["no_reported_route"], "no", [], "no"),
    ("Riverside", ["cocaine"], "no", "no", [], ["snorting"], "no", [], "no"),
    ("Lakeside", ["fentanyl"], "no", "no", [], [], "no", [], "no"),
    ("Lakeside", ["fentanyl", "alcohol"], "no", "unknown", [], [], "unknown", [], "no"),
    ("Lakeside", ["fentanyl", "cocaine", "methamphetamine"], "unknown", "not_collected", [], [],
     "not_collected", [], "no"),
    ("", ["fentanyl"], "not_collected", "not_collected", [], [], "not_collected", [],
     "unknown"),
    ("Riverside", [], "not_collected", "not_collected", [], [], "not_collected", [],
     "not_collected"),
]  # fmt: skip


def make_case(team, reference: str, spec, *, year: int = 2025, status: str = "reviewed") -> Case:
    county, substances, bystander, naloxone, by, routes, release, places, prior = spec
    case = Case.objects.create(team=team, reference=reference, status=status)
    case.death.date_of_death = date(year, 6, 1)
    case.death.save()
    case.decedent.residence_county = county
    case.decedent.save()
    circumstances = case.circumstances
    circumstances.bystander_present = bystander
    circumstances.naloxone_administered = naloxone
    circumstances.naloxone_administered_by = by
    circumstances.route_of_use = routes
    circumstances.recent_release = release
    circumstances.recent_release_from = places
    circumstances.prior_overdose_past_year = prior
    circumstances.save()
    for substance in substances:
        ToxicologyResult.objects.create(case=case, substance=substance)
    return case


def shown(part) -> list[list[str]]:
    """The table as printed: header, rows with their totals, and the total row."""
    table = part.table
    return [
        ["", *table.column_labels, "Total"],
        *[[label, *map(display, cells), display(total)] for label, cells, total in table.rows],
        ["Total", *map(display, table.column_totals), display(table.grand_total)],
    ]


class ReportFixture(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.team.small_cell_threshold = 3
        cls.team.save()
        cls.cases = [
            make_case(cls.team, f"RIV-2025-{100 + n}", spec) for n, spec in enumerate(CASES)
        ]
        cls.cases[9].status = Case.Status.CLOSED  # closed cases count as reviewed
        cls.cases[9].save()
        # Neither counts in 2025: a case not yet reviewed, and a 2024 death.
        make_case(cls.team, "RIV-2025-900", CASES[0], status="open")
        make_case(cls.team, "RIV-2024-900", CASES[0], year=2024)
        for case, system, kind in (
            (cls.cases[0], "ems", "missed_opportunity"),
            (cls.cases[1], "ems", "missed_opportunity"),
            (cls.cases[2], "ems", "missed_opportunity"),
            (cls.cases[3], "ems", "good_practice"),
            (cls.cases[4], "criminal_legal", "missed_opportunity"),
        ):
            Finding.objects.create(
                case=case, system=system, kind=kind, description="x", proposed_by=cls.reviewer
            )
        Finding.objects.create(
            case=cls.cases[5],
            system="ems",
            kind="system_gap",
            description="x",
            status="withdrawn",
            proposed_by=cls.reviewer,
        )


class ReportTablesTestCase(ReportFixture):
    def report(self):
        return annual_report(self.team, 2025)

    def part(self, title: str):
        return next(part for part in self.report().case_tables if part.title == title)

    def test_county_by_substance_class_with_its_complements(self):
        # By hand, before suppression (a death counts in each class it involves):
        #             Fentanyl  Stimulants  Alcohol  Unknown  Total
        #   Lakeside      3          1         1        0       5
        #   Riverside     4          3         0        1       8
        #   Unknown       1          0         0        0       1
        #   Total         8          4         1        1      14
        # Primary (1 or 2): Lakeside's stimulants and alcohol, Riverside's unknown,
        # the unknown county's fentanyl and total, the alcohol and unknown column
        # totals. Complements: Lakeside's total (5) and fentanyl (3), so that the
        # unknown county's 1 cannot be taken from the fentanyl column or the
        # totals column; Riverside's stimulants (3) and the stimulant total (4), so
        # that Riverside's 1 cannot be taken from its row.
        part = self.part("Reviewed deaths by county of residence and substance class")
        self.assertEqual(
            shown(part),
            [
                ["", "Fentanyl and analogues", "Stimulants", "Alcohol", "Unknown", "Total"],
                ["Lakeside", "*", "*", "*", "0", "*"],
                ["Riverside", "4", "*", "0", "*", "8"],
                ["Unknown", "*", "0", "0", "0", "*"],
                ["Total", "8", "*", "*", "*", "14"],
            ],
        )
        self.assertIn("each substance class it involves", part.note)

    def test_the_sudors_tables_keep_unknown_and_not_collected_apart_from_no(self):
        tables = {part.title: shown(part) for part in self.report().sudors}
        head = ["", "Deaths", "Total"]
        # Yes 4, No 3, Unknown 1, Not collected 2: the two hidden add up to 3,
        # which is not small, so nothing more is hidden.
        self.assertEqual(
            tables["Reviewed deaths by potential bystander present"],
            [
                head,
                ["Yes", "4", "4"],
                ["No", "3", "3"],
                ["Unknown", "*", "*"],
                ["Not collected", "*", "*"],
                ["Total", "10", "10"],
            ],
        )
        # EMS 3 (cases 1, 2, 4), bystander 1 (case 1, with EMS), yes without who 1
        # (case 3), no 2, unknown 1, not collected 3: 11 answers from 10 deaths.
        self.assertEqual(
            tables["Reviewed deaths by naloxone administered, and by whom"],
            [
                head,
                ["Yes: EMS", "3", "3"],
                ["Yes: Law enforcement", "0", "0"],
                ["Yes: Fire", "0", "0"],
                ["Yes: Bystander", "*", "*"],
                ["Yes: Other", "0", "0"],
                ["Yes, by whom not recorded", "*", "*"],
                ["No", "*", "*"],
                ["Unknown", "*", "*"],
                ["Not collected", "3", "3"],
                ["Total", "11", "11"],
            ],
        )
        # Injection 1, smoking 3, snorting 1, no route reported 1, not collected 5.
        self.assertEqual(
            tables["Reviewed deaths by route of use"],
            [
                head,
                ["Injection", "*", "*"],
                ["Smoking", "3", "3"],
                ["Snorting", "*", "*"],
                ["Ingestion (swallowing)", "0", "0"],
                ["Other", "0", "0"],
                ["No route reported", "*", "*"],
                ["Not collected", "5", "5"],
                ["Total", "11", "11"],
            ],
        )
        # Jail 2, residential SUD treatment 1 (case 2 from both), yes without where 1,
        # no 3, unknown 1, not collected 3.
        self.assertEqual(
            tables["Reviewed deaths by recent release from jail, prison or treatment"],
            [
                head,
                ["Yes: Jail", "*", "*"],
                ["Yes: Prison", "0", "0"],
                ["Yes: Residential SUD treatment", "*", "*"],
                ["Yes: Hospital", "0", "0"],
                ["Yes: Inpatient psychiatric facility", "0", "0"],
                ["Yes: Other", "0", "0"],
                ["Yes, from where not recorded", "*", "*"],
                ["No", "3", "3"],
                ["Unknown", "*", "*"],
                ["Not collected", "3", "3"],
                ["Total", "11", "11"],
            ],
        )
        # Yes 3, no 5, unknown 1, not collected 1: the hidden 1 and 1 add up to 2
        # beside a shown total, so the smallest other count (yes, 3) is hidden too.
        self.assertEqual(
            tables["Reviewed deaths by prior overdose in the past year"],
            [
                head,
                ["Yes", "*", "*"],
                ["No", "5", "5"],
                ["Unknown", "*", "*"],
                ["Not collected", "*", "*"],
                ["Total", "10", "10"],
            ],
        )

    def test_the_sudors_notes_name_the_mapped_variable(self):
        notes = {part.title: part.note for part in self.report().sudors}
        self.assertIn(
            "SUDORS variable PreviousOverdose",
            notes["Reviewed deaths by prior overdose in the past year"],
        )
        self.assertIn("No SUDORS variable name", notes["Reviewed deaths by route of use"])

    def test_answer_of_reads_one_item_of_one_case(self):
        first, ninth = self.cases[0], self.cases[8]
        self.assertEqual(answer_of(first, "naloxone"), ["Yes: EMS", "Yes: Bystander"])
        self.assertEqual(answer_of(self.cases[2], "naloxone"), ["Yes, by whom not recorded"])
        self.assertEqual(answer_of(ninth, "route_of_use"), ["Not collected"])
        self.assertEqual(answer_of(ninth, "prior_overdose"), ["Unknown"])
        for item in SUDORS_ITEMS:  # every answer is one of the item's rows
            for case in self.cases:
                self.assertLessEqual(set(answer_of(case, item.key)), set(item.rows))
        with self.assertRaises(KeyError):
            answer_of(first, "not_an_item")

    def test_findings_by_system_and_kind(self):
        # EMS: missed opportunity 3, good practice 1; criminal legal: missed
        # opportunity 1; the withdrawn finding does not count.
        self.assertEqual(
            shown(self.part("Findings by system and kind")),
            [
                [
                    "",
                    "Missed opportunity",
                    "System gap",
                    "Risk factor",
                    "Protective factor",
                    "Good practice",
                    "Total",
                ],
                ["Criminal legal", "*", "0", "0", "0", "0", "*"],
                ["EMS", "*", "0", "0", "0", "*", "4"],
                ["Total", "4", "0", "0", "0", "*", "*"],
            ],
        )

    def test_the_multi_year_tables_have_a_column_a_year(self):
        report = multi_year_report(self.team, 2025)
        self.assertEqual(report.years, [2021, 2022, 2023, 2024, 2025])
        tables = {part.title: shown(part) for part in report.tables}
        # 2024: one Riverside death; 2025: Lakeside 3, Riverside 6, unknown 1.
        self.assertEqual(
            tables["Reviewed deaths by county of residence and year of death"],
            [
                ["", "2021", "2022", "2023", "2024", "2025", "Total"],
                ["Lakeside", "0", "0", "0", "0", "3", "3"],
                ["Riverside", "0", "0", "0", "*", "*", "7"],
                ["Unknown", "0", "0", "0", "0", "*", "*"],
                ["Total", "0", "0", "0", "*", "10", "*"],
            ],
        )
        for title in (
            "age group",
            "sex",
            "race and ethnicity",
            "substances involved",
            "manner of death",
            "prior overdose in the past year",
        ):
            self.assertIn(f"Reviewed deaths by {title} and year of death", tables)


class ReportPagesTestCase(ReportFixture):
    """The pages, downloads and who may read them."""

    def url(self, name: str, year: int = 2025) -> str:
        return reverse(f"recommendations:{name}", kwargs={"team": self.team.code, "year": year})

    def test_the_annual_report_page_shows_the_new_tables_and_charts(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url("annual_report"))
        for title in (
            "Reviewed deaths by county of residence and substance class",
            "Reviewed deaths by naloxone administered, and by whom",
            "Findings by system and kind",
        ):
            self.assertContains(response, title)
        self.assertContains(response, '<svg xmlns="http://www.w3.org/2000/svg"')
        self.assertContains(response, self.url("annual_report_years"))

    def test_the_pdf_carries_the_tables(self):
        self.client.force_login(self.oversight)
        for name in ("annual_report_pdf", "annual_report_years_pdf"):
            response = self.client.get(self.url(name))
            self.assertEqual(response["Content-Type"], "application/pdf")
            text = " ".join(" ".join(pdf_pages(response.content)).split())
            self.assertIn("Reviewed deaths by", text)
        self.assertIn("county of residence and year of death", text)

    def test_the_multi_year_page_and_its_downloads(self):
        self.client.force_login(self.facilitator)
        response = self.client.get(self.url("annual_report_years"))
        self.assertContains(response, "Reviewed deaths by year, 2021 to 2025")
        self.assertContains(response, "Reviewed deaths by sex and year of death")
        response = self.client.get(self.url("annual_report_years_csv"))
        self.assertEqual(response["Content-Type"], "text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertIn(["Lakeside", "0", "0", "0", "0", "3", "3"], rows)
        event = AccessEvent.objects.order_by("-seq").first()
        self.assertEqual(
            (event.action, event.detail), ("export", "reviewed deaths by year 2021-2025 (CSV)")
        )

    def test_who_may_read_the_multi_year_page(self):
        for name in ("annual_report_years", "annual_report_years_csv"):
            for user, status in (
                (self.coordinator, 200),
                (self.data_manager, 200),
                (self.oversight, 200),
                (self.reviewer, 403),
                (self.officer, 403),
                (self.partner, 403),
                (self.outsider, 404),
                (self.admin, 404),
            ):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url(name)).status_code, status, user)
            self.client.logout()
            response = self.client.get(self.url(name))
            self.assertRedirects(response, f"{reverse('login')}?next={self.url(name)}")
        self.client.force_login(self.coordinator)
        self.assertEqual(self.client.get(self.url("annual_report_years", 1800)).status_code, 404)
        self.assertEqual(self.client.get(self.url("annual_report_years", 2999)).status_code, 404)

    def test_the_query_counts_are_pinned(self):
        self.client.force_login(self.coordinator)
        self.client.get(self.url("annual_report"))
        # None grows with the cases.
        with self.assertNumQueries(REPORT_QUERIES):
            self.client.get(self.url("annual_report"))
        with self.assertNumQueries(YEARS_QUERIES):
            self.client.get(self.url("annual_report_years"))
        # The CSV adds its export access event (the last hash, the insert, a savepoint).
        with self.assertNumQueries(REPORT_QUERIES + 4 + (connection.vendor == "postgresql")):
            self.client.get(self.url("annual_report_csv"))
        for n in range(5):
            make_case(self.team, f"RIV-2025-3{n:02d}", CASES[n % len(CASES)])
        with self.assertNumQueries(REPORT_QUERIES):
            self.client.get(self.url("annual_report"))
        with self.assertNumQueries(YEARS_QUERIES):
            self.client.get(self.url("annual_report_years"))


# Published on purpose (the county table's rows), or tied to a constraint.
NOT_PLANTED = {"residence_county", "api_key_name"}


def free_text_fields(obj) -> list[models.Field]:
    return [
        f
        for f in obj._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and f.editable
        and f.name not in NOT_PLANTED
    ]


class CsvFreeTextTestCase(ReportFixture):
    """A canary in every free-text field of a counted case file, its findings,
    the recommendations, their updates, tasks and funding: none reaches a CSV."""

    def plant(self, *objects) -> list[str]:
        canaries = []
        for obj in objects:
            for field in free_text_fields(obj):
                n = len(canaries)
                long_enough = field.max_length is None or field.max_length >= 9
                canary = f"CANARY{n:03d}" if long_enough else f"Z{n:03d}Q"
                setattr(obj, field.name, canary)
                canaries.append(canary)
            obj._history_user = self.coordinator
            obj._change_reason = "Canaries planted"
            obj.save()
        return canaries

    def test_no_free_text_reaches_any_report_csv(self):
        case = self.cases[0]
        event = TimelineEvent.objects.create(
            case=case, date=date(2025, 5, 1), system="ems", touchpoint_type="ems_response"
        )
        note = Note.objects.create(case=case, author=self.reviewer, text="x")
        tasks = list(WorkPlanTask.objects.filter(recommendation__team=self.team))
        funding = FundingSource.objects.create(recommendation=self.recommendation, kind="other")
        canaries = self.plant(
            case,
            case.decedent,
            case.identifiers,
            case.death,
            *case.toxicology.all(),
            event,
            note,
            *Finding.objects.filter(case=case),
            *Recommendation.objects.filter(team=self.team),
            *self.recommendation.updates.all(),
            *tasks,
            funding,
        )
        self.assertGreater(len(canaries), 30)
        self.client.force_login(self.coordinator)
        csvs = {
            name: self.client.get(
                reverse(f"recommendations:{name}", args=[self.team.code, 2025])
            ).content.decode()
            for name in ("annual_report_csv", "annual_report_years_csv")
        }
        csvs["cases:sudors_export"] = self.client.get(
            reverse("cases:sudors_export", args=[self.team.code])
        ).content.decode()
        for name, body in csvs.items():
            expected = "PreviousOverdose" if name == "cases:sudors_export" else "Riverside"
            self.assertIn(expected, body, name)  # the download worked
            found = [canary for canary in canaries if canary in body]
            self.assertEqual(found, [], name)
        # The canaries are there to be found: the page shows the planted title.
        page = self.client.get(
            reverse("recommendations:annual_report", args=[self.team.code, 2025])
        )
        self.assertContains(page, self.recommendation_title())

    def recommendation_title(self) -> str:
        self.recommendation.refresh_from_db()
        return self.recommendation.title


class PublishableNarrativesTestCase(ReportFixture):
    def page(self):
        self.client.force_login(self.coordinator)
        return self.client.get(
            reverse("recommendations:annual_report", args=[self.team.code, 2025])
        )

    def test_statements_and_narratives_show_only_when_marked_publishable(self):
        statement, narrative = self.recommendation.statement, self.update.narrative
        response = self.page()
        self.assertContains(response, self.recommendation.title)
        self.assertNotContains(response, statement)
        self.assertNotContains(response, narrative)
        self.recommendation.publishable = True
        self.recommendation._history_user = self.coordinator
        self.recommendation.save()
        response = self.page()
        self.assertContains(response, statement)
        self.assertContains(response, narrative)
        csv_body = self.client.get(
            reverse("recommendations:annual_report_csv", args=[self.team.code, 2025])
        ).content.decode()
        for text in (statement, narrative, self.recommendation.title):
            self.assertNotIn(text, csv_body)

    def test_editors_mark_it_on_the_recommendation_form_with_history(self):
        self.client.force_login(self.coordinator)
        url = reverse("recommendations:edit", args=[self.recommendation.code])
        form = self.client.get(url).context["form"]
        self.assertIn("publishable", form.fields)
        data = {
            name: value
            for name, value in form.initial.items()
            if value is not None and name not in ("partners", "linked_findings")
        }
        data.update(publishable="on", opened_version=self.recommendation.version)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.recommendation.refresh_from_db()
        self.assertTrue(self.recommendation.publishable)
        latest = self.recommendation.history.first()
        self.assertTrue(latest.publishable)
        self.assertEqual(latest.history_user, self.coordinator)
        self.assertEqual(latest.history_change_reason, "Recommendation edited")


# Session, user, team, memberships, cases, toxicology; the annual report adds
# findings, recommendations and their updates, and the community services by kind.
YEARS_QUERIES = 6
REPORT_QUERIES = YEARS_QUERIES + 4

import json
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from cases.access import cases_for_user
from cases.models import (
    Case,
    CaseGroupObjectPermission,
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    TimelineEvent,
)
from demo import bench_dataset, bench_pages
from ofr.models import Membership

SIZES = {"cases": 30, "events": 200, "detail_events": 20}


class BenchTestCase(TestCase):
    """The benchmark's build and measure functions at a tiny size, in-process."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.dataset = bench_dataset.build_dataset(**SIZES)
        cls.report = bench_pages.measure(cls.dataset, requests=1, warmup=1)
        cls.results = {(r.user, r.page): r for r in cls.report.results}

    def grants(self, case: Case) -> set[tuple[int, int]]:
        rows = CaseGroupObjectPermission.objects.filter(content_object=case)
        return set(rows.values_list("group_id", "permission_id"))

    def test_it_builds_the_requested_sizes(self):
        team = self.dataset.team
        self.assertEqual(team.cases.count(), 30)
        self.assertEqual(TimelineEvent.objects.filter(case__team=team).count(), 200)
        self.assertEqual(self.dataset.detail_case.timeline_events.count(), 20)
        self.assertEqual(self.dataset.small_case.timeline_events.count(), 1)
        found = bench_dataset.find_dataset()
        self.assertEqual((found.cases, found.events, found.detail_events), (30, 200, 20))
        self.assertTrue(bench_dataset.is_benchmark_database())

    def test_it_writes_a_history_row_for_every_row(self):
        self.assertEqual(Case.history.filter(team=self.dataset.team).count(), 30)
        self.assertEqual(TimelineEvent.history.count(), TimelineEvent.objects.count())
        row = TimelineEvent.history.first()
        self.assertEqual(row.history_change_reason, "Benchmark data")
        self.assertEqual(row.history_user, self.dataset.coordinator)
        for model in (Decedent, DecedentIdentifiers, DeathDetails, Circumstances):
            with_history = model.history.values("id").distinct().count()
            self.assertEqual(with_history, model.objects.count(), model)

    def test_it_gives_bulk_built_cases_what_case_save_gives(self):
        saved = Case.objects.create(team=self.dataset.team, reference="SAVED-1")
        bulk_built = self.dataset.small_case
        self.assertEqual(self.grants(bulk_built), self.grants(saved))
        for model in bench_dataset.SECTION_MODELS:
            self.assertTrue(model.objects.filter(case=bulk_built).exists(), model)
        sections = {f.related_model for f in Case._meta.related_objects if f.one_to_one}
        self.assertEqual(sections, set(bench_dataset.SECTION_MODELS))
        self.assertIsNotNone(bulk_built.death.date_of_death)

    def test_it_keeps_the_other_teams_cases_from_the_benchmark_users(self):
        visible = cases_for_user(self.dataset.coordinator, "view_case")
        self.assertEqual(visible.count(), 30)
        self.assertGreater(Case.objects.exclude(team=self.dataset.team).count(), 0)

    def test_it_measures_every_page_with_status_200(self):
        # 30 cases have too few overdue requests for a second page: it is left out.
        pages = [key for key, *_ in bench_pages.pages(self.dataset) if key != "overdue_next"]
        for user in ("coordinator", "reviewer"):
            for page in pages:
                if user == "reviewer" and page == "overdue":
                    continue
                result = self.results[(user, page)]
                self.assertEqual(result.status, 200, (user, page))
                self.assertGreater(result.queries, 0, (user, page))
                self.assertGreater(result.median_ms, 0, (user, page))
                self.assertGreater(result.bytes, 0, (user, page))
        self.assertEqual(len(self.report.results), 2 * len(pages) - 1)

    def test_it_finds_the_detail_query_count_constant(self):
        for user in ("coordinator", "reviewer"):
            self.assertEqual(
                self.results[(user, "detail")].queries,
                self.results[(user, "detail_small")].queries,
            )
            self.assertEqual(
                self.results[(user, "list")].queries, self.results[(user, "list_far")].queries
            )
        invariance = [passed for name, passed, _ in self.report.checks if "query count" in name]
        self.assertEqual(invariance, [True] * 6)

    def result(self, user, page, median, queries):
        return bench_pages.PageResult(
            user=user,
            page=page,
            label=page,
            url="/",
            status=200,
            queries=queries,
            bytes=1,
            median_ms=median,
            p95_ms=median,
            min_ms=median,
            max_ms=median,
            requests=1,
        )

    def test_it_fails_a_slow_page_or_a_growing_query_count(self):
        results = [
            self.result("coordinator", page, median, queries)
            for page, median, queries in (
                ("list", 10.0, 5),
                ("list_far", 10.0, 5),
                ("detail", 151.0, 19),
                ("detail_small", 10.0, 18),
            )
        ]
        checks = {name: passed for name, passed, _ in bench_pages.checks(results, 60, 300)}
        self.assertFalse(checks["coordinator: detail median <= 150 ms"])
        self.assertTrue(checks["coordinator: list median <= 150 ms"])
        self.assertFalse(checks["coordinator: same query count, case detail, 1 vs 60 events"])
        self.assertTrue(checks["coordinator: same query count, case list, page 1 vs page 20"])

    def test_at_full_size_it_holds_the_pages_to_their_targets(self):
        pages = (
            ("list", 25.0, 6),
            ("list_far", 31.0, 6),
            ("detail", 19.0, 11),
            ("detail_small", 10.0, 11),
            ("history", 39.0, 30),
            ("recommendations", 9.0, 7),
            ("recommendations_far", 9.0, 8),
        )
        results = [self.result("coordinator", *page) for page in pages]
        results += [
            self.result("reviewer", page, median * 1.3, queries) for page, median, queries in pages
        ]
        checks = {name: passed for name, passed, _ in bench_pages.checks(results, 60, 10_000)}
        self.assertTrue(checks["coordinator: list median <= 30 ms"])
        self.assertFalse(checks["coordinator: list_far median <= 30 ms"])
        self.assertTrue(checks["coordinator: detail median <= 20 ms"])
        self.assertFalse(checks["coordinator: detail in <= 10 queries"])
        self.assertTrue(checks["coordinator: history median <= 40 ms"])
        self.assertFalse(checks["reviewer: history median <= 40 ms"])
        self.assertFalse(checks["coordinator: same query count, recommendations, 1 vs 20"])
        self.assertFalse(checks["reviewer's case list within 1.2x the coordinator's"])

    def test_it_reports_a_table_and_json(self):
        text = bench_pages.format_report(self.report)
        self.assertIn("Case detail, 20 events", text)
        self.assertIn("Targets", text)
        data = json.loads(json.dumps(self.report.as_dict()))
        self.assertEqual(len(data["results"]), len(self.report.results))
        self.assertIn("ok", data)

    def test_it_fails_loudly_when_a_page_does_not_answer_200(self):
        membership = Membership.objects.get(user=self.dataset.coordinator)
        membership.end(on=date.today() - timedelta(days=1), reason="Left the team")
        with self.assertRaises(bench_pages.PageFailed):
            bench_pages.measure(self.dataset, requests=1, warmup=0)

    def test_it_takes_the_p95_by_nearest_rank(self):
        self.assertEqual(bench_pages.percentile([float(n) for n in range(1, 31)], 0.95), 29.0)
        self.assertEqual(bench_pages.percentile([5.0], 0.95), 5.0)

    def test_it_refuses_the_project_database(self):
        project_db = str(Path(settings.BASE_DIR) / "db.sqlite3")
        for extra in ([], ["--keep"]):
            with self.assertRaisesMessage(CommandError, "the project's database"):
                call_command("bench", "--database", project_db, *extra)

    def test_it_refuses_an_existing_file_without_keep(self):
        with tempfile.NamedTemporaryFile(suffix=".sqlite3") as existing:
            with self.assertRaisesMessage(CommandError, "already exists. Add --keep"):
                call_command("bench", "--database", existing.name)

    def test_it_refuses_sizes_it_cannot_build(self):
        with self.assertRaisesMessage(CommandError, "at least 2 cases"):
            call_command("bench", "--cases", "1")
        with self.assertRaisesMessage(CommandError, "do not fit"):
            call_command("bench", "--events", "10", "--detail-events", "60")

    def test_it_takes_only_a_postgresql_database_other_than_the_projects(self):
        with self.assertRaisesMessage(CommandError, "must name a PostgreSQL database"):
            call_command("bench", "--database-url", "sqlite:///bench.sqlite3")
        with self.assertRaisesMessage(CommandError, "not both"):
            call_command(
                "bench", "--database-url", "postgres://u@h/b", "--database", "bench.sqlite3"
            )
        project = {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "db.internal",
            "PORT": 5432,
            "NAME": "ofr",
        }
        with mock.patch.dict(settings.DATABASES["default"], project):
            with self.assertRaisesMessage(CommandError, "the project's database"):
                call_command("bench", "--database-url", "postgres://ofr@db.internal:5432/ofr")
            with mock.patch("subprocess.run") as run:
                run.return_value.returncode = 0
                call_command("bench", "--database-url", "postgres://ofr@db.internal:5432/bench")
        environment = run.call_args.kwargs["env"]
        self.assertEqual(environment["DATABASE_URL"], "postgres://ofr@db.internal:5432/bench")
        self.assertNotIn("SQLITE_PATH", environment)

    def test_it_passes_build_only_to_its_worker(self):
        with mock.patch("subprocess.run") as run:
            run.return_value.returncode = 0
            call_command("bench", "--database-url", "postgres://u@h/bench", "--build-only")
        self.assertIn("--build-only", run.call_args.args[0])

    def test_its_worker_refuses_to_run_on_its_own(self):
        environment = {k: v for k, v in os.environ.items() if k != "OFR_BENCH_WORKER"}
        with mock.patch.dict(os.environ, environment, clear=True):
            with self.assertRaisesMessage(CommandError, "--worker is internal"):
                call_command("bench", "--worker")

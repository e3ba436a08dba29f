"""Recommendation.objects.open() / overdue() and WorkPlanTask.objects.overdue():
the filters reminders, lists and meeting packets rely on, checked against every
status and the due-date boundary, and against the per-object methods."""

from datetime import date, timedelta

from recommendations.models import Recommendation, Status, WorkPlanTask
from tests.base import OFRTestCase

TODAY = date(2025, 6, 15)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)
DUE_DATES = {"yesterday": YESTERDAY, "today": TODAY, "tomorrow": TOMORROW, "none": None}
# Written out rather than derived from CLOSED_STATUSES, so changing that set fails here.
OPEN = {"proposed", "adopted", "in_progress"}
CLOSED = {"implemented", "partially_implemented", "not_implemented", "no_longer_applicable"}


class QuerySetTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # One recommendation per (status, due date), on a team of its own so the
        # cast's recommendations stay out of the way.
        cls.rows: dict[tuple[str, str], Recommendation] = {}
        for status in Status.values:
            for when, due_on in DUE_DATES.items():
                cls.rows[(status, when)] = Recommendation.objects.create(
                    team=cls.other_team,
                    title=f"{status} due {when}",
                    statement="s",
                    action="a",
                    measure="m",
                    category="other",
                    level="agency",
                    status=status,
                    due_on=due_on,
                )
        cls.tasks: dict[tuple[str, bool, str], WorkPlanTask] = {}
        for status in ("in_progress", "implemented"):
            for done in (False, True):
                for when, due_on in DUE_DATES.items():
                    cls.tasks[(status, done, when)] = WorkPlanTask.objects.create(
                        recommendation=cls.rows[(status, "none")],
                        task=f"{status} {done} {when}",
                        owner="o",
                        due_on=due_on,
                        done=done,
                    )

    def recommendations(self):
        return Recommendation.objects.filter(team=self.other_team)

    def tasks_of_the_fixture(self):
        return WorkPlanTask.objects.filter(recommendation__team=self.other_team)

    def test_it_knows_every_status_as_open_or_closed(self):
        self.assertEqual(OPEN | CLOSED, set(Status.values))
        self.assertFalse(OPEN & CLOSED)

    def test_it_keeps_open_statuses_and_drops_closed_ones(self):
        opened = set(self.recommendations().open())
        for status in Status.values:
            for when in DUE_DATES:
                with self.subTest(status=status, due=when):
                    row = self.rows[(status, when)]
                    self.assertEqual(row in opened, status in OPEN)

    def test_it_calls_overdue_only_open_and_due_before_today(self):
        overdue = set(self.recommendations().overdue(TODAY))
        for status in Status.values:
            for when in DUE_DATES:
                with self.subTest(status=status, due=when):
                    row = self.rows[(status, when)]
                    self.assertEqual(row in overdue, status in OPEN and when == "yesterday")

    def test_it_does_not_call_a_recommendation_due_today_overdue(self):
        overdue = self.recommendations().overdue(TODAY)
        self.assertNotIn(self.rows[("adopted", "today")], overdue)
        self.assertIn(self.rows[("adopted", "today")], self.recommendations().overdue(TOMORROW))

    def test_it_agrees_with_the_per_object_methods(self):
        opened = set(self.recommendations().open())
        overdue = set(self.recommendations().overdue(TODAY))
        for row in self.recommendations():
            with self.subTest(row=row.title):
                self.assertEqual(row in opened, not row.is_closed)
                self.assertEqual(row in overdue, row.is_overdue(TODAY))

    def test_it_chains_with_other_filters(self):
        overdue = Recommendation.objects.filter(team=self.team).overdue(date(2100, 1, 1))
        self.assertFalse(overdue.exists())  # the cast's recommendations have no due date
        self.assertEqual(self.recommendations().open().overdue(TODAY).count(), len(OPEN))

    def test_it_calls_a_task_overdue_when_not_done_and_due_before_today(self):
        overdue = set(self.tasks_of_the_fixture().overdue(TODAY))
        for (status, done, when), task in self.tasks.items():
            with self.subTest(status=status, done=done, due=when):
                self.assertEqual(task in overdue, not done and when == "yesterday")
                self.assertEqual(task in overdue, task.is_overdue(TODAY))

    def test_it_keeps_only_tasks_of_open_recommendations(self):
        chased = set(self.tasks_of_the_fixture().overdue(TODAY).on_open_recommendations())
        self.assertEqual(chased, {self.tasks[("in_progress", False, "yesterday")]})

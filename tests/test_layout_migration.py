"""A database made before the meetings app (meetings were in the cases app)
migrates to the current layout: every table and row kept, the moved tables
untouched, the meeting links of recommendations copied to the meetings app
with history, the content types moved, and the access log still verifies.

The database is the one `make run` made on the last commit before the move
(tests/fixtures/README.md). It is SQLite; migrate runs in a child process on
a copy, as a deployment would run it."""

import gzip
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

FIXTURE = Path(__file__).parent / "fixtures" / "demo-044718c.sqlite3.gz"
MOVED = [
    "agendaitem",
    "attendance",
    "confidentialityagreement",
    "meeting",
    "packetcopy",
    "signature",
]
MOVED_TABLES = [f"cases_{name}" for name in MOVED] + [f"cases_historical{name}" for name in MOVED]
# Tables that migrate adds rows to: its own log, and the content types and
# permissions of the new link models.
GROWING = {"django_migrations", "django_content_type", "auth_permission"}


def tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return sorted(name for (name,) in rows if not name.startswith("sqlite_"))


# Table names below come from sqlite_master or this module, never from input.
def count(db: sqlite3.Connection, table: str) -> int:
    return db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608


def rows(db: sqlite3.Connection, table: str) -> list[tuple]:
    return db.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()  # noqa: S608


def change_an_adoption_twice(db: sqlite3.Connection) -> tuple[int, int, int, list[int]]:
    """As someone might have before the move: point an adopted recommendation at
    another meeting, then back, each with its own history row, user and reason."""
    recommendation_id, first_meeting = db.execute(
        "SELECT id, adopted_at_id FROM recommendations_recommendation"
        " WHERE adopted_at_id IS NOT NULL ORDER BY id LIMIT 1"
    ).fetchone()
    second_meeting = db.execute(
        "SELECT id FROM cases_meeting WHERE id != ? ORDER BY id LIMIT 1", [first_meeting]
    ).fetchone()[0]
    cursor = db.execute(
        "SELECT * FROM recommendations_historicalrecommendation WHERE id = ?"
        " ORDER BY history_date DESC, history_id DESC LIMIT 1",
        [recommendation_id],
    )
    last = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    first_user = db.execute(
        "SELECT history_user_id FROM recommendations_historicalrecommendation"
        " WHERE id = ? AND adopted_at_id = ? ORDER BY history_date, history_id LIMIT 1",
        [recommendation_id, first_meeting],
    ).fetchone()[0]
    others = [
        user_id
        for (user_id,) in db.execute("SELECT id FROM auth_user ORDER BY id")
        if user_id != first_user
    ][:2]
    for day, (meeting, user, reason) in enumerate(
        [
            (second_meeting, others[0], "Corrected meeting"),
            (first_meeting, others[1], "Back to the first meeting"),
        ],
        start=1,
    ):
        row = dict(last, history_id=None, history_type="~", adopted_at_id=meeting)
        row.update(history_user_id=user, history_change_reason=reason)
        row["history_date"] = f"2030-01-0{day} 12:00:00"
        names = ", ".join(row)
        marks = ", ".join("?" * len(row))
        db.execute(
            f"INSERT INTO recommendations_historicalrecommendation ({names}) VALUES ({marks})",  # noqa: S608
            list(row.values()),
        )
    return recommendation_id, first_meeting, second_meeting, [first_user, *others]


class LayoutMigrationTestCase(SimpleTestCase):
    def manage(self, path: Path, *args: str) -> str:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("AUDIT_KEY", "AUDIT_KEY_FALLBACKS", "DATABASE_URL")
        }
        # The fixture's access log is chained under the development key.
        env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{path}")
        done = subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        return done.stdout

    def test_a_database_from_before_the_meetings_app_migrates_with_every_row_kept(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "db.sqlite3"
            path.write_bytes(gzip.decompress(FIXTURE.read_bytes()))
            with sqlite3.connect(path) as db:
                changed = change_an_adoption_twice(db)
                before = {table: count(db, table) for table in tables(db)}
                moved_before = {table: rows(db, table) for table in MOVED_TABLES}
                adopted = db.execute(
                    "SELECT id, adopted_at_id FROM recommendations_recommendation"
                    " WHERE adopted_at_id IS NOT NULL ORDER BY id"
                ).fetchall()
                reported = db.execute(
                    "SELECT id, meeting_id FROM recommendations_progressupdate"
                    " WHERE meeting_id IS NOT NULL ORDER BY id"
                ).fetchall()
            self.assertTrue(adopted and reported and before["ofr_accessevent"])

            self.manage(path, "migrate", "--no-input")
            audit = self.manage(path, "verify_audit")

            self.assertIn(f"Access log OK: {before['ofr_accessevent']} rows verified", audit)
            with sqlite3.connect(path) as db:
                after = {table: count(db, table) for table in tables(db)}
                for table, rows_before in before.items():
                    with self.subTest(table=table):
                        self.assertIn(table, after)
                        if table in GROWING:
                            self.assertGreaterEqual(after[table], rows_before)
                        else:
                            self.assertEqual(after[table], rows_before)
                for table in MOVED_TABLES:
                    self.assertEqual(rows(db, table), moved_before[table], table)
                self.assertEqual(
                    db.execute(
                        "SELECT recommendation_id, meeting_id FROM meetings_adoptedrecommendation"
                        " ORDER BY recommendation_id"
                    ).fetchall(),
                    adopted,
                )
                self.assertEqual(
                    db.execute(
                        "SELECT update_id, meeting_id FROM meetings_reportedupdate"
                        " ORDER BY update_id"
                    ).fetchall(),
                    reported,
                )
                # Each copied link's history starts with who set it and when, and
                # keeps every later change of the old column.
                for table in ("adoptedrecommendation", "reportedupdate"):
                    columns = "id, history_type, history_user_id, history_change_reason"
                    query = f"SELECT {columns} FROM meetings_historical{table}"  # noqa: S608
                    history = db.execute(query + " ORDER BY history_date, history_id").fetchall()
                    firsts = {}
                    for link_id, kind, user_id, reason in history:
                        firsts.setdefault(link_id, kind)
                        self.assertIsNotNone(user_id)
                        self.assertIn("before the meetings app kept it", reason)
                    self.assertEqual(set(firsts.values()), {"+"})
                    self.assertEqual(len(firsts), after[f"meetings_{table}"])
                recommendation_id, first_meeting, second_meeting, users = changed
                history = db.execute(
                    "SELECT history_type, meeting_id, history_user_id, history_change_reason"
                    " FROM meetings_historicaladoptedrecommendation WHERE recommendation_id = ?"
                    " ORDER BY history_date, history_id",
                    [recommendation_id],
                ).fetchall()
                self.assertEqual(
                    [row[:3] for row in history],
                    [
                        ("+", first_meeting, users[0]),
                        ("~", second_meeting, users[1]),
                        ("~", first_meeting, users[2]),
                    ],
                )
                moved = "(kept on the recommendation before the meetings app kept it)"
                self.assertEqual(
                    [row[3] for row in history[1:]],
                    [f"Corrected meeting {moved}", f"Back to the first meeting {moved}"],
                )
                self.assertTrue(history[0][3].endswith(moved), history[0][3])
                self.assertEqual(
                    db.execute(
                        "SELECT meeting_id, recorded_by_id FROM meetings_adoptedrecommendation"
                        " WHERE recommendation_id = ?",
                        [recommendation_id],
                    ).fetchall(),
                    [(first_meeting, users[2])],
                )
                content_types = db.execute(
                    "SELECT model, app_label FROM django_content_type WHERE app_label IN"
                    " ('cases', 'meetings')"
                ).fetchall()
                apps = {model: app for model, app in content_types if model in MOVED}
                self.assertEqual(apps, dict.fromkeys(MOVED, "meetings"))

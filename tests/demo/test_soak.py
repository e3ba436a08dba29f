from django.test import SimpleTestCase

from demo.soak import Edit, PacketGate, Record, Write, edit_problems, wanted_state, write_problems


def edit(client: int, opened: int, value: str, status: int, started=0.0, finished=1.0) -> Edit:
    return Edit("case-a", client, opened, value, status, started, finished)


class SoakChecksTestCase(SimpleTestCase):
    """The soak's verdicts on recorded edits and writes against the stored state."""

    def stored(self, version: int, value: str, history: dict) -> dict:
        return {"case-a": {"version": version, "occupation": value, "history": history}}

    def test_it_accepts_saves_in_a_chain_and_counts_real_conflicts(self):
        edits = [
            edit(1, 4, "one", 302, started=0.0, finished=0.2),
            edit(2, 4, "two", 409, started=0.1, finished=0.3),  # client 1 saved from 4 first
            edit(2, 5, "three", 302, started=0.4, finished=0.5),
        ]
        state = self.stored(6, "three", {"4": "", "5": "one", "6": "three"})
        self.assertEqual(edit_problems(edits, state), ([], 1))

    def test_it_finds_two_saves_from_one_version(self):
        edits = [edit(1, 4, "one", 302), edit(2, 4, "two", 302)]
        state = self.stored(5, "two", {"5": "two"})
        problems, _real = edit_problems(edits, state)
        self.assertIn("case-a: 2 saves from version 4 (lost update)", problems)
        self.assertIn("case-a: saved 'one' as version 5, history has 'two'", problems)

    def test_it_finds_a_stored_value_that_is_not_the_last_save(self):
        edits = [edit(1, 4, "one", 302), edit(1, 5, "two", 302)]
        state = self.stored(6, "one", {"5": "one", "6": "two"})
        problems, _real = edit_problems(edits, state)
        self.assertEqual(len(problems), 1)
        self.assertIn("last save made version 6 'two' (lost update)", problems[0])

    def test_it_finds_a_conflict_nobody_caused(self):
        state = self.stored(5, "one", {"5": "one"})
        for conflicting in (
            [edit(1, 4, "one", 302), edit(2, 5, "two", 409)],  # nobody saved from 5
            [edit(1, 4, "one", 302), edit(1, 4, "two", 409)],  # only the client itself
            [edit(1, 4, "one", 302, started=2.0, finished=2.1), edit(2, 4, "two", 409)],  # later
        ):
            with self.subTest(conflicting=conflicting):
                problems, real = edit_problems(conflicting, state)
                self.assertEqual(real, 0)
                self.assertEqual(len(problems), 1)
                self.assertIn("409 for client", problems[0])

    def test_it_finds_writes_that_answered_success_but_are_not_stored(self):
        writes = [
            Write("note", "case-a", "n1", "Soak note 1-1"),
            Write("note", "case-a", "n2", "Soak note 1-2"),
            Write("upload", "case-a", "Soak document 1-3", "abc"),
            Write("upload", "case-a", "Soak document 1-4", "def"),
            Write("packet", "meeting", "p1", ""),
            Write("packet", "meeting", "p2", ""),
        ]
        state = {
            "notes": {"n1": "Soak note 1-1"},
            "uploads": {
                "Soak document 1-3": {"sha256": "abc", "file": True},
                "Soak document 1-4": {"sha256": "def", "file": False},
            },
            "packets": {"p1": {"status": "ready", "error": ""}},
        }
        problems = write_problems(writes, state)
        self.assertEqual(len(problems), 3)
        self.assertEqual(problems[0], "note n2 on case-a: stored None")
        self.assertIn("Soak document 1-4", problems[1])
        self.assertEqual(problems[2], "packet copy p2: missing")
        state["packets"]["p2"] = {"status": "failed", "error": "Timed out"}
        self.assertIn("'failed'", write_problems(writes, state)[2])
        record = Record(edits=[edit(1, 4, "one", 302)], writes=writes)
        wanted = wanted_state(record)
        self.assertEqual(wanted["cases"], ["case-a"])
        self.assertEqual(wanted["uploads"], ["Soak document 1-3", "Soak document 1-4"])

    def test_it_lets_one_packet_through_per_interval(self):
        gate = PacketGate(60)
        self.assertEqual([gate.take(), gate.take()], [True, False])
        self.assertTrue(PacketGate(0).take())

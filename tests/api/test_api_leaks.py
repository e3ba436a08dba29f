"""The leak matrix's canaries against the partner API: whatever a key asks
for (recommendations, updates, aggregates, case codes, the schema and docs)
or sends to case intake (the canary case's own identifiers, which make a
duplicate), no response and no access event of its calls holds a canary. A key acts for
an agency partner or a team's outside system: it may see no class of secret
(the oracle's "partner" row)."""

from django.test import Client

from ofr.models import AccessEvent
from tests.base import OFRTestCase
from tests.leaks import LeakCast, T, leaks_in


class ApiLeaksTestCase(LeakCast, OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.build_leak_cast()

    def paths(self) -> list[str]:
        codes = [
            self.recommendation.code,
            self.sheriff_recommendation.code,
            self.case.code,
            self.deferred_case.code,
            self.finding.code,
        ]
        return [
            "/api/v1/openapi.json",
            "/api/v1/docs",
            "/api/v1/recommendations",
            *(f"/api/v1/recommendations/{code}" for code in codes),
            *(f"/api/v1/recommendations/{code}/updates" for code in codes),
            "/api/v1/aggregates/2025",
            "/api/v1/aggregates/2026",
            f"/api/v1/cases/{self.case.code}",
            "/api/v1/cases",
        ]

    def intake_bodies(self) -> list:
        """The canary case's identifiers, alone, together and beside a new row:
        duplicates, answered without a word of the case they match."""
        known = {"me_case_number": T["id_me_number"], "death_certificate_number": T["id_dc_number"]}
        new = {"me_case_number": "ME-2026-7001", "manner": "Accident"}
        return [
            {"me_case_number": T["id_me_number"]},
            {"death_certificate_number": T["id_dc_number"]},
            {**known, "legal_name": T["id_legal_name"], "date_of_death": "2025-03-01"},
            [known, new, {"me_case_number": "ME-2026-7001"}],
        ]

    def test_it_leaks_no_canary_to_any_key(self):
        before = AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        leaks, checked = [], 0
        for name, token in self.api_tokens.items():
            client = Client(headers={"Authorization": f"Bearer {token}"})
            for path in self.paths():
                responses = [client.get(path)]
                if path.endswith("/updates"):
                    responses.append(
                        client.post(
                            path,
                            {"new_status": "in_progress", "narrative": "Kits ordered."},
                            content_type="application/json",
                        )
                    )
                if path == "/api/v1/cases":
                    responses += [
                        client.post(path, body, content_type="application/json")
                        for body in self.intake_bodies()
                    ]
                for response in responses:
                    checked += 1
                    self.assertLess(response.status_code, 500, path)
                    text = response.content.decode() + "\n".join(
                        f"{k}: {v}" for k, v in response.items()
                    )
                    found, _ = leaks_in(
                        text, role="partner", location="api", channel="api", label=name, url=path
                    )
                    leaks += found
        for event in AccessEvent.objects.filter(seq__gt=before):
            text = "\n".join((event.detail, event.object_id, event.object_type, event.username))
            found, _ = leaks_in(
                text, role="partner", location="access log", channel="access log", label="event"
            )
            leaks += found
        self.assertGreater(checked, 50)
        # The team's key was answered: three single duplicates (409, logged as
        # refusals) and the list (one import event: one created, one duplicate).
        intake = AccessEvent.objects.filter(seq__gt=before, detail__contains="intake:")
        self.assertEqual(
            [(e.action, e.detail.split(" ", 3)[2:]) for e in intake.order_by("seq")],
            [
                ("denied", ["409", "intake: 0 created, 1 duplicates, 0 errors"]),
                ("denied", ["409", "intake: 0 created, 1 duplicates, 0 errors"]),
                ("denied", ["409", "intake: 0 created, 1 duplicates, 0 errors"]),
                ("import", ["200", "intake: 1 created, 1 duplicates, 1 errors"]),
            ],
        )
        self.assertEqual([leak.line() for leak in leaks], [])

    def test_it_finds_the_canaries_it_looks_for(self):
        """A positive control: the scan sees a canary where one is."""
        token = next(iter(self.recommendation.findings.values_list("description", flat=True)))
        found, _ = leaks_in(token, role="partner", location="api", channel="api", label="control")
        self.assertTrue(found)

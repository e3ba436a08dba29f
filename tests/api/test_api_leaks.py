"""The leak matrix's canaries against the partner API: whatever a key asks
for (recommendations, updates, aggregates, case codes, the schema and docs),
no response and no access event of its calls holds a canary. A key acts for
an agency partner or a team's outside system: it may see no class of secret
(the oracle's "partner" row)."""

from django.test import Client

from ofr.models import AccessEvent
from tests.base import OFRTestCase
from tests.leaks import LeakCast, leaks_in


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
        self.assertEqual([leak.line() for leak in leaks], [])

    def test_it_finds_the_canaries_it_looks_for(self):
        """A positive control: the scan sees a canary where one is."""
        token = next(iter(self.recommendation.findings.values_list("description", flat=True)))
        found, _ = leaks_in(token, role="partner", location="api", channel="api", label="control")
        self.assertTrue(found)

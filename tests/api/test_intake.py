import json
from datetime import date

from django.test import override_settings
from django.urls import reverse

from api.models import ApiKey
from cases.models import Case, DecedentIdentifiers, ToxicologyResult
from tests.api.keys import issue_key
from tests.base import OFRTestCase

S = ApiKey.Scope
URL = "/api/v1/cases"

NEW_CASE = {
    "me_case_number": "ME-2026-0101",
    "legal_name": "Ada Example",
    "date_of_birth": "1980-01-02",
    "date_of_death": "01/15/2026",
    "manner": "Accident",
    "sex": "f",
    "age_at_death": 46,
    "naloxone_administered": True,
    "substance_1": "fentanyl",
    "substance_1_cause": "yes",
}


class CaseIntakeTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()

        def issue(name, agency, scopes):
            return issue_key(cls, name, agency, scopes)

        cls.intake_key, cls.intake_token = issue("ME feed", None, [S.INTAKE_CASES])
        cls.dashboard_key, cls.dashboard_token = issue("Dashboard", None, [S.READ_AGGREGATES])
        cls.agency_key, cls.agency_token = issue(
            "Health tracker", cls.health, [S.READ_RECOMMENDATIONS, S.POST_UPDATES]
        )

    def post(self, body, token=None):
        return self.client.post(
            URL,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token or self.intake_token}"},
        )

    def test_it_creates_a_case_and_answers_with_a_receipt_only(self):
        response = self.post(NEW_CASE)
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(set(body), {"item", "status", "receipt", "reasons"})
        self.assertEqual((body["status"], body["reasons"]), ("created", []))
        case = Case.objects.get(code=body["receipt"])
        self.assertEqual(case.team, self.team)
        self.assertIsNone(case.created_by)
        self.assertEqual(case.identifiers.me_case_number, "ME-2026-0101")
        self.assertEqual(case.identifiers.date_of_birth, date(1980, 1, 2))
        self.assertEqual((case.death.manner, case.decedent.sex), ("accident", "female"))
        self.assertEqual(case.decedent.age_at_death, 46)
        self.assertEqual(case.circumstances.naloxone_administered, "yes")
        self.assertEqual(
            list(case.toxicology.values_list("substance", "caused_death")), [("fentanyl", True)]
        )
        self.assertTrue(case.reference.startswith(f"{self.team.short_code}-2026-"))
        # Every write leaves a history row naming the key.
        reason = "API key ME feed intake"
        self.assertEqual(case.history.get().history_change_reason, reason)
        self.assertEqual(case.identifiers.history.get().history_change_reason, reason)
        self.assertEqual(
            ToxicologyResult.history.get(case_id=case.pk).history_change_reason, reason
        )
        # No identifier, no field and no reference echoed.
        text = response.content.decode()
        for value in ("ME-2026-0101", "Ada", "1980", "accident", "fentanyl", case.reference):
            self.assertNotIn(value.casefold(), text.casefold())
        # The team's groups hold the case as for any other.
        self.client.force_login(self.coordinator)
        page = self.client.get(reverse("cases:detail", args=[case.code]))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Ada Example")
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.get(reverse("cases:detail", args=[case.code])).status_code, 404
        )

    def test_it_refuses_a_duplicate_and_changes_nothing(self):
        before = self.case.identifiers.history.count()
        # The cast's case: Jordan Example, born 1990-06-15.
        body = {"legal_name": "JORDAN  example", "date_of_birth": "06/15/1990", "sex": "Male"}
        response = self.post(body)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["status"], "duplicate")
        self.assertIn("name and date of birth", response.json()["reasons"][0])
        self.assertNotIn(self.case.reference, response.content.decode())
        self.assertNotIn(str(self.case.code), response.content.decode())
        self.assertEqual(Case.objects.filter(team=self.team).count(), 1)
        self.assertEqual(self.case.identifiers.history.count(), before)
        self.case.decedent.refresh_from_db()
        self.assertEqual(self.case.decedent.sex, "")

    def test_it_gives_the_reasons_for_a_bad_value(self):
        response = self.post({**NEW_CASE, "date_of_death": "soon", "manner": "Drowned"})
        self.assertEqual(response.status_code, 400)
        reasons = response.json()["reasons"]
        self.assertEqual(response.json()["status"], "error")
        self.assertTrue(any(r.startswith("Date of death:") for r in reasons), reasons)
        self.assertTrue(any(r.startswith("Manner of death:") for r in reasons), reasons)
        for body in (
            {"legal_name": "No Identifier"},
            {**NEW_CASE, "manner_of_death": "Accident"},
            {**NEW_CASE, "legal_name": {"first": "Ada"}},
        ):
            response = self.post(body)
            self.assertEqual(response.status_code, 400, body)
        self.assertEqual(Case.objects.filter(team=self.team).count(), 1)

    def test_it_answers_a_list_item_by_item(self):
        second = {"death_certificate_number": "C-77", "date_of_death": "2026-02-01"}
        repeat = {"me_case_number": "me-2026-0101"}  # the first item's, spaced otherwise
        bad = {"me_case_number": "ME-2026-0103", "sex": "sometimes"}
        duplicate = {"legal_name": "Jordan Example", "date_of_birth": "1990-06-15"}
        response = self.post([NEW_CASE, second, repeat, bad, duplicate])
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["created"], body["duplicates"], body["errors"]), (2, 1, 2))
        statuses = [(r["item"], r["status"]) for r in body["results"]]
        self.assertEqual(
            statuses,
            [(1, "created"), (2, "created"), (3, "error"), (4, "error"), (5, "duplicate")],
        )
        self.assertEqual(body["results"][2]["reasons"], ["Same ME case number as row 1"])
        self.assertEqual(Case.objects.filter(team=self.team).count(), 3)
        self.assertEqual(
            DecedentIdentifiers.objects.get(case__code=body["results"][1]["receipt"]).case.team,
            self.team,
        )

    def test_it_refuses_bodies_it_cannot_read(self):
        for body in ([], [NEW_CASE] * 101, "ME-1", [NEW_CASE, "x"]):
            self.assertEqual(self.post(body).status_code, 400, str(body)[:40])
        response = self.client.post(
            URL,
            "{not json",
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.intake_token}"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Case.objects.filter(team=self.team).count(), 1)

    def test_it_refuses_keys_without_the_scope_and_agency_keys(self):
        self.assertEqual(self.post(NEW_CASE, self.dashboard_token).status_code, 403)
        self.assertEqual(self.post(NEW_CASE, self.agency_token).status_code, 403)
        # An agency's key given the scope past the form's checks adds nothing either.
        self.agency_key.scopes = [S.INTAKE_CASES]
        self.agency_key.save()
        self.assertEqual(self.post(NEW_CASE, self.agency_token).status_code, 403)
        self.assertEqual(Case.objects.filter(team=self.team).count(), 1)

    def test_it_refuses_a_revoked_key(self):
        self.intake_key.revoke(by=self.coordinator)
        response = self.post(NEW_CASE)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(Case.objects.filter(team=self.team).count(), 1)

    def test_it_records_one_import_event_per_call(self):
        before = self.events().count()
        self.post([NEW_CASE, {"legal_name": "Jordan Example", "date_of_birth": "1990-06-15"}])
        events = list(self.events().order_by("seq")[before:])
        self.assertEqual(len(events), 1)
        self.assertEqual(
            (events[0].action, events[0].username, events[0].object_id),
            ("import", "api-key:ME feed", str(self.intake_key.code)),
        )
        self.assertEqual(
            events[0].detail, "POST /api/v1/cases 200 intake: 1 created, 1 duplicates, 0 errors"
        )

    @override_settings(API_RATE_LIMIT_PER_MINUTE=2)
    def test_it_limits_the_rate(self):
        self.assertEqual(self.post(NEW_CASE).status_code, 201)
        self.assertEqual(self.post(NEW_CASE).status_code, 409)
        response = self.post({"me_case_number": "ME-2026-0199"})
        self.assertEqual(response.status_code, 429)
        self.assertEqual(Case.objects.filter(team=self.team).count(), 2)

    def test_it_is_in_the_schema(self):
        schema = self.client.get("/api/v1/openapi.json").json()
        operation = schema["paths"]["/api/v1/cases"]["post"]
        body = operation["requestBody"]["content"]["application/json"]
        self.assertIn("me_case_number", body["schema"]["oneOf"][0]["properties"])
        self.assertEqual(set(operation["responses"]) >= {"200", "201", "400", "409"}, True)

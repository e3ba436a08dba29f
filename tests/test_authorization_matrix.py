"""Every URL pattern, requested by every role, anonymous and an outsider.

URL patterns come from the resolver, so a new URL fails this test until it has
an expectation here. Case URLs are filled with a case of the Riverside team."""

import hashlib
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import ApiKey
from cases.imports.targets import default_columns
from cases.models import DataSharingAgreement, DeferralRequest, NokInterview, PendingImport
from meetings.models import PacketCopy
from ofr.models import AccessEvent
from ofr.roles import Role
from recommendations.models import CommunityResource
from tests.base import PDF_BYTES, OFRTestCase, make_member

ANON = "anonymous"
LOGIN = "login-redirect"
ADMIN_LOGIN = "admin-login-redirect"
CASE_ROLES = ("coordinator", "data_manager", "facilitator", "reviewer", "officer")
NO_CASE_ROLES = ("partner", "oversight", "committee", "admin")
EVERYONE = (*CASE_ROLES, *NO_CASE_ROLES, "outsider")


API_ROOT_STATUS = 404


def expect(default, **by_role):
    table = dict.fromkeys(EVERYONE, default)
    table.update(by_role)
    return table


# url name -> {role: expected status, or LOGIN for a redirect to the sign-in page}
MATRIX = {
    "home": {**expect(200), ANON: 200},
    "healthz": {**expect(200), ANON: 200},  # no sign-in, nothing confidential
    # Django's language switch: a GET changes nothing and goes back home.
    "set_language": {**expect(302), ANON: 302},
    "login": {**expect(302), ANON: 200},  # signed-in users are sent home
    "logout": {**expect(405), ANON: 405},  # POST only
    # A person's own account: every signed-in person, and only their own data.
    "account": {**expect(200), ANON: LOGIN},
    "sign_out_everywhere": {**expect(405), ANON: LOGIN},  # POST only
    "password_change": {**expect(200), ANON: LOGIN},
    # Signed in, a person changes their password instead of resetting it.
    "password_reset": {**expect(302), ANON: 200},
    "password_reset_done": {**expect(200), ANON: 200},
    "password_reset_confirm": {**expect(200), ANON: 200},  # says the link does not work
    "password_reset_complete": {**expect(200), ANON: 200},
    "cases:list": {
        **expect(200, partner=403, oversight=403, committee=403, admin=403),
        ANON: LOGIN,
    },
    "cases:new": {
        **expect(403, coordinator=200, data_manager=200, outsider=200),  # outsider: own team
        ANON: LOGIN,
    },
    "cases:detail": {**expect(404, **dict.fromkeys(CASE_ROLES, 200)), ANON: LOGIN},
    "cases:edit": {
        **expect(
            404, coordinator=200, data_manager=200, facilitator=403, reviewer=403, officer=403
        ),
        ANON: LOGIN,
    },
    "cases:history": {**expect(404, **dict.fromkeys(CASE_ROLES, 200)), ANON: LOGIN},
    "cases:access_log": {
        **expect(
            404, coordinator=200, data_manager=403, facilitator=403, reviewer=403, officer=403
        ),
        ANON: LOGIN,
    },
    "admin:index": {**expect(ADMIN_LOGIN, admin=200), ANON: ADMIN_LOGIN},
    # The admin's sign-in is the site's, second step included.
    "admin_login": {**expect(302), ANON: 302},
    # Signed-in clients here have passed the second step (tests/conftest.py);
    # enrolment shows a new secret to anyone without an app set up.
    "second_factor_enrol": {**expect(200), ANON: LOGIN},
    "second_factor_verify": {**expect(302), ANON: LOGIN},
    "second_factor_renew_codes": {**expect(405), ANON: 405},  # POST only
    "second_factor_reset": {**expect(403, admin=200), ANON: LOGIN},
}

# Pages that change the case file: coordinator and data manager; other case
# roles may see the case but not change it (403); everyone else 404.
EDITORS = {
    **expect(404, coordinator=200, data_manager=200, facilitator=403, reviewer=403, officer=403),
    ANON: LOGIN,
}
ANNOTATORS = {**expect(404, **dict.fromkeys(CASE_ROLES, 200)), ANON: LOGIN}
POST_ONLY = {**expect(405), ANON: LOGIN}
for name in (
    "cases:status",
    "cases:edit_decedent",
    "cases:edit_identifiers",
    "cases:edit_death",
    "cases:edit_circumstances",
    "cases:add_toxicology",
    "cases:edit_toxicology",
    "cases:add_event",
    "cases:edit_event",
    "cases:add_request",
    "cases:edit_request",
    "cases:request_letter",
    "cases:add_document",
    "cases:edit_document",
):
    MATRIX[name] = EDITORS
for name in ("cases:delete_toxicology", "cases:confirm_finding"):
    MATRIX[name] = POST_ONLY
MATRIX["cases:add_note"] = ANNOTATORS
MATRIX["cases:add_finding"] = ANNOTATORS
MATRIX["cases:download_document"] = ANNOTATORS  # everyone who sees the case (not sensitive)
# The cast's note and finding are the reviewer's: authors edit their own notes;
# a proposed finding is edited by its proposer, the facilitator or an editor.
MATRIX["cases:edit_note"] = {**EDITORS, "coordinator": 403, "data_manager": 403, "reviewer": 200}
MATRIX["cases:edit_finding"] = {**EDITORS, "facilitator": 200, "reviewer": 200}
# Members from law enforcement or a prosecutor's office who see the case ask
# for a deferral (the cast's officer); coordinators decline one (POST only).
MATRIX["cases:ask_deferral"] = {
    **expect(404, coordinator=403, data_manager=403, facilitator=403, reviewer=403, officer=200),
    ANON: LOGIN,
}
MATRIX["cases:decline_deferral"] = POST_ONLY
# Exports of the team's case files: coordinators and data managers; other
# members of the team 403; people of other teams (oversight too) 404.
EXPORTERS = {
    **expect(403, coordinator=200, data_manager=200, oversight=404, outsider=404, admin=404),
    ANON: LOGIN,
}
for name in (
    "cases:redcap_export",
    "cases:redcap_dictionary",
    "cases:redcap_repeating",
    "cases:redcap_records",
    "cases:redcap_codebook",
    "cases:redcap_codebook_pdf",
    "cases:sudors_export",
):
    MATRIX[name] = EXPORTERS
# The team's data-quality pages: readers of its aggregate reports (coordinators,
# data managers, facilitators); other members of the team 403; others 404.
QUALITY_READERS = {
    **expect(
        403,
        coordinator=200,
        data_manager=200,
        facilitator=200,
        oversight=404,
        outsider=404,
        admin=404,
    ),
    ANON: LOGIN,
}
for name in ("cases:completeness_report", "cases:open_queries"):
    MATRIX[name] = QUALITY_READERS
# Case import: those who may open case files (coordinator, data manager); a
# pending import (the cast's is the coordinator's) only for its uploader.
IMPORTERS = {**expect(403, coordinator=200, data_manager=200, outsider=200), ANON: LOGIN}
for name in ("cases:import_start", "cases:import_template", "cases:import_mappings"):
    MATRIX[name] = IMPORTERS
for name in ("cases:import_review", "cases:import_errors"):
    MATRIX[name] = {**expect(403, coordinator=200, data_manager=404, outsider=404), ANON: LOGIN}
MATRIX["cases:overdue_requests"] = {
    **expect(403, coordinator=200, data_manager=200, outsider=200),
    ANON: LOGIN,
}
# A team's data-sharing agreements: coordinators manage them, data managers
# read them and download the signed file; others on the team 403, people of
# other teams 404 (the outsider coordinates its own team: its list and form).
MATRIX["cases:agreements"] = {
    **expect(403, coordinator=200, data_manager=200, outsider=200),
    ANON: LOGIN,
}
MATRIX["cases:agreement_new"] = {**expect(403, coordinator=200, outsider=200), ANON: LOGIN}
AGREEMENT_TEAM = {
    **expect(403, oversight=404, outsider=404, admin=404),
    "coordinator": 200,
    ANON: LOGIN,
}
MATRIX["cases:agreement_edit"] = AGREEMENT_TEAM
MATRIX["cases:download_agreement"] = {**AGREEMENT_TEAM, "data_manager": 200}

# Next-of-kin interviews (the cast's is the facilitator's, a trained
# interviewer): its interviewer, the coordinators and the facilitators read it;
# other case roles get 404 (they do not learn it exists). The interviewer
# works it (outreach, consent, interview, debrief, touchpoints); coordinators
# assign interviews and record a do-not-contact wish; letters and consent forms
# go to the interviewer and the coordinators.
NOK_READERS = {**expect(404, coordinator=200, facilitator=200), ANON: LOGIN}
NOK_WORK = {**NOK_READERS, "coordinator": 403}
MATRIX["cases:nok_interview"] = NOK_READERS
MATRIX["cases:nok_consent_download"] = NOK_READERS
for name in ("cases:nok_attempt", "cases:nok_consent", "cases:nok_record", "cases:nok_debrief"):
    MATRIX[name] = NOK_WORK
MATRIX["cases:nok_touchpoint"] = NOK_WORK
MATRIX["cases:nok_do_not_contact"] = {**NOK_READERS, "facilitator": 403}
MATRIX["cases:nok_letter"] = NOK_READERS
MATRIX["cases:nok_consent_form"] = NOK_READERS
MATRIX["cases:nok_assign"] = {
    **expect(404, coordinator=200, facilitator=403, data_manager=403, reviewer=403, officer=403),
    ANON: LOGIN,
}
# The list of one's interviews: trained interviewers and coordinators (the
# outsider coordinates its own team).
MATRIX["cases:nok_mine"] = {
    **expect(403, coordinator=200, facilitator=200, outsider=200),
    ANON: LOGIN,
}

# Meetings: coordinators, data managers and facilitators see the team's
# meetings; reviewer and officer are on the cast meeting's roster (signed).
# Coordinators and facilitators manage meetings.
MEETING_VIEWERS = {**expect(404, **dict.fromkeys(CASE_ROLES, 200)), ANON: LOGIN}
MEETING_MANAGERS = {
    **expect(404, coordinator=200, facilitator=200, data_manager=403, reviewer=403, officer=403),
    ANON: LOGIN,
}
MATRIX["meetings:list"] = {
    **expect(200, partner=403, oversight=403, committee=403, admin=403),
    ANON: LOGIN,
}
MATRIX["meetings:new"] = {
    **expect(403, coordinator=200, facilitator=200, outsider=200),  # outsider: own team
    ANON: LOGIN,
}
MATRIX["meetings:edit_agreement"] = {
    **expect(404, coordinator=200, facilitator=200),
    ANON: LOGIN,
}
MATRIX["meetings:detail"] = MEETING_VIEWERS
MATRIX["meetings:sign"] = MEETING_VIEWERS  # the page says who may not sign and why
for name in (
    "meetings:edit",
    "meetings:status",
    "meetings:history",
    "meetings:add_agenda_case",
    "meetings:record",
    "meetings:add_attendee",
    "meetings:sign_in_sheet",
    "meetings:facilitate_case",
):
    MATRIX[name] = MEETING_MANAGERS
MATRIX["meetings:facilitate"] = {**MEETING_MANAGERS, "coordinator": 302, "facilitator": 302}
MATRIX["meetings:request_packet"] = MEETING_VIEWERS  # the page says who may not have one and why
# A copy: its recipient (the cast's copy is the reviewer's) and the managers.
COPY_VIEWERS = {**expect(404, coordinator=200, facilitator=200, reviewer=200), ANON: LOGIN}
for name in ("meetings:packet_status", "meetings:packet_progress", "meetings:download_packet"):
    MATRIX[name] = COPY_VIEWERS
for name in (
    "meetings:move_agenda_case",
    "meetings:remove_agenda_case",
    "meetings:remove_attendee",
    "meetings:dispose_copy",
    "meetings:quick_finding",
    "meetings:save_discussion",
    "meetings:mark_reviewed",
):
    MATRIX[name] = POST_ONLY

# Recommendations: the team's case roles read them, the partner those its
# agency leads (the cast's is the health department's), oversight those of its
# jurisdiction, the governing committee its team's; coordinators and
# facilitators write them; partners add updates; the committee (and coordinators
# on its behalf) records its endorsement decisions.
RECOMMENDATION_READERS = {
    **expect(200, outsider=404, admin=404),
    ANON: LOGIN,
}
RECOMMENDATION_EDITORS = {
    **expect(403, coordinator=200, facilitator=200, outsider=404, admin=404),
    ANON: LOGIN,
}
MATRIX["recommendations:list"] = {**expect(200, admin=403), ANON: LOGIN}
MATRIX["recommendations:dashboard"] = {**expect(200, admin=403), ANON: LOGIN}
MATRIX["recommendations:new"] = {
    **expect(403, coordinator=200, facilitator=200, outsider=200),
    ANON: LOGIN,
}
REPORT_READERS = {
    **expect(403, coordinator=200, data_manager=200, facilitator=200, oversight=200, committee=200),
    "outsider": 404,
    "admin": 404,
    ANON: LOGIN,
}
# The case-selection report: the same readers (oversight's counts suppressed).
for name in (
    "recommendations:annual_report",
    "recommendations:annual_report_csv",
    "recommendations:annual_report_pdf",
    "recommendations:annual_report_years",
    "recommendations:annual_report_years_csv",
    "recommendations:annual_report_years_pdf",
    "recommendations:selection_report",
    "recommendations:selection_report_csv",
):
    MATRIX[name] = REPORT_READERS
MATRIX["recommendations:public"] = {**expect(200), ANON: 200}  # readable without login
MATRIX["recommendations:detail"] = RECOMMENDATION_READERS
MATRIX["recommendations:history"] = RECOMMENDATION_READERS
MATRIX["recommendations:download_evidence"] = RECOMMENDATION_READERS
MATRIX["recommendations:add_update"] = {**RECOMMENDATION_EDITORS, "partner": 200}
MATRIX["recommendations:endorse"] = {
    **expect(403, coordinator=200, committee=200, outsider=404, admin=404),
    ANON: LOGIN,
}
for name in (
    "recommendations:edit",
    "recommendations:add_task",
    "recommendations:edit_task",
    "recommendations:add_funding",
):
    MATRIX[name] = RECOMMENDATION_EDITORS

# Community context: the team's readers of recommendations (the partner and
# the governing committee included) and oversight read it; coordinators and
# data managers manage it; the outsider has its own team's index only.
COMMUNITY_READERS = {**expect(200, outsider=404, admin=404), ANON: LOGIN}
COMMUNITY_MANAGERS = {
    **expect(403, coordinator=200, data_manager=200, outsider=404, admin=404),
    ANON: LOGIN,
}
MATRIX["recommendations:community_index"] = {**expect(200, admin=403), ANON: LOGIN}
MATRIX["recommendations:community"] = COMMUNITY_READERS
MATRIX["recommendations:community_csv"] = COMMUNITY_READERS
MATRIX["recommendations:community_new"] = COMMUNITY_MANAGERS
MATRIX["recommendations:community_edit"] = COMMUNITY_MANAGERS

# API keys: a team's coordinators (the outsider coordinates its own team).
KEY_MANAGERS = {**expect(403, coordinator=200, outsider=200), ANON: LOGIN}
MATRIX["api:list"] = KEY_MANAGERS
MATRIX["api:new"] = KEY_MANAGERS
MATRIX["api:revoke"] = POST_ONLY
# The partner API answers a key, never a session: every caller here has none.
# Its schema and docs are public (they describe the API, and hold no data).
MATRIX["api:reference"] = {**expect(200), ANON: 200}  # the endpoints, no data
MATRIX["api_v1:openapi-json"] = {**expect(200), ANON: 200}
MATRIX["api_v1:openapi-view"] = {**expect(200), ANON: 200}
MATRIX["api_v1:api-root"] = {**expect(API_ROOT_STATUS), ANON: API_ROOT_STATUS}
for name in ("api_v1:list_recommendations", "api_v1:get_recommendation", "api_v1:aggregates"):
    MATRIX[name] = {**expect(401), ANON: 401}
MATRIX["api_v1:post_update"] = {**expect(405), ANON: 405}  # POST only
MATRIX["api_v1:intake_cases"] = {**expect(405), ANON: 405}  # POST only

# Which cast item fills the <item> of an item URL.
ITEMS = {
    "cases:edit_toxicology": "toxicology",
    "cases:delete_toxicology": "toxicology",
    "cases:edit_event": "event",
    "cases:edit_note": "note",
    "cases:edit_finding": "finding",
    "cases:confirm_finding": "finding",
    "cases:edit_request": "record_request",
    "cases:request_letter": "record_request",
    "cases:edit_document": "document",
    "cases:download_document": "document",
    "cases:decline_deferral": "deferral_request",
    **{
        f"cases:{name}": "nok_interview"
        for name in (
            "nok_interview",
            "nok_consent_download",
            "nok_attempt",
            "nok_consent",
            "nok_record",
            "nok_debrief",
            "nok_touchpoint",
            "nok_do_not_contact",
        )
    },
}

# Django's admin has hundreds of generated URLs; admin:index stands for them all
# (the admin site itself refuses non-staff users on every one of its views).
SKIPPED_NAMESPACES = {"admin"}


def url_names(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield (
                f"{namespace}{entry.name}"
                if entry.name
                else f"{namespace}<unnamed {entry.pattern}>"
            )


class AuthorizationMatrixTestCase(OFRTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.committee = make_member("committee", cls.team, Role.GOVERNING_COMMITTEE, cls.health)
        # The reviewer's packet copy, ready for download.
        cls.packet_copy = PacketCopy(
            meeting=cls.meeting,
            number=1,
            recipient=cls.reviewer,
            requested_by=cls.reviewer,
            status=PacketCopy.Status.READY,
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            size=len(PDF_BYTES),
            case_ids=[cls.case.pk],
        )
        cls.packet_copy.file.save("packet.pdf", ContentFile(PDF_BYTES), save=False)
        cls.packet_copy.save()
        # The coordinator's upload, waiting for its dry run to be confirmed:
        # a new row, a row in error, and one matching the cast's case.
        cls.case.identifiers.me_case_number = "ME-2025-0007"
        cls.case.identifiers.save()
        cls.pending_import = PendingImport.hold(
            team=cls.team,
            by=cls.coordinator,
            file_name="me-list.csv",
            columns=default_columns(),
            header=["me_case_number", "manner"],
            rows=[
                ["ME-2026-0001", "Accident"],
                ["ME-2026-0002", "Drowned"],
                ["ME-2025-0007", "Suicide"],
            ],
        )
        # The officer's open request to defer the case.
        cls.deferral_request = DeferralRequest.ask(
            cls.case, by=cls.officer, reason="active_investigation"
        )
        # The team's signed agreement with the sheriff.
        cls.agreement = DataSharingAgreement(
            team=cls.team,
            agency=cls.sheriff,
            record_types=["law_enforcement_report"],
            signed_on=date.today() - timedelta(days=30),
            expires_on=date.today() + timedelta(days=300),
            original_name="signed.pdf",
            extension=".pdf",
            content_type="application/pdf",
            size=len(PDF_BYTES),
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        )
        cls.agreement.file.save("signed.pdf", ContentFile(PDF_BYTES), save=False)
        cls.agreement.save()
        cls.community_resource = CommunityResource.objects.create(
            team=cls.team,
            kind="syringe_services",
            name="Riverside syringe services program",
            started_on=date(2024, 1, 1),
        )
        # The facilitator, a trained interviewer, interviews the family; the
        # signed consent form is stored.
        membership = cls.facilitator.memberships.get(team=cls.team)
        membership.nok_interviewer = True
        membership.save()
        cls.nok_interview = NokInterview(
            case=cls.case,
            interviewer=cls.facilitator,
            assigned_by=cls.coordinator,
            consent_name="A sister",
            consent_kind="written",
            consent_on=date.today(),
            consent_original_name="consent.pdf",
            consent_extension=".pdf",
            consent_content_type="application/pdf",
            consent_size=len(PDF_BYTES),
            consent_sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
        )
        cls.nok_interview.consent_file.save("consent.pdf", ContentFile(PDF_BYTES), save=False)
        cls.nok_interview.save()
        cls.api_key, _ = ApiKey.issue(
            team=cls.team,
            agency=cls.health,
            name="Health tracker",
            scopes=[ApiKey.Scope.READ_RECOMMENDATIONS],
            expires_on=date.today() + timedelta(days=30),
            by=cls.coordinator,
        )

    def users(self):
        return {
            "coordinator": self.coordinator,
            "data_manager": self.data_manager,
            "facilitator": self.facilitator,
            "reviewer": self.reviewer,
            "officer": self.officer,
            "partner": self.partner,
            "oversight": self.oversight,
            "committee": self.committee,
            "outsider": self.outsider,
            "admin": self.admin,
            ANON: None,
        }

    def url_for(self, name: str) -> str:
        if name == "second_factor_reset":
            return reverse(name, kwargs={"user_id": self.reviewer.pk})
        if name.startswith("meetings:"):
            return self.meeting_url_for(name)
        if name.startswith("cases:redcap_") or name in (
            "cases:sudors_export",
            "cases:completeness_report",
            "cases:open_queries",
        ):
            return reverse(name, kwargs={"team": self.team.code})
        if name == "api:revoke":
            return reverse(name, kwargs={"code": self.api_key.code})
        if name in ("api_v1:get_recommendation", "api_v1:post_update"):
            return reverse(name, kwargs={"code": self.recommendation.code})
        if name == "api_v1:aggregates":
            return reverse(name, kwargs={"year": 2025})
        if name == "recommendations:public":
            return reverse(name, kwargs={"team": self.team.code})
        if name in ("recommendations:community", "recommendations:community_csv"):
            return reverse(name, kwargs={"team": self.team.code, "year": 2025})
        if name == "recommendations:community_new":
            return reverse(name, kwargs={"team": self.team.code})
        if name == "recommendations:community_edit":
            return reverse(name, kwargs={"code": self.community_resource.code})
        if name.startswith(("recommendations:annual_report", "recommendations:selection_report")):
            return reverse(name, kwargs={"team": self.team.code, "year": 2025})
        if name.startswith("recommendations:") and name not in (
            "recommendations:list",
            "recommendations:new",
            "recommendations:dashboard",
            "recommendations:community_index",
        ):
            kwargs = {"code": self.recommendation.code}
            if name == "recommendations:download_evidence":
                kwargs["update"] = self.update.code
            if name == "recommendations:edit_task":
                kwargs["task"] = self.task.code
            return reverse(name, kwargs=kwargs)
        if name in ("cases:agreement_edit", "cases:download_agreement"):
            return reverse(name, kwargs={"code": self.agreement.code})
        if name in ("cases:import_review", "cases:import_errors"):
            return reverse(name, kwargs={"code": self.pending_import.code})
        if name == "password_reset_confirm":
            return reverse(name, kwargs={"uidb64": "MQ", "token": "not-a-token"})
        if name in ("cases:nok_letter", "cases:nok_consent_form"):
            return reverse(name, args=[self.case.code, self.nok_interview.code, "es"])
        if name in ITEMS:
            item = getattr(self, ITEMS[name])
            return reverse(name, kwargs={"code": self.case.code, "item": item.code})
        try:
            return reverse(name)
        except Exception:
            return reverse(name, kwargs={"code": self.case.code})

    def meeting_url_for(self, name: str) -> str:
        values = {
            "code": self.meeting.code,
            "item": self.meeting.agenda_items.first().pk,
            "attendance": self.meeting.attendances.first().pk,
            "copy": self.packet_copy.code,
            "team": self.team.code,
        }
        pattern = next(
            p
            for p in get_resolver(None).namespace_dict["meetings"][1].url_patterns
            if p.name == name.split(":")[1]
        )
        keys = pattern.pattern.converters.keys()
        return reverse(name, kwargs={key: values[key] for key in keys})

    def test_every_url_has_an_expectation(self):
        names = {name for name in url_names() if name.split(":")[0] not in SKIPPED_NAMESPACES} | {
            "admin:index"
        }
        missing = names - MATRIX.keys()
        self.assertFalse(missing, f"URL patterns without an entry in MATRIX: {sorted(missing)}")
        unnamed = [n for n in names if "<unnamed" in n]
        self.assertFalse(unnamed, f"Unnamed URL patterns: {unnamed}")

    def signed_in_clients(self) -> dict[str, Client]:
        """A client per role, signed in once (a sign-in costs a session, an
        access event and a group sync: once per role, not per URL)."""
        clients = {}
        for role, user in self.users().items():
            clients[role] = Client()
            if user is not None:
                clients[role].force_login(user)
        return clients

    def test_every_role_gets_the_expected_status(self):
        failures = []
        clients = self.signed_in_clients()
        newest = AccessEvent.objects.order_by("-seq").values_list("seq", "action")
        head = newest.first()  # the log's newest row (seq, action), read once a request
        for name, expectations in MATRIX.items():
            url = self.url_for(name)
            for role, user in self.users().items():
                before, response = head, clients[role].get(url)
                head = newest.first()
                expected = expectations[role]
                if (
                    name.startswith(("cases:", "meetings:", "recommendations:"))
                    and user is not None
                    and response.status_code in (403, 404)
                ):
                    if head == before or head[1] != "denied":
                        failures.append(f"{name} as {role}: denial was not logged")
                if expected == LOGIN:
                    ok = response.status_code == 302 and response["Location"].startswith(
                        reverse("login")
                    )
                elif expected == ADMIN_LOGIN:
                    ok = response.status_code == 302 and "/admin/login/" in response["Location"]
                else:
                    ok = response.status_code == expected
                if not ok:
                    failures.append(
                        f"{name} as {role}: expected {expected}, got {response.status_code}"
                    )
        self.assertEqual(failures, [])

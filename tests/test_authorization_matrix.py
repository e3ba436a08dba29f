"""Every URL pattern, requested by every role, anonymous and an outsider.

URL patterns come from the resolver, so a new URL fails this test until it has
an expectation here. Case URLs are filled with a case of the Riverside team."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ofr.models import AccessEvent
from tests.base import OFRTestCase

ANON = "anonymous"
LOGIN = "login-redirect"
ADMIN_LOGIN = "admin-login-redirect"
CASE_ROLES = ("coordinator", "data_manager", "facilitator", "reviewer", "officer")
NO_CASE_ROLES = ("partner", "oversight", "admin")
EVERYONE = (*CASE_ROLES, *NO_CASE_ROLES, "outsider")


def expect(default, **by_role):
    table = dict.fromkeys(EVERYONE, default)
    table.update(by_role)
    return table


# url name -> {role: expected status, or LOGIN for a redirect to the sign-in page}
MATRIX = {
    "home": {**expect(200), ANON: 200},
    "login": {**expect(302), ANON: 200},  # signed-in users are sent home
    "logout": {**expect(405), ANON: 405},  # POST only
    "cases:list": {
        **expect(200, partner=403, oversight=403, admin=403),
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
MATRIX["cases:overdue_requests"] = {
    **expect(403, coordinator=200, data_manager=200, outsider=200),
    ANON: LOGIN,
}

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
    def users(self):
        return {
            "coordinator": self.coordinator,
            "data_manager": self.data_manager,
            "facilitator": self.facilitator,
            "reviewer": self.reviewer,
            "officer": self.officer,
            "partner": self.partner,
            "oversight": self.oversight,
            "outsider": self.outsider,
            "admin": self.admin,
            ANON: None,
        }

    def url_for(self, name: str) -> str:
        if name in ITEMS:
            item = getattr(self, ITEMS[name])
            return reverse(name, kwargs={"code": self.case.code, "item": item.code})
        try:
            return reverse(name)
        except Exception:
            return reverse(name, kwargs={"code": self.case.code})

    def test_every_url_has_an_expectation(self):
        names = {name for name in url_names() if name.split(":")[0] not in SKIPPED_NAMESPACES} | {
            "admin:index"
        }
        missing = names - MATRIX.keys()
        self.assertFalse(missing, f"URL patterns without an entry in MATRIX: {sorted(missing)}")
        unnamed = [n for n in names if "<unnamed" in n]
        self.assertFalse(unnamed, f"Unnamed URL patterns: {unnamed}")

    def test_every_role_gets_the_expected_status(self):
        failures = []
        for name, expectations in MATRIX.items():
            url = self.url_for(name)
            for role, user in self.users().items():
                self.client.logout()
                if user is not None:
                    self.client.force_login(user)
                before = AccessEvent.objects.count()
                response = self.client.get(url)
                expected = expectations[role]
                if (
                    name.startswith("cases:")
                    and user is not None
                    and response.status_code in (403, 404)
                ):
                    last = AccessEvent.objects.order_by("-seq").first()
                    if AccessEvent.objects.count() == before or last.action != "denied":
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

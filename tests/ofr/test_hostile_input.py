"""Hostile input to every form of the project: refused with a message, never a 500.

URL patterns come from the resolver, as in the authorization matrix: each has
an entry in POSTERS (the role that posts there, or None for pages that only
read), so a new URL fails this test until it has one. The fields posted are
those of the forms the poster finds on the pages they may open, so a new field
is attacked as soon as a template shows it. Each hostile kind is its own test,
so what one kind changes (a deleted row, a case marked reviewed) is rolled back
before the next; afterwards the database is searched for what should never have
been stored. The forms sent with GET (filters) get the same values."""

from datetime import datetime, time
from html.parser import HTMLParser
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.utils import timezone

from meetings.models import Attendance
from ofr.encryption import EncryptedMixin
from ofr.forms import EARLIEST_DATE, latest_date
from tests import test_authorization_matrix as authorization

ANON = authorization.ANON

# url name -> the role that posts there, or None: the page only reads.
POSTERS = {
    "home": None,
    "healthz": None,
    "set_language": ANON,  # the footer's language switch, on every page
    "login": ANON,
    "logout": "coordinator",
    "account": None,
    "sign_out_everywhere": "coordinator",
    "password_change": "coordinator",
    "password_reset": ANON,
    "password_reset_done": None,
    "password_reset_confirm": ANON,  # the matrix's link does not work: no form shown
    "password_reset_complete": None,
    "admin:index": None,  # Django's own admin (skipped as in the authorization matrix)
    "admin_login": None,
    "second_factor_enrol": "coordinator",
    "second_factor_verify": "coordinator",
    "second_factor_renew_codes": "coordinator",
    "second_factor_reset": "admin",
    "cases:list": "coordinator",  # the search is posted (its term stays out of URLs)
    "cases:new": "coordinator",
    "cases:overdue_requests": None,
    "cases:sudors_export": None,
    "cases:completeness_report": None,
    "cases:open_queries": None,
    "cases:import_start": "coordinator",
    "cases:import_template": None,
    "cases:import_mappings": "coordinator",
    "cases:import_review": "coordinator",  # the confirmation (ticks of rows to update)
    "cases:import_errors": None,
    "cases:detail": None,
    "cases:edit": "coordinator",
    "cases:status": "coordinator",
    "cases:history": None,
    "cases:access_log": None,
    "cases:ask_deferral": "officer",  # law enforcement asks
    "cases:decline_deferral": "coordinator",
    "cases:edit_decedent": "coordinator",
    "cases:edit_identifiers": "coordinator",
    "cases:edit_death": "coordinator",
    "cases:edit_circumstances": "coordinator",
    "cases:add_toxicology": "coordinator",
    "cases:edit_toxicology": "coordinator",
    "cases:delete_toxicology": "coordinator",
    "cases:add_event": "coordinator",
    "cases:edit_event": "coordinator",
    "cases:add_note": "coordinator",
    "cases:edit_note": "reviewer",  # the cast's note is the reviewer's
    "cases:add_finding": "coordinator",
    "cases:edit_finding": "reviewer",  # and so is its finding
    "cases:confirm_finding": "coordinator",
    "cases:add_request": "coordinator",
    "cases:edit_request": "coordinator",
    "cases:request_letter": None,
    "cases:add_document": "coordinator",
    "cases:edit_document": "coordinator",
    "cases:download_document": None,
    # The cast's next-of-kin interview is the facilitator's (a trained interviewer).
    "cases:nok_mine": None,
    "cases:nok_assign": "coordinator",
    "cases:nok_interview": None,
    "cases:nok_attempt": "facilitator",
    "cases:nok_consent": "facilitator",
    "cases:nok_consent_download": None,
    "cases:nok_record": "facilitator",
    "cases:nok_debrief": "facilitator",
    "cases:nok_touchpoint": "facilitator",
    "cases:nok_do_not_contact": "coordinator",
    "cases:nok_letter": None,
    "cases:nok_consent_form": None,
    "cases:agreements": None,
    "cases:agreement_new": "coordinator",
    "cases:agreement_edit": "coordinator",
    "cases:download_agreement": None,
    "cases:redcap_export": None,
    "cases:redcap_dictionary": None,
    "cases:redcap_repeating": None,
    "cases:redcap_records": None,
    "cases:redcap_codebook": None,
    "cases:redcap_codebook_pdf": None,
    "meetings:list": None,
    "meetings:new": "facilitator",
    "meetings:edit_agreement": "facilitator",
    "meetings:detail": None,
    "meetings:edit": "facilitator",
    "meetings:status": "facilitator",
    "meetings:history": None,
    "meetings:add_agenda_case": "facilitator",
    "meetings:record": "facilitator",
    "meetings:move_agenda_case": "facilitator",
    "meetings:remove_agenda_case": "facilitator",
    "meetings:add_attendee": "facilitator",
    "meetings:remove_attendee": "facilitator",
    "meetings:sign": "data_manager",  # on the roster, not signed (setUpTestData)
    "meetings:sign_in_sheet": None,
    "meetings:dispose_copy": "facilitator",
    "meetings:request_packet": "facilitator",
    "meetings:packet_status": None,
    "meetings:packet_progress": None,
    "meetings:download_packet": None,
    "meetings:facilitate": None,
    "meetings:facilitate_case": None,
    "meetings:quick_finding": "facilitator",
    "meetings:save_discussion": "facilitator",
    "meetings:mark_reviewed": "facilitator",
    "recommendations:list": None,
    "recommendations:new": "coordinator",
    "recommendations:dashboard": None,
    "recommendations:annual_report": None,
    "recommendations:annual_report_csv": None,
    "recommendations:annual_report_pdf": None,
    "recommendations:annual_report_years": None,
    "recommendations:annual_report_years_csv": None,
    "recommendations:annual_report_years_pdf": None,
    "recommendations:selection_report": None,
    "recommendations:selection_report_csv": None,
    "recommendations:public": None,
    "recommendations:detail": None,
    "recommendations:edit": "coordinator",
    "recommendations:history": None,
    "recommendations:add_update": "partner",
    "recommendations:download_evidence": None,
    "recommendations:add_task": "coordinator",
    "recommendations:edit_task": "coordinator",
    "recommendations:add_funding": "coordinator",
    "recommendations:endorse": "committee",
    "recommendations:community_index": None,
    "recommendations:community": None,
    "recommendations:community_csv": None,
    "recommendations:community_new": "coordinator",
    "recommendations:community_edit": "coordinator",
    "api:list": None,
    "api:new": "coordinator",
    "api:revoke": "coordinator",
    "api:reference": None,
    # The partner API takes JSON from a key, not forms from a session
    # (tests/api/test_endpoints.py sends it what it refuses).
    "api_v1:openapi-json": None,
    "api_v1:openapi-view": None,
    "api_v1:api-root": None,
    "api_v1:list_recommendations": None,
    "api_v1:get_recommendation": None,
    "api_v1:post_update": None,
    "api_v1:aggregates": None,
    "api_v1:intake_cases": None,
}

# Forms the cast's state does not show (copies are disposed of once the meeting
# is adjourned; one case on the agenda has no place to move to; the officer has
# asked for a deferral already; the password-reset link is not a real one):
# their fields.
UNSHOWN_FIELDS = {
    "cases:ask_deferral": {
        "reason": {"kind": "other", "values": ["active_investigation"]},
        "note": {"kind": "text", "values": [""]},
    },
    "meetings:dispose_copy": {
        "disposition": {"kind": "other", "values": ["collected"]},
        "note": {"kind": "text", "values": [""]},
    },
    "meetings:move_agenda_case": {"direction": {"kind": "other", "values": ["up"]}},
    # The cast's sessions have passed the second step, so it sends them on.
    "second_factor_verify": {"code": {"kind": "text", "values": [""]}},
    "password_reset_confirm": {
        "new_password1": {"kind": "text", "values": [""]},
        "new_password2": {"kind": "text", "values": [""]},
    },
}

# Hidden fields that pick which of a page's forms is posted (the roster page
# has two): kept, or no form would be bound at all.
KEPT = {"form"}

# Downloads and PDFs carry no forms (and take a while to make).
FILES = (".pdf", ".csv", "/download/", "/evidence/", "/progress/")
TEXT_INPUTS = {"text", "email", "url", "search", "tel", "password"}

HUGE_ID = "9" * 20
LONG_TEXT = "x" * 1_000_000
CONTROL_TEXT = "Subject\r\nBcc: someone@elsewhere.test\x00\x07\x1b[2J\x7f\x85\u2028\tend"
# Longer than any limit a form sets: a stored text this long was never refused.
LONGEST_TEXT = 100_000
# Looked for in what is stored (not NUL: SQLite ends a LIKE pattern there).
CONTROL_CHARACTERS = [chr(c) for c in (*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0x85)]
# The apps whose records come from forms (the access log is not one).
FORM_APPS = ("cases", "recommendations")


class FormFinder(HTMLParser):
    """The forms of a page: method, action and their fields, each with its kind
    ("text" for what a person types into, "date", "datetime-local", "hidden" or
    "other") and the values the browser would send as the page stands."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms = []
        self.select = None  # (name, multiple, options, selected) while inside one
        self.textarea = None

    def field(self, name: str, kind: str) -> list:
        fields = self.forms[-1]["fields"]
        return fields.setdefault(name, {"kind": kind, "values": []})["values"]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_url
            method = (attrs.get("method") or "get").lower()
            self.forms.append({"method": method, "action": action, "fields": {}})
            return
        name = attrs.get("name")
        if not self.forms or name == "csrfmiddlewaretoken":  # the test client skips CSRF
            return
        if tag == "option" and self.select is not None:
            self.select[2].append(attrs.get("value", ""))
            if "selected" in attrs:
                self.select[3].append(attrs.get("value", ""))
        elif not name:
            return
        elif tag == "select":
            self.select = (name, "multiple" in attrs, [], [])
        elif tag == "textarea":
            self.textarea = self.field(name, "text")
            self.textarea.append("")
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                values = self.field(name, "other")
                if "checked" in attrs:
                    values.append(attrs.get("value", "on"))
            elif kind != "file":
                kind = "text" if kind in TEXT_INPUTS else kind
                kind = kind if kind in ("text", "date", "datetime-local", "hidden") else "other"
                self.field(name, kind).append(attrs.get("value", ""))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, multiple, options, selected = self.select
            if not selected and not multiple and options:
                selected = options[:1]  # what a browser sends
            self.field(name, "other").extend(selected)
            self.select = None


def plain(model, field) -> list:
    """An encrypted field's values in clear: the database cannot compare them."""
    return [value for value in model.objects.values_list(field.name, flat=True) if value]


def names_with_int_parts(patterns=None, namespace=""):
    """The URL names whose pattern has an <int:...> part (ids in the path)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from names_with_int_parts(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and any(
            isinstance(converter, IntConverter) for converter in entry.pattern.converters.values()
        ):
            yield f"{namespace}{entry.name}"


def hostile(fields: dict, value: str, *, only: tuple[str, ...] = ()) -> dict:
    """Every field set to the value, or only the fields of those kinds (the
    others keep the values the page gave them)."""
    data = {}
    for name, field in fields.items():
        if name in KEPT or (only and field["kind"] not in only):
            data[name] = field["values"]
        else:
            data[name] = value
    return data


class HostileInputTestCase(authorization.AuthorizationMatrixTestCase):
    """The authorization matrix's cast and URL filling (not its tests)."""

    test_every_url_has_an_expectation = None
    test_every_role_gets_the_expected_status = None
    targets = None  # found by the first test that needs them
    forms: dict[str, list[dict]] = {}  # role -> forms seen, found once (as targets)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        Attendance.objects.create(meeting=cls.meeting, user=cls.data_manager)  # to sign

    def setUp(self) -> None:
        super().setUp()
        self.signed_in_sessions: dict[str, dict] = {}  # role -> a sign-in's session data

    def client_for(self, role: str) -> Client:
        """A client signed in as the role, in a session of its own. The role
        signs in once a test; each client gets a new session holding what that
        sign-in put in its session (a sign-in per post would cost about as much
        as the post: an access event, a group sync, last_login)."""
        client = Client()
        if role == ANON:
            return client
        if role not in self.signed_in_sessions:
            signed_in = Client()
            signed_in.force_login(getattr(self, role))
            self.signed_in_sessions[role] = dict(signed_in.session.items())
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session.update(self.signed_in_sessions[role])
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        return client

    def forms_seen_by(self, role: str) -> list[dict]:
        """Every form on every page the role may open (files aside). Found once
        a class, as the targets are: looking at the pages changes nothing."""
        if role not in HostileInputTestCase.forms:
            HostileInputTestCase.forms[role] = self.find_forms_seen_by(role)
        return HostileInputTestCase.forms[role]

    def find_forms_seen_by(self, role: str) -> list[dict]:
        client = self.client_for(role)
        found = []
        for name, expectations in authorization.MATRIX.items():
            url = self.url_for(name)
            if expectations[role] != 200 or name.startswith("admin:") or url.endswith(FILES):
                continue
            finder = FormFinder(url)
            finder.feed(client.get(url).content.decode())
            found.extend(finder.forms)
        return found

    def post_targets(self) -> list[tuple[str, str, str, dict]]:
        """(url name, url, role, fields) of each form posting to a URL of POSTERS.
        Found once: looking at the pages changes nothing the tests read."""
        if HostileInputTestCase.targets is None:
            HostileInputTestCase.targets = self.find_post_targets()
        return HostileInputTestCase.targets

    def find_post_targets(self) -> list[tuple[str, str, str, dict]]:
        targets = []
        seen = {}
        for name, role in POSTERS.items():
            if role is None:
                continue
            if role not in seen:
                seen[role] = self.forms_seen_by(role)
            url = self.url_for(name)
            fields = [
                f["fields"] for f in seen[role] if f["method"] == "post" and f["action"] == url
            ]
            if not fields:
                fields = [UNSHOWN_FIELDS.get(name, {})]
            unique = {tuple(sorted(f)): f for f in fields}.values()
            targets.extend((name, url, role, f) for f in unique)
        # Posts that act without a form (delete, mark reviewed, sign out) go last.
        return sorted(targets, key=lambda target: not target[3])

    def attack(self, value: str, *, only: tuple[str, ...] = ()) -> list[str]:
        failures = []
        for name, url, role, fields in self.post_targets():
            if only and not any(field["kind"] in only for field in fields.values()):
                continue  # posted as it stands, it would only save the page again
            response = self.client_for(role).post(url, hostile(fields, value, only=only))
            if response.status_code >= 500:
                failures.append(f"{name} as {role}: {response.status_code}")
        return failures

    def test_every_url_has_an_entry(self):
        names = {
            name
            for name in authorization.url_names()
            if name.split(":")[0] not in authorization.SKIPPED_NAMESPACES
        } | {"admin:index"}
        self.assertEqual(sorted(names - POSTERS.keys()), [], "URL patterns without an entry")
        self.assertEqual(sorted(POSTERS.keys() - names), [], "entries without a URL pattern")

    def test_pages_that_only_read_refuse_a_post(self):
        client = self.client_for("coordinator")
        for name, role in POSTERS.items():
            if role is None and name != "admin:index":
                with self.subTest(name):
                    response = client.post(self.url_for(name), {"x": HUGE_ID})
                    # The partner API asks a session for a key first.
                    refused = (401, 404, 405) if name.startswith("api_v1:") else (403, 404, 405)
                    self.assertIn(response.status_code, refused)

    def test_every_form_is_found(self):
        found = {target[0] for target in self.post_targets() if target[3]}
        actions_without_fields = {
            "logout",
            "sign_out_everywhere",
            "cases:delete_toxicology",
            "cases:confirm_finding",
            "meetings:remove_agenda_case",
            "meetings:remove_attendee",
            "meetings:mark_reviewed",
            "second_factor_renew_codes",
            "api:revoke",
        }
        posted = {name for name, role in POSTERS.items() if role is not None}
        self.assertEqual(sorted(posted - found - actions_without_fields), [])

    def test_huge_ids_are_refused(self):
        self.assertEqual(self.attack(HUGE_ID), [])

    def test_huge_ids_in_urls_are_not_found(self):
        client = self.client_for("facilitator")
        failures = []
        for name in names_with_int_parts():
            parts = self.url_for(name).split("/")
            url = "/".join(HUGE_ID if part.isdigit() else part for part in parts)
            for method in (client.get, client.post):
                if method(url).status_code >= 500:
                    failures.append(f"{method.__name__} {name}")
        self.assertEqual(failures, [])

    def attack_dates(self, day: str, moment: str) -> list[str]:
        """Every field set to the date, then the date fields alone in forms
        otherwise as the page filled them (so that an edit form would save)."""
        return [
            *self.attack(moment),
            *self.attack(day, only=("date",)),
            *self.attack(moment, only=("datetime-local",)),
        ]

    def test_the_end_of_the_calendar_is_refused(self):
        self.assertEqual(self.attack_dates("9999-12-31", "9999-12-31T23:59"), [])
        self.assertEqual(self.stored_dates_out_of_range(), [])

    def test_year_one_is_refused(self):
        self.assertEqual(self.attack_dates("0001-01-01", "0001-01-01T00:00"), [])
        self.assertEqual(self.stored_dates_out_of_range(), [])

    def test_dates_before_1900_are_refused(self):
        self.assertEqual(self.attack_dates("1899-12-31", "1899-12-31T23:59"), [])
        self.assertEqual(self.stored_dates_out_of_range(), [])

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=None)  # so that the forms see it all
    def test_a_megabyte_of_text_is_refused(self):
        self.assertEqual(self.attack(LONG_TEXT, only=("text",)), [])
        self.assertEqual(self.stored_texts(self.too_long), [])

    def test_control_characters_and_line_breaks_are_not_stored(self):
        self.assertEqual(self.attack(CONTROL_TEXT), [])
        self.assertEqual(self.attack(CONTROL_TEXT, only=("text",)), [])
        self.assertEqual(self.stored_texts(self.with_control_characters), [])
        # Forms took it, cleaned, in single-line and multi-line fields. (Not
        # recommendations: saved as the decedent's name, the text names a decedent.)
        saved = self.stored_texts(lambda model, f: self.holds(model, f, "elsewhere.test[2J"))
        for field in ("SourceDocument.title", "WorkPlanTask.task", "Note.text"):
            self.assertIn(field, saved)

    def test_get_filters_survive_hostile_values(self):
        # The filter forms, and the case list's search, whose filters (not its
        # term) come back in the query string.
        case_list = self.url_for("cases:list")
        failures = []
        for role in ("coordinator", "partner"):
            client = self.client_for(role)
            forms = [
                form
                for form in self.forms_seen_by(role)
                if form["method"] == "get" or form["action"] == case_list
            ]
            for form in forms:
                for value in (HUGE_ID, "9999-12-31T23:59", "0001-01-01", "x" * 5_000, CONTROL_TEXT):
                    response = client.get(form["action"], hostile(form["fields"], value))
                    if response.status_code >= 500:
                        failures.append(f"GET {form['action']} with {value[:20]!r}")
        self.assertEqual(failures, [])

    def test_unknown_sort_keys_are_ignored(self):
        """The dashboard's tracking table: a sort key or lead agency it does not
        know is dropped, with no error shown, and the table sorts as by default."""
        client = self.client_for("committee")
        url = self.url_for("recommendations:dashboard")
        expected = list(client.get(url).context["tracking"].page.object_list)
        for value in (
            "password",
            "-",
            "--due",
            "due,title",
            "status_order",
            "lead_agency__name",
            "__class__",
            HUGE_ID,
            CONTROL_TEXT,
            "x" * 5_000,
        ):
            with self.subTest(value=value[:20]):
                response = client.get(url, {"sort": value, "lead": value})
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, "usa-error-message")
                tracking = response.context["tracking"]
                self.assertEqual(list(tracking.page.object_list), expected)
                self.assertEqual(tracking.form.filters, {})

    # --- What the database holds afterwards --------------------------------------

    def form_models(self):
        for app in FORM_APPS:
            for model in apps.get_app_config(app).get_models():
                if not model.__name__.startswith("Historical"):
                    yield model

    def stored_dates_out_of_range(self) -> list[str]:
        zone = timezone.get_current_timezone()
        found = []
        for model in self.form_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateTimeField):
                    low = datetime.combine(EARLIEST_DATE, time.min, zone)
                    high = datetime.combine(latest_date(), time.max, zone)
                elif isinstance(field, models.DateField):
                    low, high = EARLIEST_DATE, latest_date()
                else:
                    continue
                if isinstance(field, EncryptedMixin):
                    outside = any(day and not low <= day <= high for day in plain(model, field))
                else:
                    out = models.Q(**{f"{field.name}__lt": low}) | models.Q(
                        **{f"{field.name}__gt": high}
                    )
                    outside = model.objects.filter(out).exists()
                if outside:
                    found.append(f"{model.__name__}.{field.name}")
        return found

    def stored_texts(self, test) -> list[str]:
        found = []
        for model in self.form_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField) and test(model, field):
                    found.append(f"{model.__name__}.{field.name}")
        return found

    def holds(self, model, field, text: str) -> bool:
        if isinstance(field, EncryptedMixin):
            return any(text in value for value in plain(model, field))
        return model.objects.filter(**{f"{field.name}__contains": text}).exists()

    def too_long(self, model, field) -> bool:
        if isinstance(field, EncryptedMixin):
            return any(len(value) > LONGEST_TEXT for value in plain(model, field))
        longest = model.objects.annotate(length=Length(field.name))
        return longest.filter(length__gt=LONGEST_TEXT).exists()

    def with_control_characters(self, model, field) -> bool:
        refused = [*CONTROL_CHARACTERS, "\r", "\u2028"]
        if isinstance(field, models.CharField):  # a single line
            refused += ["\n", "\t"]
        if isinstance(field, EncryptedMixin):
            return any(c in value for value in plain(model, field) for c in refused)
        query = models.Q()
        for character in refused:
            query |= models.Q(**{f"{field.name}__contains": character})
        return model.objects.filter(query).exists()

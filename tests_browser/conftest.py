"""Browser suite: Debian's Chromium, driven by Playwright, against a live server
holding the demo data.

It runs in its own pytest session (`make test-browser`) because it loads the demo
once into its test database and keeps it for every test; the unit suite expects
an empty database.
"""

import io
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings, setup_databases, teardown_databases
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

from demo.management.commands.demo import DEMO_PASSWORD
from demo.second_factor import STEP_SECONDS, code_for_step, demo_key
from ofr.models import SecondFactor

# Playwright's sync API keeps an asyncio loop on the test thread, which makes
# Django refuse ORM calls there; the few tests that touch the database are
# plain synchronous code, so the guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parent.parent / "build/screenshots")
)
SECOND_STEP = "/accounts/two-factor/"


def code_now(username: str) -> str:
    """The code of the moment for a user enrolled with the demo secret. The
    suite signs the same person in several times a minute, and a code is good
    once, so the device first forgets the steps it has seen (replays are the
    unit tests' subject, tests/ofr/test_second_factor.py)."""
    device = SecondFactor.objects.get(user__username=username)
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return code_for_step(demo_key(), int(time.time() // STEP_SECONDS))


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def site(django_test_environment, django_db_blocker, tmp_path_factory):
    """The demo in a fresh test database, served on a free loopback port.

    pytest-django's django_db_setup creates test databases only for tests marked
    django_db, and that mark would flush the demo after every test, so the test
    database is set up here.
    """
    # The demo's documents go to a throwaway folder, never the project's media/.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    # No db_worker runs beside the live server (whose test database a worker
    # process could not see): packets are laid out as soon as they are asked
    # for, by the same task, still in its limited child process.
    override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ).enable()
    # Unblocked for the whole session: the server thread and a few tests use it.
    with django_db_blocker.unblock():
        test_name = connection.creation._get_test_db_name()
        databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        name = connection.settings_dict["NAME"]
        assert name == test_name, f"not the test database: {name}"
        call_command("demo", force=True, stdout=io.StringIO())
        server = LiveServer("127.0.0.1:0")
        yield server
        server.stop()
        teardown_databases(databases, verbosity=0)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visitor:
    """One browser context (one person's cookies) with the console watched."""

    def __init__(self, browser, base_url, viewport=DESKTOP):
        self.base_url = base_url
        self.context = browser.new_context(base_url=base_url, viewport=viewport)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.console_errors = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({self.page.url})")

    def sign_in(self, username, password=DEMO_PASSWORD):
        """Both steps: the password, then the code the demo's authenticator
        secret gives now (demo/second_factor.py)."""
        self.page.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        if SECOND_STEP in self.page.url and "/enrol/" not in self.page.url:
            self.page.get_by_label("Code").fill(code_now(username))
            self.page.get_by_role("button", name="Continue").click()
            self.page.wait_for_load_state()

    def close(self):
        self.context.close()


@pytest.fixture
def visitor(browser, site):
    visitor = Visitor(browser, site.url)
    yield visitor
    visitor.close()


@pytest.fixture
def phone_visitor(browser, site):
    visitor = Visitor(browser, site.url, viewport=PHONE)
    yield visitor
    visitor.close()


def pytest_terminal_summary(terminalreporter):
    shots = sorted(SCREENSHOT_DIR.glob("*.png")) if SCREENSHOT_DIR.exists() else []
    if shots:
        terminalreporter.write_line(f"Screenshots ({len(shots)}): {SCREENSHOT_DIR}")

"""The main journeys, done as a person does them: with the keyboard where it
matters, reading what the page says. Later features add their journeys here."""

import time
from urllib.parse import urlsplit

import pytest
from axes.utils import reset as reset_lockouts
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from demo.management.commands.demo import DEMO_PASSWORD

from .checks import page_problems
from .conftest import Visitor, code_now


def wait_for_path(page, path: str, query: str = "") -> None:
    page.wait_for_url(lambda url: (urlsplit(url).path, urlsplit(url).query) == (path, query))


def focused_text(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def test_keyboard_sign_in_find_a_case_open_it_and_sign_out(visitor):
    page = visitor.page
    page.goto("/")
    page.keyboard.press("Tab")
    assert focused_text(page) == "Skip to main content"
    page.get_by_role("link", name="Sign in").last.click()

    page.get_by_label("Username").focus()
    page.keyboard.type("reviewer")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    wait_for_path(page, "/accounts/two-factor/", "next=/")
    page.get_by_label("Code").focus()
    page.keyboard.type(code_now("reviewer"))
    page.keyboard.press("Enter")
    wait_for_path(page, "/")
    expect(page.get_by_text("Welcome, Priya Raman.")).to_be_visible()
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Cases"
    ).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Cases"
    # Narrow the list by status with the keyboard, then open a case.
    page.get_by_label("Status").select_option(label="Ready for review")
    page.get_by_role("button", name="Search").press("Enter")
    page.wait_for_url(lambda url: "status=ready_for_review" in urlsplit(url).query)
    rows = page.locator("tbody tr")
    assert rows.count() == 4  # the December meeting's agenda, which the reviewer signed for
    assert "RIV-2025-003" not in page.locator("tbody").inner_text()  # closed, filtered out
    page.get_by_role("link", name="RIV-2025-004").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/*/")
    assert "RIV-2025-004" in page.get_by_role("heading", level=1).inner_text()

    page.get_by_role("button", name="Sign out").click()
    wait_for_path(page, "/accounts/login/")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.go_back()  # the case page is not served from the browser's cache
    page.reload()
    assert "/accounts/login/" in page.url
    assert visitor.console_errors == []


def test_idle_session_ends_and_sign_in_returns_to_the_page(visitor):
    visitor.sign_in("coordinator")
    page = visitor.page
    page.goto("/cases/")
    cookie = next(c for c in visitor.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    # Age the session as if the person had left the desk for longer than the limit.
    session = SessionStore(session_key=cookie["value"])
    session["seen_at"] = time.time() - (settings.SESSION_IDLE_MINUTES * 60 + 5)
    session.save()

    page.reload()
    assert "/accounts/login/" in page.url
    expect(page.get_by_text("Your session has ended. Please sign in again.")).to_be_visible()
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Password").press("Enter")
    wait_for_path(page, "/accounts/two-factor/", "next=/cases/")
    page.get_by_label("Code").fill(code_now("coordinator"))
    page.get_by_label("Code").press("Enter")
    wait_for_path(page, "/cases/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cases"


@pytest.fixture
def facilitator_unlocked():
    yield "facilitator"
    reset_lockouts(username="facilitator")


def test_locked_out_user_sees_why_and_what_to_do(visitor, facilitator_unlocked):
    page = visitor.page
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        visitor.sign_in(facilitator_unlocked, password=f"wrong-password-{attempt}")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in locked"
    expect(
        page.get_by_role("alert").get_by_text("too many failed sign-in attempts")
    ).to_be_visible()
    expect(page.get_by_text("You can try again after 15 minutes.")).to_be_visible()
    assert page_problems(page) == []

    # The right password does not get through while locked.
    visitor.sign_in(facilitator_unlocked)
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in locked"


def test_new_case_form_errors_are_announced_and_accessible(visitor):
    visitor.sign_in("coordinator")
    page = visitor.page
    page.goto("/cases/")
    page.get_by_role("link", name="New case").click()
    page.get_by_role("button", name="Save").click()
    reference = page.get_by_label("Reference")
    assert reference.get_attribute("aria-invalid") == "true"
    error_id = reference.get_attribute("aria-describedby").split()[0]
    assert page.locator(f"#{error_id}").inner_text().strip()
    assert page_problems(page) == []


def test_phone_menu_opens_and_reaches_the_cases(phone_visitor):
    phone_visitor.sign_in("coordinator")
    page = phone_visitor.page
    nav = page.get_by_role("navigation", name="Primary navigation")
    assert not nav.is_visible()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Cases").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Cases"
    assert page_problems(page) == []
    assert phone_visitor.console_errors == []


def open_case(page, reference: str) -> None:
    page.goto("/cases/")
    page.get_by_label("Search").fill(reference)
    page.get_by_label("Search").press("Enter")
    page.get_by_role("link", name=reference, exact=True).click()
    assert reference in page.get_by_role("heading", level=1).inner_text()


def test_part2_items_are_placeholders_for_law_enforcement_and_noticed_for_others(browser, site):
    from cases.models import TimelineEvent
    from ofr.roles import SensitiveCategory

    event = TimelineEvent.objects.filter(
        case__reference="RIV-2025-001", sensitivity=SensitiveCategory.PART2_SUD
    ).first()
    assert event is not None, "the demo's RIV-2025-001 has Part 2 touchpoints"
    officer = Visitor(browser, site.url)
    reviewer = Visitor(browser, site.url)
    try:
        officer.sign_in("officer")
        open_case(officer.page, "RIV-2025-001")
        officer_text = officer.page.locator("main").inner_text()
        assert "SUD treatment contact (restricted)" in officer_text
        assert event.description not in officer_text
        assert "42 CFR part 2" not in officer_text

        reviewer.sign_in("reviewer")
        open_case(reviewer.page, "RIV-2025-001")
        reviewer_text = reviewer.page.locator("main").inner_text()
        assert event.description in reviewer_text
        assert "42 CFR part 2 prohibits unauthorized use or disclosure" in reviewer_text
        assert officer.console_errors == [] and reviewer.console_errors == []
    finally:
        officer.close()
        reviewer.close()


def test_coordinator_edits_a_section_and_reads_it_in_the_history(visitor):
    visitor.sign_in("coordinator")
    page = visitor.page
    open_case(page, "RIV-2025-002")
    page.get_by_role("link", name="Edit death details").click()
    page.get_by_label("County of injury").fill("Riverside County (edited)")
    page.get_by_role("button", name="Save").press("Enter")
    expect(page.get_by_text("Death: saved.")).to_be_visible()
    expect(page.locator("#death").get_by_text("Riverside County (edited)")).to_be_visible()
    page.get_by_role("link", name="Change history of case RIV-2025-002").click()
    first_change = page.locator("tbody tr").first
    assert "Death edited" in first_change.inner_text()
    assert "Riverside County (edited)" in first_change.inner_text()
    assert page_problems(page) == []

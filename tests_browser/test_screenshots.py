"""Screenshots of the main pages at desktop (1280 px) and phone (390 px)
widths, for a reviewer to look at; each page must also pass the page checks
at that width (no sideways scrolling, no axe violation)."""

import pytest

from .checks import page_problems
from .conftest import DESKTOP, PHONE, SCREENSHOT_DIR, Visitor


def main_pages(page) -> list[tuple[str, str]]:
    """(name, path) of the main pages, found the way a person finds them."""
    page.goto("/cases/?status=reviewed")
    detail = page.locator("tbody a").first.get_attribute("href")
    page.goto("/meetings/")
    meeting = page.get_by_role("link", name="Riverside case review, autumn").get_attribute("href")
    return [
        ("home", "/"),
        ("case-list", "/cases/"),
        ("case-new", "/cases/new/"),
        ("case-detail", detail),
        ("case-edit", f"{detail}edit/"),
        ("case-history", f"{detail}history/"),
        ("case-access-log", f"{detail}access/"),
        ("meeting-list", "/meetings/"),
        ("meeting-detail", meeting),
        ("meeting-sign-in-sheet", f"{meeting}sign-in-sheet/"),
        ("account", "/accounts/"),
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_pages_at_desktop_and_phone_widths(browser, site, viewport):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    width = viewport["width"]
    anonymous = Visitor(browser, site.url, viewport)
    coordinator = Visitor(browser, site.url, viewport)
    try:
        anonymous.page.goto("/accounts/login/")
        shots = [("sign-in", anonymous.page)]
        coordinator.sign_in("coordinator")
        problems = []
        for name, path in main_pages(coordinator.page):
            page = coordinator.page
            page.goto(path)
            page.screenshot(path=SCREENSHOT_DIR / f"{width}-{name}.png", full_page=True)
            problems.extend(f"{name}: {problem}" for problem in page_problems(page))
        for name, page in shots:
            page.screenshot(path=SCREENSHOT_DIR / f"{width}-{name}.png", full_page=True)
            problems.extend(f"{name}: {problem}" for problem in page_problems(page))
    finally:
        anonymous.close()
        coordinator.close()
    assert not problems, "\n".join(problems)
    assert len(list(SCREENSHOT_DIR.glob(f"{width}-*.png"))) >= 8

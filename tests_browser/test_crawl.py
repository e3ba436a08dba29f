"""Every page every demo user can reach, opened in a real browser.

For each user (and an anonymous visitor) the crawler signs in, then follows
every same-site link from the pages it opens, one page per URL pattern and set
of query parameters, and fails on a broken link or server error, a page without
title, h1 or lang, an axe-core WCAG 2.1 A/AA violation, or a console error.
New pages are covered as soon as something links to them.
"""

from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from demo.management.commands.demo import USERS

from .checks import page_problems

MAX_PAGES_PER_USER = 250
# Not pages: assets, and the admin's own sign-out (a POST form in Django 5).
SKIPPED_PREFIXES = ("/static/", "/media/")


def pattern_key(url: str) -> tuple:
    """URLs that differ only in an object's id or a query value show the same
    template, so one of each is enough."""
    parts = urlsplit(url)
    try:
        route = resolve(parts.path).route
    except Resolver404:
        route = parts.path
    query_names = frozenset(p.split("=", 1)[0] for p in parts.query.split("&") if p)
    if parts.path.startswith("/admin/"):
        # The admin's sort, search and filter links all show the same change
        # list; only its pop-up variant differs.
        query_names = query_names & {"_popup"}
    return route, query_names


def same_site_links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    links = []
    for href in hrefs:
        url, _fragment = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        if parts.path.startswith(SKIPPED_PREFIXES):
            continue
        links.append(url)
    return links


def crawl(visitor, start_paths: list[str]) -> tuple[list[str], list[str]]:
    """Returns (pages visited, problems found)."""
    page = visitor.page
    origin = visitor.base_url.rstrip("/")
    queue = deque(origin + path for path in start_paths)
    seen, visited, problems = set(), [], []
    while queue and len(visited) < MAX_PAGES_PER_USER:
        url = queue.popleft()
        if pattern_key(url) in seen:
            continue
        seen.add(pattern_key(url))
        errors_before = len(visitor.console_errors)
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" not in str(error):
                raise
            # A file download: check it answers, do not render it.
            response = page.request.get(url)
            if response.status >= 400:
                problems.append(f"{url}: download answered {response.status}")
            continue
        final = page.url
        seen.add(pattern_key(final))
        visited.append(final)
        if response is None or response.status >= 400:
            status = response.status if response else "no response"
            problems.append(f"{url}: answered {status}")
            continue
        if "text/html" not in (response.header_value("content-type") or ""):
            continue
        # Read the console before axe runs: axe's own probes add inline styles
        # that the Content-Security-Policy (rightly) refuses.
        problems.extend(
            f"{final}: console: {error}" for error in visitor.console_errors[errors_before:]
        )
        problems.extend(f"{final}: {problem}" for problem in page_problems(page))
        queue.extend(same_site_links(page, origin))
    if queue:
        problems.append(f"stopped after {MAX_PAGES_PER_USER} pages; raise the bound or dedupe")
    return visited, problems


@pytest.mark.parametrize("username", [None] + [username for username, _ in USERS])
def test_every_reachable_page_is_sound_and_accessible(visitor, username):
    start = ["/", "/accounts/login/"]
    if username:
        visitor.sign_in(username)
        assert "/accounts/login/" not in visitor.page.url, f"{username} could not sign in"
        start = ["/"] + (["/admin/"] if username == "admin" else [])
    visited, problems = crawl(visitor, start)
    assert visited, "the crawler opened no page"
    assert not problems, f"{len(problems)} problems on {len(visited)} pages:\n" + "\n".join(
        problems
    )

"""The measurement behind `manage.py bench`: the server time and query count
of the pages people use most, over the dataset of demo/bench_dataset.py.

`measure()` requests each page through Django's test client. It is a plain
function so that the tests run it at a tiny size against the test database.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from demo.bench_dataset import FAR_PAGE, SEARCH_NAME, Dataset
from demo.second_factor import demo_key
from ofr.models import SecondFactor

# The targets at TARGET_CASES cases (medians on a quiet machine, SQLite and
# PostgreSQL alike); a smaller dataset is held to LOOSE_MEDIAN_MS only.
TARGET_CASES = 10_000
TARGET_MS = {"list": 30.0, "list_far": 30.0, "detail": 20.0, "history": 40.0}
TARGET_DETAIL_QUERIES = 10
TARGET_REVIEWER_RATIO = 1.2
LOOSE_MEDIAN_MS = 150.0
LOOSE_PAGES = ("list", "detail")


def _quiet(message: str) -> None:
    pass


@dataclass
class PageResult:
    user: str
    page: str
    label: str
    url: str
    status: int
    queries: int
    bytes: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    requests: int
    timings_ms: list[float] = field(default_factory=list, repr=False)


@dataclass
class Report:
    cases: int
    events: int
    detail_events: int
    requests: int
    results: list[PageResult]
    checks: list[tuple[str, bool, str]]

    @property
    def ok(self) -> bool:
        return all(passed for _name, passed, _detail in self.checks)

    def as_dict(self) -> dict:
        data = asdict(self)
        for result in data["results"]:
            result.pop("timings_ms")
        data["checks"] = [
            {"check": name, "passed": passed, "detail": detail}
            for name, passed, detail in self.checks
        ]
        data["ok"] = self.ok
        return data


class PageFailed(Exception):
    """A measured page did not answer 200."""


def pages(dataset: Dataset) -> list[tuple[str, str, str, bool]]:
    """(key, label, url, coordinator only) of every measured page."""
    case_list = reverse("cases:list")
    detail = reverse("cases:detail", args=[dataset.detail_case.code])
    small = reverse("cases:detail", args=[dataset.small_case.code])
    history = reverse("cases:history", args=[dataset.detail_case.code])
    n = dataset.detail_events
    return [
        ("list", "Case list, page 1", case_list, False),
        ("list_far", f"Case list, page {FAR_PAGE}", f"{case_list}?page={FAR_PAGE}", False),
        # The search box posts the term and lands on ?search=<id> (see search_url).
        ("search", f"Case list, search {SEARCH_NAME}", case_list, False),
        ("detail", f"Case detail, {n} events", detail, False),
        ("detail_small", "Case detail, 1 event", small, False),
        ("history", f"Case history, {n} events", history, False),
        ("overdue", "Overdue record requests", reverse("cases:overdue_requests"), True),
        # The next page's key is read off the first page (see next_page_url).
        (
            "overdue_next",
            "Overdue record requests, page 2",
            reverse("cases:overdue_requests"),
            True,
        ),
        ("recommendations", "Recommendations, page 1", reverse("recommendations:list"), False),
        (
            "recommendations_far",
            f"Recommendations, page {FAR_PAGE}",
            f"{reverse('recommendations:list')}?page={FAR_PAGE}",
            False,
        ),
        ("dashboard", "Recommendations dashboard", reverse("recommendations:dashboard"), False),
    ]


def search_url(client: Client, case_list: str) -> str:
    """Search the way the box does (the term is posted, never put in a URL)
    and return the results page it leads to."""
    response = client.post(case_list, {"q": SEARCH_NAME})
    if response.status_code != 302:
        raise PageFailed(f"The name search answered {response.status_code}.")
    return response["Location"]


def next_page_url(client: Client, url: str, user_key: str) -> str | None:
    """The first page's "Next" link, if any (pages of rows the policy filters go by key)."""
    found = re.search(r'href="\?after=([^"]+)"', _get(client, url, user_key).content.decode())
    return f"{url}?after={found[1]}" if found else None


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil
    return ordered[int(rank) - 1]


def signed_in_with_both_steps(client: Client, user) -> None:
    """Signed in as someone who has entered their code: the pages measured
    are the pages, not the redirect to the second step."""
    device = enrolled_with_demo_secret(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def enrolled_with_demo_secret(user) -> SecondFactor:
    """The user's second factor: the demo's published secret for benchmark
    users (kept datasets from before second factors get one now)."""
    device, _ = SecondFactor.objects.get_or_create(
        user=user, defaults={"name": "Benchmark", "confirmed": True, "key": demo_key()}
    )
    return device


def measure(
    dataset: Dataset,
    *,
    requests: int = 30,
    warmup: int = 3,
    host: str | None = None,
    progress: Callable[[str], None] = _quiet,
) -> Report:
    """Request every page as the coordinator and as the reviewer: `warmup`
    requests, one counted with CaptureQueriesContext (capturing slows requests
    down, so it is kept out of the timings), then `requests` timed ones."""
    if requests < 1:
        raise ValueError("At least one timed request per page.")
    results = []
    for user_key, user in (("coordinator", dataset.coordinator), ("reviewer", dataset.reviewer)):
        client = Client(HTTP_HOST=host or allowed_host())
        signed_in_with_both_steps(client, user)
        for key, label, url, coordinator_only in pages(dataset):
            if coordinator_only and user_key != "coordinator":
                continue
            if key == "search":
                url = search_url(client, url)
            if key == "overdue_next":
                url = next_page_url(client, url, user_key)
                if url is None:
                    continue  # a dataset too small for a second page
            for _ in range(warmup):
                _get(client, url, user_key)
            # The query log keeps the last 9000 queries: a full log counts nothing.
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as queries:
                response = _get(client, url, user_key)
            # Now: the log is emptied at the start of every later request.
            query_count = len(queries)
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                response = _get(client, url, user_key)
                timings.append((time.perf_counter() - started) * 1000)
            result = PageResult(
                user=user_key,
                page=key,
                label=label,
                url=url,
                status=response.status_code,
                queries=query_count,
                bytes=len(response.content),
                median_ms=round(statistics.median(timings), 1),
                p95_ms=round(percentile(timings, 0.95), 1),
                min_ms=round(min(timings), 1),
                max_ms=round(max(timings), 1),
                requests=requests,
                timings_ms=timings,
            )
            progress(f"  {user_key:<12} {label:<32} {result.median_ms:>7.1f} ms median")
            results.append(result)
    return Report(
        cases=dataset.cases,
        events=dataset.events,
        detail_events=dataset.detail_events,
        requests=requests,
        results=results,
        checks=checks(results, dataset.detail_events, dataset.cases),
    )


def allowed_host() -> str:
    """A Host header that ALLOWED_HOSTS accepts (the test client's "testserver" may not be)."""
    for host in settings.ALLOWED_HOSTS:
        if host == "*":
            break
        return f"bench{host}" if host.startswith(".") else host
    return "127.0.0.1"


def _get(client: Client, url: str, user_key: str):
    # HTTPS, as in production (SECURE_SSL_REDIRECT answers plain HTTP with a redirect).
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise PageFailed(f"GET {url} as {user_key} answered {response.status_code}, not 200.")
    return response


def checks(
    results: list[PageResult], detail_events: int, cases: int = 0
) -> list[tuple[str, bool, str]]:
    """Query counts that do not grow with the rows (detail with 1 event vs
    many; list page 1 vs page 20), at any size; at TARGET_CASES cases and
    more the time targets, the detail page's query budget and the reviewer's
    list within TARGET_REVIEWER_RATIO of the coordinator's; below it, list and
    detail under LOOSE_MEDIAN_MS."""
    by_key = {(r.user, r.page): r for r in results}
    full_size = cases >= TARGET_CASES
    found = []
    for user in sorted({r.user for r in results}):
        targets = TARGET_MS if full_size else dict.fromkeys(LOOSE_PAGES, LOOSE_MEDIAN_MS)
        for page, limit in targets.items():
            result = by_key[(user, page)]
            found.append(
                (
                    f"{user}: {result.label} median <= {limit:.0f} ms",
                    result.median_ms <= limit,
                    f"{result.median_ms:.1f} ms",
                )
            )
        if full_size:
            detail = by_key[(user, "detail")]
            found.append(
                (
                    f"{user}: {detail.label} in <= {TARGET_DETAIL_QUERIES} queries",
                    detail.queries <= TARGET_DETAIL_QUERIES,
                    f"{detail.queries} queries",
                )
            )
        for many, few, what in (
            ("detail", "detail_small", f"case detail, 1 vs {detail_events} events"),
            ("list", "list_far", f"case list, page 1 vs page {FAR_PAGE}"),
            ("recommendations", "recommendations_far", f"recommendations, 1 vs {FAR_PAGE}"),
        ):
            if (user, many) in by_key and (user, few) in by_key:
                a, b = by_key[(user, few)].queries, by_key[(user, many)].queries
                found.append((f"{user}: same query count, {what}", a == b, f"{a} vs {b} queries"))
    coordinator, reviewer = by_key.get(("coordinator", "list")), by_key.get(("reviewer", "list"))
    if full_size and coordinator and reviewer:
        ratio = reviewer.median_ms / coordinator.median_ms
        found.append(
            (
                f"reviewer's case list within {TARGET_REVIEWER_RATIO}x the coordinator's",
                ratio <= TARGET_REVIEWER_RATIO,
                f"{ratio:.2f}x",
            )
        )
    return found


def format_report(report: Report) -> str:
    lines = [
        f"Benchmark: {report.cases} cases on the measured team, {report.events} timeline "
        f"events, detail case with {report.detail_events}; {report.requests} timed requests "
        "per page after warm-up.",
        "",
        f"{'user':<12} {'page':<34} {'status':>6} {'median ms':>10} {'p95 ms':>8} "
        f"{'queries':>8} {'KiB':>7}",
    ]
    for r in report.results:
        lines.append(
            f"{r.user:<12} {r.label:<34} {r.status:>6} {r.median_ms:>10.1f} {r.p95_ms:>8.1f} "
            f"{r.queries:>8} {r.bytes / 1024:>7.1f}"
        )
    lines.append("")
    for name, passed, detail in report.checks:
        lines.append(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
    lines.append("")
    lines.append("Targets met." if report.ok else "Targets NOT met.")
    return "\n".join(lines)

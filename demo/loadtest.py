"""What `manage.py loadtest` measures over the stack of demo/loadstack.py:
requests per second and latency of a static file, the sign-in page, the case
list and the case page with 60 touchpoints, each on its own at a fixed number
of concurrent clients, and the targets they are held to.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from demo.loadclient import Result, Session, hammer

LOGIN = "/accounts/login/"
# Pages per second with 3 gunicorn workers and 8 clients.
TARGETS = {"list": 60.0, "detail": 120.0}


class PageFailed(Exception):
    """A page did not answer 200 before the load started."""


@dataclass
class Phase:
    key: str
    label: str
    user: str  # "" for an anonymous visitor
    path: str


def phases(server) -> list[Phase]:
    info = server.info
    detail = f"/cases/{info['detail']}/"
    found = [
        Phase("static", "Static file", "", static_path(server.session())),
        Phase("login", "Sign-in page", "", LOGIN),
    ]
    for user in ("coordinator", "reviewer"):
        found.append(Phase("list", "Case list, page 1", user, "/cases/"))
        found.append(
            Phase("detail", f"Case page, {info['detail_events']} touchpoints", user, detail)
        )
    return found


def static_path(session: Session) -> str:
    """The first stylesheet of the sign-in page (whitenoise serves it)."""
    found = re.search(r'href="(/static/[^"]+\.css)"', session.get(LOGIN).text)
    if found is None:
        raise PageFailed("The sign-in page links no stylesheet.")
    return found.group(1)


def run(
    server, *, password: str, clients: int, seconds: float, warmup: float, say=print
) -> list[tuple[Phase, Result]]:
    signed_in = {"": server.session()}
    for user in ("coordinator", "reviewer"):
        signed_in[user] = server.session()
        signed_in[user].sign_in(LOGIN, server.info[user], password)
    rows = []
    for phase in phases(server):
        first = signed_in[phase.user].get(phase.path)
        if first.status != 200:
            raise PageFailed(f"GET {phase.path} as {phase.user or 'anonymous'}: {first.status}")
        sessions = [signed_in[phase.user].copy() for _ in range(clients)]
        result = hammer(phase.label, sessions, phase.path, seconds=seconds, warmup=warmup)
        say(f"  {phase.user or 'anonymous':<12} {phase.label:<30} {result.per_second:7.1f} req/s")
        rows.append((phase, result))
    return rows


def target_checks(rows: list[tuple[Phase, Result]]) -> list[tuple[str, bool, str]]:
    checks = []
    for phase, result in rows:
        if phase.key in TARGETS:
            target = TARGETS[phase.key]
            checks.append(
                (
                    f"{phase.user}: {phase.label} >= {target:.0f} req/s",
                    result.per_second >= target,
                    f"{result.per_second:.1f} req/s",
                )
            )
    return checks


def error_check(rows: list[tuple[Phase, Result]]) -> tuple[str, bool, str]:
    """Zero errors: every answer a 2xx, every request answered."""
    errors = sum(result.errors for _phase, result in rows)
    server_errors = sum(result.server_errors for _phase, result in rows)
    detail = f"{errors} error(s), {server_errors} of them 5xx"
    for phase, result in rows:
        if result.errors:
            other = {s: n for s, n in result.statuses.items() if not 200 <= s < 300}
            detail += f"; {phase.label} ({phase.user or 'anonymous'}): {other}"
            if result.failures:
                detail += f" {dict(result.failures)}"
    return ("zero errors (non-2xx or no answer)", errors == 0, detail)


def format_report(rows: list[tuple[Phase, Result]], *, heading: str) -> str:
    static = next((r.per_second for p, r in rows if p.key == "static"), 0.0)
    lines = [
        heading,
        "",
        f"{'user':<12} {'page':<30} {'req/s':>7} {'of static':>9} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'requests':>8} {'non-2xx':>7} {'5xx':>4} {'client CPU':>10}",
    ]
    for phase, r in rows:
        share = f"{100 * r.per_second / static:.1f}%" if static else "-"
        lines.append(
            f"{phase.user or 'anonymous':<12} {phase.label:<30} {r.per_second:>7.1f} {share:>9} "
            f"{r.percentile_ms(0.50):>7.1f} {r.percentile_ms(0.95):>7.1f} "
            f"{r.percentile_ms(0.99):>7.1f} {r.requests:>8} {r.errors:>7} "
            f"{r.server_errors:>4} {100 * r.client_cpu:>9.0f}%"
        )
    lines.append("")
    for name, passed, detail in [*target_checks(rows), error_check(rows)]:
        lines.append(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
    return "\n".join(lines)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"

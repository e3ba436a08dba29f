"""What every page must pass: a title, an h1, a language, no horizontal
scrolling, and no axe-core violation at WCAG 2.1 A/AA."""

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
axe = Axe()


def axe_violations(page) -> list[str]:
    """One line per violated rule, naming the elements, so a failure says what to fix."""
    results = axe.run(page, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        rule = f"axe {violation['id']} ({violation['impact']})"
        lines.append(f"{rule}: {violation['help']} [{targets}]")
    return lines


def page_problems(page) -> list[str]:
    problems = []
    if not page.title().strip():
        problems.append("no <title>")
    if page.locator("h1").count() == 0:
        problems.append("no <h1>")
    if not page.evaluate("document.documentElement.lang"):
        problems.append("no lang on <html>")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px at {page.viewport_size['width']}px wide")
    problems.extend(axe_violations(page))
    return problems

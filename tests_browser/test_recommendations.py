"""Issue 6's acceptance with the demo: the partner updates a health-department
recommendation and reaches nothing else; oversight sees both teams' roll-up and
no case data; an annual report opens without decedent names; the governing
committee records a decision and reaches no case."""

from playwright.sync_api import expect

from .checks import page_problems
from .conftest import Visitor


def test_partner_updates_a_health_department_recommendation_and_nothing_else(browser, site):
    from recommendations.models import Recommendation

    sheriffs = Recommendation.objects.filter(lead_agency__name__contains="Sheriff").first()
    partner = Visitor(browser, site.url)
    page = partner.page
    try:
        partner.sign_in("partner")
        page.get_by_role("link", name="Recommendations").first.click()
        assert page.get_by_role("heading", level=1).inner_text() == "Recommendations"
        assert sheriffs.title not in page.locator("main").inner_text()
        page.get_by_role("link", name="Leave-behind naloxone after every EMS overdose call").click()
        page.get_by_role("link", name="Add a progress update").click()
        page.get_by_label("What happened").fill("Kits restocked at every station.")
        page.get_by_role("button", name="Record the update").click()
        expect(page.get_by_text("Update recorded.")).to_be_visible()
        expect(page.get_by_text("Kits restocked at every station.")).to_be_visible()
        assert page_problems(page) == []

        assert page.goto(f"/recommendations/{sheriffs.code}/").status == 404
        assert page.goto("/cases/").status == 403
        partner.console_errors.clear()  # the browser reports the refusals we asked for
    finally:
        partner.close()


def test_oversight_sees_the_roll_up_and_no_case_data(browser, site):
    from cases.models import Case

    oversight = Visitor(browser, site.url)
    page = oversight.page
    try:
        oversight.sign_in("oversight")
        page.goto("/recommendations/dashboard/")
        text = page.locator("main").inner_text()
        assert "Riverside County OFR Team" in text and "Lakeview County OFR Team" in text
        assert page.locator("svg[role=img]").count() == 3
        assert page_problems(page) == []
        page.get_by_role("link", name="Riverside County OFR Team: annual report").click()
        assert "Annual report" in page.get_by_role("heading", level=1).inner_text()
        report = page.locator("main").inner_text()
        for reference in Case.objects.values_list("reference", flat=True):
            assert reference not in report
        assert page_problems(page) == []
        assert page.goto(f"/cases/{Case.objects.first().code}/").status == 404
        oversight.console_errors.clear()
    finally:
        oversight.close()


def test_the_governing_committee_records_its_decision_and_sees_no_case(browser, site):
    from cases.models import Case

    title = "Peer recovery coaches in the emergency department"
    committee = Visitor(browser, site.url)
    page = committee.page
    try:
        committee.sign_in("committee")
        page.goto("/recommendations/dashboard/?sort=title")
        tracking = page.locator("#tracking-table")
        assert tracking.locator("th[aria-sort=ascending]").inner_text().startswith("Recommendation")
        assert page_problems(page) == []
        tracking.get_by_role("link", name=title).click()
        page.get_by_role("link", name="Record the committee's decision").click()
        page.get_by_label("The committee's decision").select_option("returned")
        page.get_by_label("Notes").fill("Say how the coaches are funded after the first year.")
        page.get_by_role("button", name="Save").click()
        expect(
            page.get_by_text("Committee decision recorded: Returned to the team.")
        ).to_be_visible()
        expect(
            page.get_by_text("Say how the coaches are funded after the first year.")
        ).to_be_visible()
        assert page_problems(page) == []
        assert page.goto("/cases/").status == 403
        assert page.goto(f"/cases/{Case.objects.first().code}/").status == 404
        committee.console_errors.clear()  # the browser reports the refusals we asked for
    finally:
        committee.close()

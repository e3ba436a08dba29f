"""The public recommendations page in Spanish: a family member or a member of
the public switches the language with the footer's form (no script needed),
and the page comes back in Spanish, says so (lang="es") and stays accessible."""

from playwright.sync_api import expect

from .checks import page_problems
from .conftest import Visitor


def test_the_public_page_switches_to_spanish(browser, site):
    from ofr.models import Team

    team = Team.objects.get(name="Riverside County OFR Team")
    public = Visitor(browser, site.url)
    page = public.page
    try:
        page.goto(f"/recommendations/public/{team.code}/")
        assert page.evaluate("document.documentElement.lang") == "en"
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == "Riverside County OFR Team: recommendations"
        assert page_problems(page) == []

        page.get_by_role("button", name="Español").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/recommendations/public/{team.code}/")
        assert page.evaluate("document.documentElement.lang") == "es"
        assert heading.inner_text() == "Riverside County OFR Team: recomendaciones"
        assert "Las recomendaciones que el equipo decidió" in page.locator("main").inner_text()
        expect(page.get_by_role("link", name="Iniciar sesión")).to_be_visible()
        # The switch now speaks Spanish, and offers English back.
        expect(page.get_by_role("form", name="Idioma")).to_be_visible()
        expect(page.get_by_role("button", name="English")).to_be_visible()
        assert page_problems(page) == []

        # The choice is kept: the sign-in page follows it.
        page.get_by_role("link", name="Iniciar sesión").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Iniciar sesión"
        assert page_problems(page) == []
        assert public.console_errors == []
    finally:
        public.close()

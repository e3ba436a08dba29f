"""The page checks themselves must catch what they are for: a page with an
unlabelled field or an image without alt text fails the suite."""

from .checks import page_problems

SOUND_PAGE = """<!doctype html><html lang="en"><head><title>Fine</title></head>
<body><main><h1>Fine</h1><label for="name">Name</label><input id="name">
<img src="data:," alt="Logo"></main></body></html>"""


def test_a_sound_page_passes(visitor):
    visitor.page.set_content(SOUND_PAGE)
    assert page_problems(visitor.page) == []


def test_unlabelled_field_and_image_without_alt_are_caught(visitor):
    visitor.page.set_content(
        SOUND_PAGE.replace('<label for="name">Name</label>', "").replace(' alt="Logo"', "")
    )
    problems = "\n".join(page_problems(visitor.page))
    assert "axe label (critical)" in problems
    assert "axe image-alt (critical)" in problems


def test_missing_title_h1_lang_and_sideways_scroll_are_caught(visitor):
    visitor.page.set_content(
        "<!doctype html><html><head></head><body><main><p>Nothing</p>"
        '<div style="width:3000px">wide</div></main></body></html>'
    )
    problems = page_problems(visitor.page)
    assert "no <title>" in problems
    assert "no <h1>" in problems
    assert "no lang on <html>" in problems
    assert any(problem.startswith("scrolls sideways by") for problem in problems)

"""Every word a template shows is marked for translation.

A template's text outside `{% translate %}` and `{% blocktranslate %}` never
reaches the catalogue, so a translator cannot see it and a Spanish reader gets
it in English for ever. This reads every project template (not the admin's
overrides, which extend Django's own translated admin) and fails on shown text
left outside the marks: words between tags, and the shown attributes
(`aria-label`, `title`, `alt`, `placeholder`). What `<code>` holds (field names,
codes) is data and is left alone.
"""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# Whole regions whose words are marked (or are not shown).
MARKED_REGIONS = [
    re.compile(r"\{%\s*blocktranslate\b.*?%\}.*?\{%\s*endblocktranslate\s*%\}", re.S),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"<style\b.*?</style>", re.S),
    re.compile(r"<script\b.*?</script>", re.S),
    re.compile(r"<code\b.*?</code>", re.S),  # field names, codes: data, not words
]
TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
SHOWN_ATTRIBUTE = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')
ENTITY = re.compile(r"&#?\w+;")
WORD = re.compile(r"[^\W\d_]{2,}")


def unmarked_text(source: str) -> list[tuple[int, str]]:
    """(line, text) of each piece of shown text outside the translation tags."""
    for region in MARKED_REGIONS:
        source = region.sub(lambda match: "\n" * match.group(0).count("\n"), source)
    source = TEMPLATE_CODE.sub(lambda match: " " + "\n" * match.group(0).count("\n"), source)
    found = []
    for match in SHOWN_ATTRIBUTE.finditer(source):
        if WORD.search(ENTITY.sub("", match.group(1))):
            found.append((source.count("\n", 0, match.start()) + 1, match.group(0)))
    text = re.sub(r"<[^>]*>", lambda match: "\n" * match.group(0).count("\n"), source, flags=re.S)
    for number, line in enumerate(text.splitlines(), 1):
        if WORD.search(ENTITY.sub("", line)):
            found.append((number, line.strip()))
    return sorted(found)


def project_templates():
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in (".html", ".txt") and "admin" not in path.relative_to(TEMPLATES).parts:
            yield path


def test_every_shown_word_in_the_templates_is_marked():
    problems = [
        f"{path.relative_to(TEMPLATES)}:{number}: {text[:80]}"
        for path in project_templates()
        for number, text in unmarked_text(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "Text not marked for translation:\n" + "\n".join(problems)


def test_the_scan_finds_unmarked_text_and_passes_marked_text():
    unmarked = '<h1>Cases</h1>\n<a aria-label="Close" href="{% url "x" %}">{{ n }}</a>'
    assert unmarked_text(unmarked) == [(1, "Cases"), (2, 'aria-label="Close"')]
    marked = (
        '{% load i18n %}<h1>{% translate "Cases" %}</h1>\n'
        '<a aria-label="{% translate "Close" %}">{{ n }} &nbsp;</a>\n'
        "{% blocktranslate trimmed with n=x.y %}\n  {{ n }} cases\n{% endblocktranslate %}"
    )
    assert unmarked_text(marked) == []

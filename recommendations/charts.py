"""Horizontal bar charts as SVG, drawn on the server: the same markup works in
pages and in PDFs (WeasyPrint), needs no script, and carries a title and a
description for screen readers. Pages show the numbers in a table beside it."""

from dataclasses import dataclass
from html import escape

from django.utils.translation import gettext

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 230
BAR_WIDTH = 300
VALUE_WIDTH = 50
COLOUR = "#005ea2"  # USWDS primary: 7:1 against white


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    url: str = ""  # where the page's table links the bar's row
    # Printed instead of the value: a suppressed count is drawn as an empty bar marked "*".
    text: str = ""

    @property
    def shown(self) -> str:
        return self.text or str(self.value)


def bar_chart_svg(title: str, bars: list[Bar], *, chart_id: str) -> str:
    """An SVG bar chart; values are written at the end of each bar."""
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = max(len(bars), 1) * (BAR_HEIGHT + GAP) + GAP
    top = max((bar.value for bar in bars), default=0) or 1
    summary = "; ".join(f"{bar.label}: {bar.shown}" for bar in bars) or gettext("No data")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="ofr-chart">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * bar.value / top)
        middle = y + BAR_HEIGHT / 2 + 5
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'font-size="14" fill="#1b1b1b">{escape(bar.label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{COLOUR}"/>',
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" font-size="14" '
            f'fill="#1b1b1b">{escape(bar.shown)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)

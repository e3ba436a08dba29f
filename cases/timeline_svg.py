"""A compact SVG strip of a decedent's touchpoints before death, rendered on the server.

The strip is an overview beside the chronological list of timeline events, not a
replacement for it: every mark has a text title and (when given) links to its row in
the list. The markup is plain SVG 1.1 so it works inline in a page under the site's
Content-Security-Policy (no inline styles, no scripts, no external references) and in a
WeasyPrint PDF.

    timeline_strip_svg(events, case.date_of_death, id_prefix="timeline")

`events` are any objects with `date`, `missed_opportunity`, `label` and `system`;
the caller passes labels that are already filtered for the viewer.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext_lazy

# One colour per system, each at least 4.5:1 against white (WCAG 1.4.11 asks 3:1 for
# graphics). Colour is never the only cue: missed opportunities also change shape.
SYSTEM_COLOURS: dict[str, str] = {
    "health_care": "#005ea2",
    "behavioral_health": "#8250c4",
    "sud_treatment": "#00796b",
    "criminal_legal": "#b50909",
    "ems": "#c05600",
    "social_services": "#538200",
    "child_family": "#c41e7a",
    "education": "#8c6a00",
    "housing": "#6f4e37",
    "harm_reduction": "#3f51b5",
    "other": "#71767a",
}
TEXT_COLOUR = "#1b1b1b"
AXIS_COLOUR = "#71767a"

# Marked one by one so that makemessages finds each.
_MONTHS = (
    pgettext_lazy("abbreviated month", "Jan"),
    pgettext_lazy("abbreviated month", "Feb"),
    pgettext_lazy("abbreviated month", "Mar"),
    pgettext_lazy("abbreviated month", "Apr"),
    pgettext_lazy("abbreviated month", "May"),
    pgettext_lazy("abbreviated month", "Jun"),
    pgettext_lazy("abbreviated month", "Jul"),
    pgettext_lazy("abbreviated month", "Aug"),
    pgettext_lazy("abbreviated month", "Sep"),
    pgettext_lazy("abbreviated month", "Oct"),
    pgettext_lazy("abbreviated month", "Nov"),
    pgettext_lazy("abbreviated month", "Dec"),
)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")

# Geometry in viewBox units.
_FONT_SIZE = 11
_CHAR_WIDTH = 6.2  # a generous average glyph width at _FONT_SIZE, for spacing labels
_MARGIN_LEFT = 12
_MARGIN_RIGHT = 20  # room for half of the "Death" label
_MARGIN_TOP = 4
_LABEL_ROW = 20  # tick labels below the axis
_CIRCLE_R = 4
_DIAMOND_R = 6.5  # half-diagonal: a missed opportunity is larger as well as a different shape
_SPACING = 10  # marks in one lane are at least this far apart; lanes are this far apart
_LANE0_OFFSET = 9  # from the axis up to the centre of the lowest lane


def legend_items(events: Iterable[Any] | None = None) -> list[tuple[str, str]]:
    """(system, colour) pairs for the legend, in palette order.

    With `events`, only the systems that occur among them (unknown systems count as
    "other")."""
    if events is None:
        return list(SYSTEM_COLOURS.items())
    present = {_system_key(event.system) for event in events}
    return [(system, colour) for system, colour in SYSTEM_COLOURS.items() if system in present]


def timeline_strip_svg(
    events: Iterable[Any],
    date_of_death: datetime.date | None,
    *,
    window_days: int | None = None,
    width: int = 960,
    height: int = 72,
    id_prefix: str = "timeline",
) -> SafeString:
    """The strip as an inline `<svg>` element, safe to output unescaped.

    The axis runs from the earliest touchpoint (or `window_days` before death) on the
    left to the date of death on the right. Events after death, and before the window,
    are left out and the description says how many. Marks that would touch are moved
    up into further lanes; if they need more lanes than `height` allows, the strip
    grows taller rather than letting one mark hide another."""
    if not _ID_PREFIX.match(id_prefix):
        raise ValueError(f"id_prefix must be a plain element id, not {id_prefix!r}")
    if window_days is not None and window_days < 1:
        raise ValueError("window_days must be at least 1")
    if width < 120 or height < 40:
        raise ValueError("the strip needs at least 120 x 40 units")

    title = gettext("Timeline of touchpoints before death")
    if date_of_death is None:
        return _message_svg(
            id_prefix,
            width,
            height,
            title,
            gettext("Date of death not recorded; no timeline drawn."),
        )
    date_of_death = _as_date(date_of_death)

    shown, after_death, before_window, undated = [], 0, 0, 0
    for event in events:
        if event.date is None:
            undated += 1
            continue
        days = (date_of_death - _as_date(event.date)).days
        if days < 0:
            after_death += 1
        elif window_days is not None and days > window_days:
            before_window += 1
        else:
            shown.append((days, event))
    # Left to right: earliest first; same-day events keep the caller's order.
    shown.sort(key=lambda pair: -pair[0])

    left_out = _left_out_note(after_death, before_window, undated)
    if not shown:
        return _message_svg(
            id_prefix, width, height, title, gettext("No touchpoints recorded"), left_out
        )

    span = window_days if window_days is not None else max(shown[0][0], 1)
    x_left, x_death = _MARGIN_LEFT, width - _MARGIN_RIGHT

    def x_for(days_before: int) -> float:
        return x_left + (span - days_before) / span * (x_death - x_left)

    # Put each mark in the lowest lane where it keeps its distance from the previous one.
    lane_ends: list[float] = []
    placed = []
    for days, event in shown:
        x = x_for(days)
        for lane, end in enumerate(lane_ends):
            if x - end >= _SPACING:
                lane_ends[lane] = x
                break
        else:
            lane = len(lane_ends)
            lane_ends.append(x)
        placed.append((x, lane, days, event))

    needed = _MARGIN_TOP + _DIAMOND_R + (len(lane_ends) - 1) * _SPACING + _LANE0_OFFSET
    height = max(height, round(needed + _LABEL_ROW + 0.5))
    axis_y = height - _LABEL_ROW
    label_y = height - 5

    missed = sum(1 for *_, event in placed if event.missed_opportunity)
    words = {
        "touchpoints": ngettext("%(n)s touchpoint", "%(n)s touchpoints", len(placed))
        % {"n": len(placed)},
        "days": ngettext("%(n)s day", "%(n)s days", span) % {"n": span},
        "missed": missed,
    }
    if missed:
        desc = ngettext(
            "%(touchpoints)s over %(days)s before death; %(missed)s marked as missed opportunity.",
            "%(touchpoints)s over %(days)s before death; %(missed)s marked as missed "
            "opportunities.",
            missed,
        )
    else:
        desc = gettext(
            "%(touchpoints)s over %(days)s before death; none marked as missed opportunities."
        )
    desc = desc % words + left_out

    parts = [_open_svg(id_prefix, width, height, title, desc)]
    parts.append(_line(x_left, axis_y, x_death, axis_y, AXIS_COLOUR, 1))
    parts.extend(_month_ticks(date_of_death, span, x_for, x_left, x_death, axis_y, label_y))
    parts.append(_line(x_death, _MARGIN_TOP, x_death, axis_y + 4, TEXT_COLOUR, 1.5))
    parts.append(_text(x_death, label_y, gettext("Death"), anchor="middle"))
    for x, lane, days, event in placed:
        y = axis_y - _LANE0_OFFSET - lane * _SPACING
        parts.append(_mark(x, y, days, event))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def _mark(x: float, y: float, days: int, event: Any) -> str:
    colour = SYSTEM_COLOURS[_system_key(event.system)]
    if days == 0:
        when = gettext("on the day of death")
    else:
        when = ngettext("%(n)s day before death", "%(n)s days before death", days) % {"n": days}
    text = f"{_as_date(event.date).isoformat()} · {when} · {event.label}"
    if event.missed_opportunity:
        text = gettext("%(text)s (missed opportunity)") % {"text": text}
        r = _DIAMOND_R
        points = f"{_n(x)},{_n(y - r)} {_n(x + r)},{_n(y)} {_n(x)},{_n(y + r)} {_n(x - r)},{_n(y)}"
        shape = (
            f'<polygon class="timeline-mark timeline-missed" points="{points}" '
            f'fill="{colour}" stroke="{TEXT_COLOUR}" stroke-width="1.5">'
            f"<title>{escape(text)}</title></polygon>"
        )
    else:
        shape = (
            f'<circle class="timeline-mark" cx="{_n(x)}" cy="{_n(y)}" r="{_CIRCLE_R}" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="1">'
            f"<title>{escape(text)}</title></circle>"
        )
    # No links: the svg is one image (role="img") to assistive technology, and an
    # image may not hold interactive content (axe "nested-interactive"). The
    # chronological list beside it is the route to each event.
    return shape


def _month_ticks(
    date_of_death: datetime.date,
    span: int,
    x_for: Callable[[int], float],
    x_left: float,
    x_death: float,
    axis_y: float,
    label_y: float,
) -> list[str]:
    start = date_of_death - datetime.timedelta(days=span)
    first = start.year * 12 + start.month - 1 + (start.day > 1)  # first whole month, as an index
    last = date_of_death.year * 12 + date_of_death.month - 1
    max_ticks = max(1, min(6, int((x_death - x_left) // 100)))
    step = next(
        (s for s in _MONTH_STEPS if len(range(-(-first // s) * s, last + 1, s)) <= max_ticks),
        _MONTH_STEPS[-1],
    )
    death_label_half = len(gettext("Death")) * _CHAR_WIDTH / 2
    parts = []
    for index in range(-(-first // step) * step, last + 1, step):
        year, month = divmod(index, 12)
        day = datetime.date(year, month + 1, 1)
        label = str(year) if step >= 12 else f"{_MONTHS[month]} {year}"
        x = x_for((date_of_death - day).days)
        half = len(label) * _CHAR_WIDTH / 2
        if x - half < 0 or x + half + 4 > x_death - death_label_half:
            continue
        parts.append(_line(x, axis_y, x, axis_y + 4, AXIS_COLOUR, 1))
        parts.append(_text(x, label_y, label, anchor="middle"))
    if not parts and x_death - x_left > 160:
        # Too short a span for a month boundary: date the left end instead.
        label = f"{start.day} {_MONTHS[start.month - 1]} {start.year}"
        parts.append(_line(x_left, axis_y, x_left, axis_y + 4, AXIS_COLOUR, 1))
        parts.append(_text(x_left, label_y, label, anchor="start"))
    return parts


def _open_svg(id_prefix: str, width: int, height: int, title: str, desc: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'font-family="sans-serif" font-size="{_FONT_SIZE}">'
        f'<title id="{id_prefix}-title">{escape(title)}</title>'
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>'
    )


def _message_svg(
    id_prefix: str, width: int, height: int, title: str, message: str, note: str = ""
) -> SafeString:
    desc = message if message.endswith(".") else f"{message}."
    return mark_safe(  # noqa: S308 - every interpolated text is escaped
        _open_svg(id_prefix, width, height, title, desc + note)
        + _text(width / 2, height / 2 + _FONT_SIZE / 3, message, anchor="middle")
        + "</svg>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, stroke_width: float) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{colour}" stroke-width="{_n(stroke_width)}"/>'
    )


def _text(x: float, y: float, text: str, *, anchor: str) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{TEXT_COLOUR}">'
        f"{escape(text)}</text>"
    )


def _left_out_note(after_death: int, before_window: int, undated: int) -> str:
    notes = []
    if after_death:
        notes.append(gettext("%(n)s dated after death") % {"n": after_death})
    if before_window:
        notes.append(gettext("%(n)s before the window") % {"n": before_window})
    if undated:
        notes.append(gettext("%(n)s undated") % {"n": undated})
    return " " + gettext("Not shown: %(list)s.") % {"list": ", ".join(notes)} if notes else ""


def _system_key(system: str | None) -> str:
    key = (system or "").lower()
    return key if key in SYSTEM_COLOURS else "other"


def _as_date(value: datetime.date) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _n(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing ".0"."""
    return f"{value:.1f}".rstrip("0").rstrip(".")

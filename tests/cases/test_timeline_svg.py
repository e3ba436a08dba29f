import datetime
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.test import SimpleTestCase
from django.utils.safestring import SafeString

from cases.timeline_svg import SYSTEM_COLOURS, legend_items, timeline_strip_svg

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
DEATH = datetime.date(2025, 3, 1)


@dataclass
class Event:
    date: datetime.date
    missed_opportunity: bool = False
    label: str = "ED visit"
    system: str = "health_care"
    anchor: str | None = None


def days_before(n: int) -> datetime.date:
    return DEATH - datetime.timedelta(days=n)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def marks(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if "timeline-mark" in el.get("class", "")]


def centre(mark: ET.Element) -> tuple[float, float]:
    if mark.tag == f"{SVG}circle":
        return float(mark.get("cx")), float(mark.get("cy"))
    points = [tuple(map(float, p.split(","))) for p in mark.get("points").split()]
    return points[0][0], (points[0][1] + points[2][1]) / 2


def contrast_with_white(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


class TimelineSvgTestCase(SimpleTestCase):
    def test_it_is_well_formed_accessible_svg(self):
        svg = timeline_strip_svg([Event(days_before(30))], DEATH, id_prefix="case-7-timeline")
        self.assertIsInstance(svg, SafeString)
        root = parse(svg)
        self.assertEqual(root.tag, f"{SVG}svg")
        self.assertEqual(root.get("role"), "img")
        self.assertEqual(root.get("width"), "100%")
        self.assertEqual(root.get("viewBox"), "0 0 960 72")
        self.assertEqual(root.get("aria-labelledby"), "case-7-timeline-title case-7-timeline-desc")
        self.assertEqual(root.find(f"{SVG}title").get("id"), "case-7-timeline-title")
        self.assertEqual(root.find(f"{SVG}desc").get("id"), "case-7-timeline-desc")

    def test_it_draws_one_mark_per_event_before_death(self):
        events = [Event(days_before(n)) for n in (400, 200, 30, 0)]
        self.assertEqual(len(marks(parse(timeline_strip_svg(events, DEATH)))), 4)

    def test_it_ignores_events_after_death(self):
        events = [Event(days_before(10)), Event(DEATH + datetime.timedelta(days=1))]
        root = parse(timeline_strip_svg(events, DEATH))
        self.assertEqual(len(marks(root)), 1)
        self.assertIn("Not shown: 1 dated after death.", root.find(f"{SVG}desc").text)

    def test_it_leaves_out_events_before_the_window(self):
        events = [Event(days_before(800)), Event(days_before(700)), Event(days_before(10))]
        root = parse(timeline_strip_svg(events, DEATH, window_days=730))
        self.assertEqual(len(marks(root)), 2)
        self.assertEqual(
            root.find(f"{SVG}desc").text,
            "2 touchpoints over 730 days before death; none marked as missed opportunities."
            " Not shown: 1 before the window.",
        )

    def test_it_draws_missed_opportunities_as_outlined_diamonds(self):
        events = [Event(days_before(100)), Event(days_before(50), missed_opportunity=True)]
        circle, diamond = marks(parse(timeline_strip_svg(events, DEATH)))
        self.assertEqual(circle.tag, f"{SVG}circle")
        self.assertEqual(diamond.tag, f"{SVG}polygon")
        self.assertIn("timeline-missed", diamond.get("class"))
        self.assertEqual(diamond.get("stroke"), "#1b1b1b")
        self.assertEqual(len(diamond.get("points").split()), 4)
        self.assertTrue(diamond.find(f"{SVG}title").text.endswith("(missed opportunity)"))

    def test_it_titles_each_mark(self):
        events = [Event(days_before(410), label="Jail release"), Event(DEATH)]
        first, last = marks(parse(timeline_strip_svg(events, DEATH)))
        self.assertEqual(
            first.find(f"{SVG}title").text, "2024-01-16 · 410 days before death · Jail release"
        )
        self.assertEqual(
            last.find(f"{SVG}title").text, "2025-03-01 · on the day of death · ED visit"
        )

    def test_it_escapes_text(self):
        label = '<script>alert("x")</script> & co'
        svg = timeline_strip_svg([Event(days_before(5), label=label)], DEATH)
        self.assertNotIn("<script", svg)
        self.assertIn("&lt;script&gt;", svg)
        self.assertIn("&amp; co", svg)
        (mark,) = marks(parse(svg))
        self.assertTrue(mark.find(f"{SVG}title").text.endswith(label))

    def test_it_uses_no_inline_styles_scripts_or_external_references(self):
        events = [
            Event(days_before(300), missed_opportunity=True, anchor="event-1"),
            Event(days_before(20), system="criminal_legal"),
        ]
        svg = timeline_strip_svg(events, DEATH)
        self.assertNotIn("style=", svg)
        self.assertNotIn("<style", svg)
        self.assertNotIn("<script", svg)
        self.assertNotIn("<image", svg)
        self.assertNotIn("<foreignObject", svg)
        self.assertNotIn("url(", svg)
        for el in parse(svg).iter():
            for name in ("href", f"{XLINK}href"):
                self.assertTrue(el.get(name, "#").startswith("#"))

    def test_it_describes_the_timeline(self):
        events = [
            Event(days_before(n), missed_opportunity=n in (410, 200, 20))
            for n in range(410, 0, -30)
        ]
        events += [Event(days_before(1)), Event(days_before(410))]
        root = parse(timeline_strip_svg(events, DEATH))
        self.assertEqual(
            root.find(f"{SVG}desc").text,
            "16 touchpoints over 410 days before death; 3 marked as missed opportunities.",
        )

    def test_it_says_when_there_are_no_touchpoints(self):
        root = parse(timeline_strip_svg([], DEATH))
        self.assertEqual(marks(root), [])
        self.assertEqual(root.find(f"{SVG}text").text, "No touchpoints recorded")
        self.assertEqual(root.find(f"{SVG}desc").text, "No touchpoints recorded.")
        self.assertEqual(root.get("role"), "img")

    def test_it_says_so_when_only_events_after_death_were_given(self):
        after = Event(DEATH + datetime.timedelta(days=3))
        root = parse(timeline_strip_svg([after], DEATH))
        self.assertEqual(root.find(f"{SVG}text").text, "No touchpoints recorded")
        self.assertEqual(
            root.find(f"{SVG}desc").text, "No touchpoints recorded. Not shown: 1 dated after death."
        )

    def test_it_keeps_same_day_events_apart(self):
        day = days_before(40)
        events = [Event(day), Event(day, missed_opportunity=True), Event(day), Event(day)]
        events.append(Event(day + datetime.timedelta(days=1)))
        centres = [centre(m) for m in marks(parse(timeline_strip_svg(events, DEATH)))]
        self.assertEqual(len(set(centres)), 5)

    def test_it_grows_taller_instead_of_hiding_marks(self):
        events = [Event(days_before(40)) for _ in range(12)]
        root = parse(timeline_strip_svg(events, DEATH))
        height = float(root.get("viewBox").split()[3])
        self.assertGreater(height, 72)
        centres = [centre(m) for m in marks(root)]
        self.assertEqual(len(set(centres)), 12)
        self.assertTrue(all(6 <= y <= height - 20 for _, y in centres))

    def test_it_holds_no_links_an_image_may_not_contain(self):
        events = [Event(days_before(9), anchor="event-12"), Event(days_before(3))]
        root = parse(timeline_strip_svg(events, DEATH))
        self.assertEqual(root.findall(f".//{SVG}a"), [])
        self.assertEqual(len(marks(root)), 2)

    def test_it_orders_marks_left_to_right_by_date(self):
        events = [Event(days_before(n)) for n in (5, 300, 120, 60, 299)]
        root = parse(timeline_strip_svg(events, DEATH))
        titles = [m.find(f"{SVG}title").text[:10] for m in marks(root)]
        self.assertEqual(titles, sorted(titles))
        xs = [centre(m)[0] for m in marks(root)]
        self.assertEqual(xs, sorted(xs))
        self.assertEqual(xs[0], 12)  # the earliest event sits at the left edge
        self.assertEqual(xs[-1] < 940, True)  # the death line is at 940

    def test_it_labels_death_and_some_months(self):
        events = [Event(days_before(410))]
        texts = [t.text for t in parse(timeline_strip_svg(events, DEATH)).iter(f"{SVG}text")]
        self.assertIn("Death", texts)
        self.assertGreaterEqual(len(texts), 3)
        self.assertLessEqual(len(texts), 7)
        self.assertIn("Jan 2025", texts)

    def test_it_labels_years_on_a_long_span(self):
        events = [Event(days_before(3000))]
        texts = [t.text for t in parse(timeline_strip_svg(events, DEATH)).iter(f"{SVG}text")]
        self.assertIn("2020", texts)
        self.assertLessEqual(len(texts), 7)

    def test_it_dates_the_left_end_of_a_short_span(self):
        texts = [
            t.text
            for t in parse(timeline_strip_svg([Event(days_before(10))], DEATH)).iter(f"{SVG}text")
        ]
        self.assertEqual(texts, ["19 Feb 2025", "Death"])

    def test_it_colours_marks_by_system_with_enough_contrast(self):
        events = [Event(days_before(10 * i), system=s) for i, s in enumerate(SYSTEM_COLOURS)]
        events.append(Event(days_before(200), system="SUD_treatment"))
        events.append(Event(days_before(210), system="unheard_of"))
        fills = [m.get("fill") for m in marks(parse(timeline_strip_svg(events, DEATH)))]
        self.assertEqual(fills[0], SYSTEM_COLOURS["other"])
        self.assertEqual(fills[1], SYSTEM_COLOURS["sud_treatment"])
        self.assertEqual(fills[2:], list(reversed(SYSTEM_COLOURS.values())))
        self.assertEqual(len(set(SYSTEM_COLOURS.values())), len(SYSTEM_COLOURS))
        for system, colour in SYSTEM_COLOURS.items():
            self.assertGreaterEqual(contrast_with_white(colour), 3, system)

    def test_it_lists_legend_items(self):
        self.assertEqual(legend_items(), list(SYSTEM_COLOURS.items()))
        events = [Event(DEATH, system="ems"), Event(DEATH, system="health_care")]
        self.assertEqual(
            legend_items(events),
            [("health_care", SYSTEM_COLOURS["health_care"]), ("ems", SYSTEM_COLOURS["ems"])],
        )

    def test_it_says_when_the_date_of_death_is_missing(self):
        root = parse(timeline_strip_svg([Event(days_before(3))], None))
        self.assertEqual(marks(root), [])
        self.assertIn("Date of death not recorded", root.find(f"{SVG}text").text)

    def test_it_refuses_an_unsafe_id_prefix(self):
        with self.assertRaises(ValueError):
            timeline_strip_svg([], DEATH, id_prefix='x" onload="alert(1)')

    def test_it_fits_a_phone_width_viewbox(self):
        events = [Event(days_before(n), missed_opportunity=n == 90) for n in (400, 200, 90, 2)]
        root = parse(timeline_strip_svg(events, DEATH, width=390, height=72))
        self.assertEqual(root.get("viewBox"), "0 0 390 72")
        xs = [centre(m)[0] for m in marks(root)]
        self.assertTrue(all(0 < x < 390 for x in xs))

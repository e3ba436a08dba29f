"""Meeting packets: one PDF per recipient, rendered from templates by WeasyPrint.

    html = packet_html(team=team, cases=cases, recipient=user,
                       viewers=viewers_for(user, cases),
                       copy_number=3, prepared_on=date.today())
    pdf = packet_pdf(...same arguments...)

The packet holds, in order (docs/decisions.md "Meetings and packets"): a cover with the
team's confidentiality statement, the agenda, the guiding principles and ground
rules, then per case its de-identified summary, death details, circumstances,
toxicology, timeline (with the SVG strip), records received, members' notes and
findings; then the open recommendations. Every page carries the watermark
"CONFIDENTIAL — copy N — prepared for NAME — DATE" and "Page X of Y".

What a recipient may see is decided by the confidentiality policy
(cases/policy.py), exactly as on the pages: the timeline, notes, findings and
records come through it (placeholders for restricted items, the 42 CFR 2.32
notice on Part 2 items), and identifiers only through identifiers_for, and only
when the caller asks for them, the team's policy allows them and the recipient
may see them. Nothing a recipient may not see is put in the HTML.

The PDF is laid out by ofr/pdf.py (tagged PDF/UA-1; WeasyPrint fetches only
the project's static files). Rendering takes seconds (about 5 pages a
second): callers run it off the request thread.
"""

from collections.abc import Iterable, Sequence
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.casefile import case_file
from cases.models import Case
from cases.policy import PART2_NOTICE, CaseViewer
from ofr.models import Team
from ofr.pdf import render_pdf, static_prefix
from recommendations.access import open_recommendations

TEMPLATE = "meetings/packets/packet.html"
STRIP_WIDTH = 720  # viewBox units: the strip fills the text width of a letter page

# The nine facilitation steps of an OFR meeting (docs/sources.md A6, from the FACIL toolkit).
AGENDA_STEPS: tuple[tuple[str, str], ...] = (
    (
        _("Opening remarks and introductions"),
        _(
            "Member introductions, updates from previous meetings, upcoming events, "
            "data presentation, the case selection criteria."
        ),
    ),
    (
        _("Goals and ground rules"),
        _(
            "The facilitator reads the goals, guiding principles and ground rules aloud and asks "
            "whether new ground rules are needed."
        ),
    ),
    (
        _("Confidentiality"),
        _("The facilitator or coordinator collects everyone's signed confidentiality agreement."),
    ),
    (_("Case presentation"), _("The facilitator presents each decedent's basic case information.")),
    (
        _("Member report-outs"),
        _(
            "Each member shares what their agency knew of the decedent, their social connections "
            "and the overdose: medical examiner or coroner, EMS and fire, law enforcement, health "
            "care, social services, public health, prosecutor, others."
        ),
    ),
    (_("Group discussion"), _("Missed opportunities, system gaps, risk and protective factors.")),
    (_("Case and timeline summary"), _("The facilitator summarises the case and its timeline.")),
    (_("Recommendations"), _("The team formulates recommendations for system change.")),
    (
        _("Summary and adjournment"),
        _("Next steps; every packet copy is handed back for destruction."),
    ),
)

GUIDING_PRINCIPLES = (
    _("Overdose deaths are preventable."),
    _("Substance use disorder is a chronic, treatable disease."),
    _("Multisector data inform the response."),
    _("The team continually improves its review process and its prevention work."),
)

GROUND_RULES = (
    _(
        "Blame-neutral: we discuss what systems did and could do, not who is at fault. Use "
        "person-first, non-stigmatising language."
    ),
    _(
        "Confidentiality: what is shared in the meeting stays in the meeting. It is used only for "
        "the review and is never repeated outside it."
    ),
    _(
        "No copies: do not copy, photograph, scan, forward or take away any part of this packet. "
        "It is handed back at the end of the meeting and destroyed."
    ),
    _("Each member speaks for what their own agency knew; everyone may ask clarifying questions."),
)


def previous_meeting_day(meeting) -> date | None:
    """The day of the team's meeting before this one, if any."""
    earlier = (
        meeting.team.meetings.filter(starts_at__lt=meeting.starts_at)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localdate(earlier) if earlier else None


def agenda_items(agenda: Iterable) -> list[tuple[str, str]]:
    """(title, detail) pairs: the caller's agenda (strings or pairs), else the nine steps."""
    items = [(item, "") if isinstance(item, str) else tuple(item) for item in agenda]
    return items or list(AGENDA_STEPS)


def display_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def recipient_name(recipient) -> str:
    return recipient.get_full_name().strip() or recipient.get_username()


def watermark_text(recipient, copy_number: int, prepared_on: date) -> str:
    name = recipient_name(recipient)
    return gettext("CONFIDENTIAL — copy %(number)s — prepared for %(name)s — %(date)s") % {
        "number": copy_number,
        "name": name,
        "date": display_date(prepared_on),
    }


def packet_html(
    *,
    team: Team,
    cases: Sequence[Case],
    recipient,
    viewers: dict[int, CaseViewer],
    copy_number: int,
    prepared_on: date,
    meeting_title: str = "",
    agenda: Iterable = (),
    include_identifiers: bool = False,
    recommendations_since: date | None = None,
) -> str:
    """The packet as HTML, for one recipient. `viewers` maps each case's pk to
    the recipient's policy viewer on it (cases.access.viewers_for); a case the
    recipient may not view, or of another team, is refused with PermissionError.
    `agenda` holds strings or (title, detail) pairs; empty means the nine
    facilitation steps. The packet is in English, whoever asks for it and in
    whatever language (docs/decisions.md "Languages")."""
    with translation.override("en"):
        if copy_number < 1:
            raise ValueError("Copies are numbered from 1.")
        # Identifiers need the caller's request, the team's policy and the recipient's permission.
        with_identifiers = include_identifiers and team.packets_may_include_identifiers
        packet_cases = []
        for case in cases:
            viewer = viewers.get(case.pk)
            if case.team_id != team.pk or viewer is None or not viewer.may("view_case"):
                # Refused outright: a packet never carries a case its recipient may not open.
                raise PermissionError(f"The recipient may not view case {case.reference}.")
            packet_cases.append(
                case_file(case, viewer, with_identifiers=with_identifiers, strip_width=STRIP_WIDTH)
            )
        context = {
            "team": team,
            "title": meeting_title or gettext("%(team)s: case review packet") % {"team": team.name},
            "recipient_name": recipient_name(recipient),
            "copy_number": copy_number,
            "prepared_on": display_date(prepared_on),
            "watermark": watermark_text(recipient, copy_number, prepared_on),
            "agenda": agenda_items(agenda),
            "guiding_principles": GUIDING_PRINCIPLES,
            "ground_rules": GROUND_RULES,
            "packet_cases": packet_cases,
            "shows_part2": any(pc.shows_part2 for pc in packet_cases),
            "part2_notice": PART2_NOTICE,
            "recommendations": open_recommendations(recipient, team, recommendations_since),
            "recommendations_since": recommendations_since,
            "static_prefix": static_prefix(),
        }
        return render_to_string(TEMPLATE, context)


def packet_pdf(
    *,
    team: Team,
    cases: Sequence[Case],
    recipient,
    viewers: dict[int, CaseViewer],
    copy_number: int,
    prepared_on: date,
    meeting_title: str = "",
    agenda: Iterable = (),
    include_identifiers: bool = False,
) -> bytes:
    """The packet as a tagged PDF (PDF/UA-1), for one recipient: see packet_html."""
    html = packet_html(
        team=team,
        cases=cases,
        recipient=recipient,
        viewers=viewers,
        copy_number=copy_number,
        prepared_on=prepared_on,
        meeting_title=meeting_title,
        agenda=agenda,
        include_identifiers=include_identifiers,
    )
    return render_pdf(html)[0]

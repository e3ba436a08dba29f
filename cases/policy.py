"""The confidentiality policy: what one viewer may see of one case file.

Every channel that shows case content asks this module, and nothing else
decides: case pages, edit forms and their choices, history pages, item URLs,
meetings and facilitator mode, packets, letters, and the findings named on
recommendation pages. Which cases a person may open at all is decided before,
by cases/access.py; which permissions a role and sector hold, by ofr/roles.py.

An item of the case file (touchpoint, note, finding, record request, document)
needs every one of its sensitive categories (`categories_of`):
- its own category;
- the categories of the records it asks for (a record request), or that the
  request it answers asked for (a document);
- Part 2 when it comes from a 42 CFR Part 2 program, unless a coordinator
  recorded why it is not Part 2;
- the categories of its touchpoints (a note on a touchpoint, a finding linked
  to touchpoints): what is written about a protected contact is as protected.

A viewer holds a category (`may_see_category`) with its permission on the case;
next-of-kin interview material also to its author (the interviewer); and on a
case deferred for an investigation, law-enforcement investigative material only
to its author and to holders of view_deferred_investigative (coordinators).

An item the viewer may not see is a placeholder in the case file (its kind and
the month, never its text), absent from history and from recommendation pages,
and a 404 at its own URL. Part 2 content that is shown carries the 42 CFR 2.32
notice. History rows are shown only when the viewer may see the item both as it
is now and as it was in that row, so that re-filing an item hides its past.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cases import valuesets as vs
from cases.identifying import identifying_content
from cases.models import (
    Case,
    DecedentIdentifiers,
    DeferralRequest,
    Finding,
    FindingEvent,
    NokInterview,
    Note,
    RecordRequest,
    SourceDocument,
    TimelineEvent,
)
from ofr.access import active_memberships
from ofr.audit import record
from ofr.models import AccessEvent, Agency
from ofr.roles import (
    CASE_PERMISSIONS,
    DEFERRAL_DECIDING_ROLES,
    PART2_EXEMPTING_ROLES,
    Role,
    SensitiveCategory,
    category_permission,
)

# Marked for translation but kept in English here: the exports and the packets
# use it as it is; the case pages show it translated (Decision.notice).
PART2_NOTICE = gettext_noop(
    "42 CFR part 2 prohibits unauthorized use or disclosure of these records. "
    "This information has been disclosed to you from records protected by federal "
    "confidentiality rules (42 CFR part 2), which prohibit further disclosure and its use "
    "to investigate or prosecute any patient with regard to a crime."
)

# What a hidden item shows instead of itself, by the first category the viewer
# lacks: a touchpoint, a received record or document, and a note. Whole labels
# (not pieced together) so that each can be translated.
PLACEHOLDER_LABELS = {
    SensitiveCategory.PART2_SUD: _("SUD treatment contact (restricted)"),
    SensitiveCategory.MENTAL_HEALTH: _("Mental health contact (restricted)"),
    SensitiveCategory.LE_INVESTIGATIVE: _("Law-enforcement investigative item (restricted)"),
    SensitiveCategory.NOK_INTERVIEW: _("Next-of-kin interview (restricted)"),
    SensitiveCategory.CHILD_SERVICES: _("Child services record (restricted)"),
    SensitiveCategory.EDUCATION: _("Education record (restricted)"),
}
RECORD_PLACEHOLDER_LABELS = {
    SensitiveCategory.PART2_SUD: _("SUD treatment record (restricted)"),
    SensitiveCategory.MENTAL_HEALTH: _("Mental health record (restricted)"),
    SensitiveCategory.LE_INVESTIGATIVE: _("Law-enforcement investigative item (restricted)"),
    SensitiveCategory.NOK_INTERVIEW: _("Next-of-kin interview (restricted)"),
    SensitiveCategory.CHILD_SERVICES: _("Child services record (restricted)"),
    SensitiveCategory.EDUCATION: _("Education record (restricted)"),
}
NOTE_PLACEHOLDER_LABELS = {
    SensitiveCategory.PART2_SUD: _("Note (SUD treatment contact, restricted)"),
    SensitiveCategory.MENTAL_HEALTH: _("Note (Mental health contact, restricted)"),
    SensitiveCategory.LE_INVESTIGATIVE: _("Note (Law-enforcement investigative item, restricted)"),
    SensitiveCategory.NOK_INTERVIEW: _("Note (Next-of-kin interview, restricted)"),
    SensitiveCategory.CHILD_SERVICES: _("Note (Child services record, restricted)"),
    SensitiveCategory.EDUCATION: _("Note (Education record, restricted)"),
}

INVESTIGATION_DEFERRALS = frozenset(
    {vs.DeferralReason.ACTIVE_INVESTIGATION, vs.DeferralReason.PROSECUTION_PENDING}
)

# Who wrote or filed each kind of item: the interviewer of next-of-kin
# material, the uploader of an investigative document.
AUTHOR_FIELDS = {
    TimelineEvent: "created_by_id",
    SourceDocument: "uploaded_by_id",
    Note: "author_id",
    Finding: "proposed_by_id",
    RecordRequest: "created_by_id",
    DeferralRequest: "requested_by_id",
    NokInterview: "interviewer_id",
}


def _model(item) -> type:
    """The model of an item or of one of its history rows."""
    return getattr(item, "instance_type", type(item))


def investigation_deferred(case: Case) -> bool:
    return case.status == Case.Status.DEFERRED and case.deferral_reason in INVESTIGATION_DEFERRALS


class ItemIndex:
    """Facts outside an item that its categories depend on, for a set of cases:
    which agencies are Part 2 programs, the categories of the cases' touchpoints,
    the links of their findings. One query each, on first use; pages that have
    already loaded touchpoints or findings with their links hand them over
    (`know_events`, `know_finding_links`) and spare the query."""

    def __init__(self, case_ids) -> None:
        self.case_ids = frozenset(case_ids)
        self.known_event_categories: dict[int, tuple[str, ...]] = {}
        self.known_finding_events: dict[int, list[int]] = {}

    @cached_property
    def part2_agency_ids(self) -> frozenset[int]:
        return frozenset(Agency.objects.filter(part2_program=True).values_list("pk", flat=True))

    @cached_property
    def _event_categories(self) -> dict[int, tuple[str, ...]]:
        events = TimelineEvent.objects.filter(case_id__in=self.case_ids).only(
            "id", "sensitivity", "agency_id", "not_part2_reason"
        )
        return {event.pk: self.own_categories(event) for event in events}

    @cached_property
    def _finding_events(self) -> dict[int, list[int]]:
        links = defaultdict(list)
        rows = FindingEvent.objects.filter(finding__case_id__in=self.case_ids)
        for finding_id, event_id in rows.values_list("finding_id", "event_id"):
            links[finding_id].append(event_id)
        return links

    @cached_property
    def _request_categories(self) -> dict[int, tuple[str, ...]]:
        requests = RecordRequest.objects.filter(case_id__in=self.case_ids).only(
            "id", "record_types", "agency_id", "not_part2_reason"
        )
        return {request.pk: categories_of(request, self) for request in requests}

    def request_categories(self, request_id) -> tuple[str, ...]:
        return self._request_categories.get(request_id, ()) if request_id is not None else ()

    @cached_property
    def finding_sensitivity(self) -> dict[int, str]:
        rows = Finding.objects.filter(case_id__in=self.case_ids)
        return dict(rows.values_list("pk", "sensitivity"))

    def event_categories(self, event_id) -> tuple[str, ...]:
        if event_id is None:
            return ()
        if event_id in self.known_event_categories:
            return self.known_event_categories[event_id]
        return self._event_categories.get(event_id, ())

    def finding_events(self, finding_id) -> list[int]:
        if finding_id in self.known_finding_events:
            return self.known_finding_events[finding_id]
        return self._finding_events.get(finding_id, [])

    def know_events(self, events) -> None:
        """Touchpoints already loaded (with their agency ids)."""
        for event in events:
            self.known_event_categories[event.pk] = self.own_categories(event)

    def know_finding_links(self, findings) -> None:
        """Findings already loaded with their `events` prefetched."""
        for finding in findings:
            if "events" in getattr(finding, "_prefetched_objects_cache", {}):
                self.known_finding_events[finding.pk] = [e.pk for e in finding.events.all()]

    def own_categories(self, item) -> tuple[str, ...]:
        """The item's category, and Part 2 if it comes from a Part 2 program."""
        found = [getattr(item, "sensitivity", "")]
        if item.agency_id in self.part2_agency_ids and not item.not_part2_reason:
            found.append(SensitiveCategory.PART2_SUD)
        return _distinct(found)


def _distinct(categories) -> tuple[str, ...]:
    return tuple(c for c in dict.fromkeys(categories) if c)


def categories_of(item, index: ItemIndex) -> tuple[str, ...]:
    """Every category a viewer needs to see the item (or a history row of it)."""
    model = _model(item)
    if model is TimelineEvent:
        return index.own_categories(item)
    if model is SourceDocument:
        # The records a request asked for are what answers it.
        asked = index.request_categories(item.record_request_id)
        return _distinct([*index.own_categories(item), *asked])
    if model is RecordRequest:
        asked = (vs.RECORD_TYPE_CATEGORY.get(t, "") for t in item.record_types or ())
        return _distinct([*asked, *index.own_categories(item)])
    if model is Note:
        event = index.event_categories(item.timeline_event_id)
        return _distinct([item.sensitivity, *event])
    if model is Finding:
        linked = index.finding_events(item.id)
        events = (c for event_id in linked for c in index.event_categories(event_id))
        return _distinct([item.sensitivity, *events])
    if model is DeferralRequest:
        return (SensitiveCategory.LE_INVESTIGATIVE,)
    if model is NokInterview:
        return (SensitiveCategory.NOK_INTERVIEW,)
    if model is FindingEvent:
        finding_id = item.finding_id
        linked = index.finding_events(finding_id)
        events = (
            c for event_id in [*linked, item.event_id] for c in index.event_categories(event_id)
        )
        return _distinct([index.finding_sensitivity.get(finding_id, ""), *events])
    return ()


def author_of(item) -> int | None:
    field = AUTHOR_FIELDS.get(_model(item))
    return getattr(item, field) if field else None


@dataclass(frozen=True)
class Decision:
    """How one item shows to one viewer."""

    shown: bool
    categories: tuple[str, ...]
    hidden_by: str = ""  # the first category the viewer lacks

    @property
    def notice(self) -> str:
        """The 42 CFR 2.32 notice for Part 2 content that is shown."""
        return (
            gettext(PART2_NOTICE)
            if self.shown and SensitiveCategory.PART2_SUD in self.categories
            else ""
        )

    @property
    def placeholder(self) -> str:
        return str(PLACEHOLDER_LABELS.get(self.hidden_by, _("Restricted item")))

    @property
    def record_placeholder(self) -> str:
        """The placeholder of a hidden record request, received record or document."""
        return str(RECORD_PLACEHOLDER_LABELS.get(self.hidden_by, _("Restricted item")))

    @property
    def note_placeholder(self) -> str:
        return str(
            NOTE_PLACEHOLDER_LABELS.get(self.hidden_by, _("Note (Restricted item, restricted)"))
        )


class CaseViewer:
    """One person looking at one case: their permissions on it (cases/access.py)
    and what the rules above need to know about the case."""

    def __init__(
        self,
        *,
        user_id: int | None,
        permissions: frozenset[str],
        case: Case,
        roles: frozenset[str] = frozenset(),
        index=None,
    ) -> None:
        self.user_id = user_id
        self.permissions = permissions
        self.roles = roles  # the user's roles on the case's team (ofr/roles.py)
        self.case = case
        self.investigation_deferred = investigation_deferred(case)
        self.index = index if index is not None else ItemIndex([case.pk])

    def may(self, perm: str) -> bool:
        return perm in self.permissions

    @property
    def sees_identifiers(self) -> bool:
        return "view_identifiers" in self.permissions

    @property
    def decides_deferrals(self) -> bool:
        return bool(self.roles & DEFERRAL_DECIDING_ROLES)

    @property
    def may_record_not_part2(self) -> bool:
        """Whether the viewer may record why an item from a Part 2 program is not Part 2."""
        return bool(self.roles & PART2_EXEMPTING_ROLES)

    def may_see_category(self, category: str, *, author_id: int | None = None) -> bool:
        authored = author_id is not None and author_id == self.user_id
        if category == SensitiveCategory.NOK_INTERVIEW and authored:
            return True
        if category == SensitiveCategory.LE_INVESTIGATIVE and self.investigation_deferred:
            return authored or "view_deferred_investigative" in self.permissions
        return category_permission(category) in self.permissions

    def decide(self, item) -> Decision:
        categories = categories_of(item, self.index)
        author_id = author_of(item)
        if _model(item) is DeferralRequest:
            # A request to defer for an investigation tells of the investigation:
            # its asker and those who decide deferrals read it.
            shown = author_id == self.user_id or self.decides_deferrals
            hidden_by = "" if shown else SensitiveCategory.LE_INVESTIGATIVE
            return Decision(shown=shown, categories=categories, hidden_by=hidden_by)
        for category in categories:
            if not self.may_see_category(category, author_id=author_id):
                return Decision(shown=False, categories=categories, hidden_by=category)
        return Decision(shown=True, categories=categories)

    def fileable_categories(self) -> list[str]:
        """The categories the viewer may file an item in: those they could read
        as its author (nobody files what they could not open again)."""
        return [
            c for c in SensitiveCategory.values if self.may_see_category(c, author_id=self.user_id)
        ]


# --- The case file as one viewer sees it -------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    """A timeline event as one viewer may see it."""

    anchor: str
    date: date
    date_display: str
    days_before_death: int | None
    system: str
    system_label: str
    missed_opportunity: bool
    restricted: bool
    label: str  # the touchpoint type, or the placeholder
    agency: str = ""
    description: str = ""
    sensitivity_label: str = ""
    notice: str = ""
    event: TimelineEvent | None = None  # only when not restricted
    notes: tuple = ()


@dataclass(frozen=True)
class RestrictedItem:
    """What a viewer who may not see a note, finding, request or document sees of it."""

    label: str
    date_display: str
    restricted: bool = True


def _month(day) -> str:
    return day.strftime("%B %Y")


def _date_display(event: TimelineEvent) -> str:
    if event.date_precision == vs.DatePrecision.MONTH:
        return event.date.strftime("%B %Y")
    if event.date_precision == vs.DatePrecision.YEAR:
        return str(event.date.year)
    if event.date_precision == vs.DatePrecision.APPROXIMATE:
        return gettext("about %(date)s") % {"date": event.date.isoformat()}
    return event.date.isoformat()


def timeline_item(
    event: TimelineEvent, viewer: CaseViewer, date_of_death, notes: list[Note]
) -> TimelineItem:
    """The touchpoint as the viewer may see it, with its `notes`."""
    anchor = f"event-{event.code}"
    system_label = vs.TouchpointSystem(event.system).label
    decision = viewer.decide(event)
    if not decision.shown:
        month = event.date.replace(day=1)
        return TimelineItem(
            anchor=anchor,
            date=month,
            date_display=month.strftime("%B %Y"),
            days_before_death=None,
            system=event.system,
            system_label=system_label,
            # The team's judgement on a hidden contact is hidden with it.
            missed_opportunity=False,
            restricted=True,
            label=decision.placeholder,
        )
    shown_category = decision.categories[0] if decision.categories else ""
    return TimelineItem(
        anchor=anchor,
        date=event.date,
        date_display=_date_display(event),
        days_before_death=event.days_before_death(date_of_death),
        system=event.system,
        system_label=system_label,
        missed_opportunity=event.missed_opportunity,
        restricted=False,
        label=event.get_touchpoint_type_display(),
        agency=event.agency.name if event.agency_id else "",
        description=event.description,
        sensitivity_label=SensitiveCategory(shown_category).label if shown_category else "",
        notice=decision.notice,
        event=event,
        notes=tuple(visible_notes(notes, viewer)),
    )


def case_notes_of(case: Case) -> list[Note]:
    """Every note of the case, on a touchpoint or on the case as a whole, in
    one query (the pages share them out)."""
    return list(case.notes.select_related("author"))


def visible_timeline(case: Case, viewer: CaseViewer, notes=None, events=None) -> list[TimelineItem]:
    """The case's timeline, oldest first, filtered for the viewer; `notes`
    (from case_notes_of) spares the query for the touchpoints' notes, and
    `events` (the case's touchpoints with their agency, in order) the query
    for the touchpoints themselves (exports fetch them for many cases at once)."""
    date_of_death = case.death.date_of_death
    by_event = defaultdict(list)
    for note in case_notes_of(case) if notes is None else notes:
        by_event[note.timeline_event_id].append(note)
    if events is None:
        events = case.timeline_events.select_related("agency")
    events = list(events)
    viewer.index.know_events(events)
    return [timeline_item(event, viewer, date_of_death, by_event[event.pk]) for event in events]


def _visible(items, viewer: CaseViewer, placeholder) -> list:
    """Each item as the viewer may see it: itself (with `notice`, the Part 2
    notice when it is Part 2 content, and `restricted` False), or
    placeholder(item, decision)."""
    visible = []
    for item in items:
        decision = viewer.decide(item)
        if decision.shown:
            item.notice = decision.notice
            item.restricted = False
            visible.append(item)
        else:
            visible.append(placeholder(item, decision))
    return visible


def visible_notes(notes, viewer: CaseViewer) -> list:
    return _visible(
        notes,
        viewer,
        lambda note, decision: RestrictedItem(
            label=decision.note_placeholder, date_display=_month(note.created_at)
        ),
    )


def visible_findings(findings, viewer: CaseViewer) -> list:
    """A finding the viewer may not see becomes a placeholder (its kind and
    system stay hidden too). Pass every finding of the case with its `events`
    prefetched to spare the policy a query."""
    findings = list(findings)
    viewer.index.know_finding_links(findings)
    return _visible(
        findings,
        viewer,
        lambda finding, _: RestrictedItem(
            label=gettext("Finding (restricted)"), date_display=_month(finding.proposed_at)
        ),
    )


def visible_requests(requests, viewer: CaseViewer) -> list:
    """A request the viewer may not see becomes a placeholder (the agency and
    record types stay hidden)."""
    return _visible(
        requests,
        viewer,
        lambda request, _: RestrictedItem(
            label=gettext("Record request (restricted)"), date_display=_month(request.requested_on)
        ),
    )


def visible_documents(documents, viewer: CaseViewer) -> list:
    return _visible(
        documents,
        viewer,
        lambda document, decision: RestrictedItem(
            label=decision.record_placeholder,
            date_display=_month(document.received_on or document.uploaded_at.date()),
        ),
    )


def shown_choices(items, viewer: CaseViewer) -> tuple[list[int], str]:
    """For a form's choices: the primary keys of the items the viewer may see,
    and the 42 CFR 2.32 notice when a choice's label shows Part 2 content."""
    ids, notice = [], ""
    for item in items:
        decision = viewer.decide(item)
        if decision.shown:
            ids.append(item.pk)
            notice = notice or decision.notice
    return ids, notice


def identifiers_for(case: Case, viewer: CaseViewer) -> DecedentIdentifiers | None:
    """The decedent's identifiers, or None: never loaded for those who may not see them."""
    if not viewer.sees_identifiers:
        return None
    if Case.identifiers.is_cached(case):  # fetched with the case, for a viewer who sees them
        return case.identifiers
    return DecedentIdentifiers.objects.get(case=case)


# --- Next-of-kin interviews -----------------------------------------------------
# An interview (its outreach attempts, consent, topics and notes) is next-of-kin
# interview material: its interviewer (the item's author) reads it, and those
# whose role holds the category on the team (coordinators and facilitators,
# ofr/roles.py); nobody else learns it exists, not even by a placeholder (the
# case page names no family). What the family told reaches the rest of the
# team as the touchpoints the interviewer extracts, which are not restricted.
# Only the interviewer works the interview (outreach, consent, the interview,
# the debrief); coordinators assign it and record a do-not-contact wish.
NOK_ASSIGNING_ROLES = frozenset({Role.COORDINATOR})


def may_see_interview(viewer: CaseViewer, interview: NokInterview) -> bool:
    return viewer.may("view_case") and viewer.decide(interview).shown


def may_work_interview(viewer: CaseViewer, interview: NokInterview) -> bool:
    return may_see_interview(viewer, interview) and interview.interviewer_id == viewer.user_id


def may_manage_interviews(viewer: CaseViewer) -> bool:
    """Assign interviews on the case and record a family's do-not-contact wish."""
    return viewer.may("view_case") and bool(viewer.roles & NOK_ASSIGNING_ROLES)


def may_send_outreach(viewer: CaseViewer, interview: NokInterview) -> bool:
    """Outreach letters and consent forms: the interviewer and the coordinators."""
    return may_see_interview(viewer, interview) and (
        interview.interviewer_id == viewer.user_id or may_manage_interviews(viewer)
    )


def visible_interviews(interviews, viewer: CaseViewer) -> list[NokInterview]:
    """The interviews the viewer may read; the others are left out entirely."""
    return [interview for interview in interviews if may_see_interview(viewer, interview)]


# --- History ----------------------------------------------------------------


def shown_history_rows(rows, viewer: CaseViewer) -> list:
    """The history rows of items of one model that the viewer may see: only
    those of items the viewer may see as they are now (their latest row) and as
    they were in that row. Rows come oldest first; each shown row gets the
    `notice` its content carries."""
    rows = list(rows)
    latest = {}
    for row in rows:
        latest[row.id] = row
    visible_now = {item_id: viewer.decide(row).shown for item_id, row in latest.items()}
    shown = []
    for row in rows:
        decision = viewer.decide(row)
        if visible_now[row.id] and decision.shown:
            row.notice = decision.notice
            shown.append(row)
    return shown


def part2_notice(items) -> str:
    """The 42 CFR 2.32 notice, if any of the items shown (each with its
    `notice` from the policy) is Part 2 content; else ""."""
    return next((item.notice for item in items if getattr(item, "notice", "")), "")


# --- What changed since a moment ----------------------------------------------


def restricted_since(case_ids, moment) -> bool:
    """Whether any item of these cases needs a category now that it did not
    need at `moment` (re-filed, linked to a protected touchpoint, from an
    agency since marked a Part 2 program): what was shown then may be hidden
    now. Items created since are not counted; they were not there to be shown."""
    index = ItemIndex(case_ids)
    for model in (TimelineEvent, Note, Finding, RecordRequest, SourceDocument):
        changed = model.history.filter(case_id__in=case_ids, history_date__gt=moment)
        # Each changed item as it was at the moment (its last row by then), in one query.
        then = {}
        earlier = model.history.filter(
            id__in=changed.values("id"), history_date__lte=moment
        ).order_by("history_date", "history_id")
        for row in earlier:
            then[row.id] = row
        for item in model.objects.filter(pk__in=then):
            if set(categories_of(item, index)) - set(categories_of(then[item.pk], index)):
                return True
    links = FindingEvent.history.filter(
        finding__case_id__in=case_ids, history_date__gt=moment, history_type="+"
    )
    marked = Agency.history.filter(history_date__gt=moment, part2_program=True)
    return links.exists() or marked.exists()


# --- Text that must not identify anyone ----------------------------------------

# How many texts a day may be refused for identifying a decedent to someone
# who may not see the team's identifiers, before their texts are refused
# unchecked (each refusal tells them a little about the identifiers).
IDENTIFIER_REFUSALS_A_DAY = 3
IDENTIFIER_REFUSAL = "identifier check refused a text"


class TextGuard:
    """Keeps decedents' names and dates of birth out of text that must not
    identify anyone (minutes, what is written in facilitator mode,
    recommendations and their updates) without becoming a way to look them up.

    Someone who may see the team's identifiers is told what the text holds
    ("the decedent's name"). Anyone else is told only that it was refused;
    each refusal is an access event, and after IDENTIFIER_REFUSALS_A_DAY in a
    day their texts are refused without being checked, until the next day."""

    def __init__(self, user, *, team, case: Case | None = None) -> None:
        self.user, self.team, self.case = user, team, case
        self.sees_identifiers = any(
            m.team_id == team.pk and "view_identifiers" in CASE_PERMISSIONS[m.role]
            for m in active_memberships(user)
        )

    @cached_property
    def decedents(self) -> list[DecedentIdentifiers]:
        """Read once however many fields the guard checks. Each value read is
        decrypted, so a team-wide check, which looks for names only, leaves
        the dates of birth unread."""
        rows = DecedentIdentifiers.objects
        names = ("legal_name", "aliases", "case_id")
        if self.case is not None:
            return list(rows.only(*names, "date_of_birth").filter(case=self.case))
        return list(rows.only(*names).filter(case__team=self.team))

    def author(self) -> dict:
        """Who the refusals are counted and logged for: the person, or a caller
        without an account (an API key, api/access.py) by its name."""
        if self.user.pk is None:
            return {"user": None, "username": self.user.get_username()}
        return {"user": self.user}

    def refusals_today(self) -> int:
        return AccessEvent.objects.filter(
            **self.author(),
            action=AccessEvent.Action.DENIED,
            detail=IDENTIFIER_REFUSAL,
            created_at__gte=timezone.now() - timedelta(days=1),
        ).count()

    def problem(self, text: str) -> str:
        """Why the text may not be saved, or ""."""
        if not text:
            return ""
        if not self.sees_identifiers and self.refusals_today() >= IDENTIFIER_REFUSALS_A_DAY:
            return gettext(
                "Several of your texts were refused today for identifying a decedent, so "
                "no text of yours can be saved here until tomorrow. Ask your coordinator."
            )
        found = identifying_content(text, self.decedents, dates=self.case is not None)
        if not found:
            return ""
        if self.sees_identifiers:
            what = " and ".join(found)
            if self.case is not None:
                return gettext(
                    "This contains the decedent's %(what)s. Keep it non-identifying: "
                    "leave out names and dates of birth."
                ) % {"what": what}
            return gettext(
                "This contains a decedent's %(what)s. Keep it non-identifying: "
                "leave out names and dates of birth."
            ) % {"what": what}
        return self.refused_unseen()

    def refused_unseen(self) -> str:
        """A refusal for identifying a decedent, told to someone who may not
        see the identifiers: logged and counted towards the daily limit, and
        saying only that the text was refused. Also for refusals found
        elsewhere (a public summary's name check, meetings/public_text.py)."""
        record(
            None,
            AccessEvent.Action.DENIED,
            **self.author(),
            object_type="ofr.team",
            object_id=str(self.team.code),
            detail=IDENTIFIER_REFUSAL,
        )
        return gettext(
            "This text may identify a decedent, so it cannot be saved. Keep it "
            "non-identifying: leave out names and dates of birth."
        )

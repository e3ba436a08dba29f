"""The dry run: each row of a pending import parsed, validated, matched to the
team's cases and classed, before anything is written.

Matching (through the identifiers' blind indexes, IdentifierLookup): the ME
case number first, then the death-certificate number, then the name with the
date of birth. A row whose identifiers point at two different cases is an
error; so is a row that repeats an earlier row's identifiers, and a row with
none of them (it could never be matched again, so a second import would
duplicate it).

A REDCap records file's toxicology results and touchpoints (whole items, one
per repeating row) are added to a matched case when it holds no item equal to
them; like substances, none is ever removed."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases.access import team_roles
from cases.imports.targets import (
    REPEAT_TARGETS_BY_KEY,
    SECTIONS,
    TARGETS_BY_KEY,
    TOXICOLOGY_SLOTS,
    BadValue,
    default_columns,
)
from cases.models import (
    Case,
    Circumstances,
    DeathDetails,
    Decedent,
    DecedentIdentifiers,
    IdentifierLookup,
    TimelineEvent,
    ToxicologyResult,
    normal_name,
    normal_number,
)
from cases.models.sections import name_forms
from ofr.encryption import blind_indexes
from ofr.roles import PART2_EXEMPTING_ROLES

SECTION_MODELS = {
    "case": Case,
    "decedent": Decedent,
    "identifiers": DecedentIdentifiers,
    "death": DeathDetails,
    "circumstances": Circumstances,
}
Kind = IdentifierLookup.Kind
MATCH_ORDER = (Kind.ME_NUMBER, Kind.CERTIFICATE_NUMBER, Kind.NAME_BIRTH)
MATCH_LABELS = {
    Kind.ME_NUMBER: _("ME case number"),
    Kind.CERTIFICATE_NUMBER: _("death certificate number"),
    Kind.NAME_BIRTH: _("name and date of birth"),
}


class RowStatus:
    NEW = "new"
    UPDATE = "update"  # matched a case and differs from it: written only when ticked
    UNCHANGED = "unchanged"  # matched a case and holds nothing new
    ERROR = "error"


@dataclass
class RowPlan:
    number: int  # the line of the file (the header is line 1)
    cells: list[str]
    status: str = RowStatus.NEW
    reasons: list[str] = field(default_factory=list)
    values: dict[str, dict] = field(default_factory=lambda: defaultdict(dict))
    substances: dict[str, bool] = field(default_factory=dict)  # substance -> listed as a cause
    # A REDCap file's repeating rows, each as model field -> value.
    toxicology: list[dict] = field(default_factory=list)
    touchpoints: list[dict] = field(default_factory=list)
    reference: str = ""
    terms: dict[str, list[str]] = field(default_factory=dict)  # kind -> normalised values
    case: Case | None = None
    matched_on: str = ""
    changes: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def fail(self, reason: str) -> None:
        self.status = RowStatus.ERROR
        self.reasons.append(str(reason))  # never a lazy string: the API sends them as JSON


@dataclass
class Plan:
    rows: list[RowPlan]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {
            s: self.count(s)
            for s in (RowStatus.NEW, RowStatus.UPDATE, RowStatus.UNCHANGED, RowStatus.ERROR)
        }

    @property
    def errors(self) -> list[RowPlan]:
        return [row for row in self.rows if row.status == RowStatus.ERROR]


def column_positions(header: list[str], columns: dict[str, str]) -> dict[str, int]:
    """target key -> position of its column in the file (targets whose column
    the file lacks are left out)."""
    by_name = {name.casefold(): position for position, name in enumerate(header)}
    return {
        key: by_name[column.casefold()]
        for key, column in columns.items()
        if column and column.casefold() in by_name
    }


def unknown_columns(header: list[str], columns: dict[str, str]) -> list[str]:
    mapped = {column.casefold() for column in columns.values() if column}
    return [name for name in header if name.casefold() not in mapped]


def plan_rows(pending) -> Plan:
    positions = column_positions(pending.header, pending.columns)
    exempting = bool(team_roles(pending.created_by, pending.team_id) & PART2_EXEMPTING_ROLES)
    rows = []
    for number, cells, repeats in zip(pending.lines, pending.rows, pending.repeats, strict=True):
        if any(cells):  # a blank line is no row
            rows.append(parse_row(number, cells, positions, repeats, exempting=exempting))
    return check_rows(rows, pending.team_id)


def plan_records(records: list[dict[str, str]], team_id: int) -> Plan:
    """Records keyed by the template's column names (the API's case intake),
    numbered from 1, planned as a file's rows are. A name the template lacks
    fails its record: a misspelt column would otherwise drop its value.
    The reasons are in English: the API is not translated."""
    with translation.override("en"):
        return _plan_records(records, team_id)


def _plan_records(records: list[dict[str, str]], team_id: int) -> Plan:
    columns = default_columns()
    rows = []
    for number, record in enumerate(records, start=1):
        header = list(record)
        row = parse_row(number, list(record.values()), column_positions(header, columns))
        unknown = unknown_columns(header, columns)
        if unknown:
            names = ", ".join(name[:50] for name in unknown[:10])
            row.fail(gettext("Not a column of the import template: %(names)s") % {"names": names})
        rows.append(row)
    return check_rows(rows, team_id)


def check_rows(rows: list[RowPlan], team_id: int) -> Plan:
    """The checks across rows and against the team's cases."""
    refuse_repeats(rows)
    match_cases(rows, team_id)
    check_references(rows, team_id)
    return Plan(rows)


def parse_row(
    number: int,
    cells: list[str],
    positions: dict[str, int],
    repeats: dict | None = None,
    *,
    exempting: bool = False,
) -> RowPlan:
    """`exempting`: whether the importing person may record why an item from a
    Part 2 program is not Part 2 (a coordinator, as on the forms)."""
    row = RowPlan(number=number, cells=cells)
    raw = {key: cells[position] for key, position in positions.items() if cells[position]}
    for key, text in raw.items():
        target = TARGETS_BY_KEY[key]
        try:
            value = target.parse(text)
        except BadValue as bad:
            row.fail(gettext("%(field)s: %(problem)s") % {"field": target.label, "problem": bad})
            continue
        if target.key == "case.reference":
            row.reference = value.upper()
        elif target.section != "toxicology":
            row.values[target.section][target.field] = value
    read_toxicology(row, raw)
    for form, model, label in (
        ("toxicology", ToxicologyResult, _("Toxicology result %(number)s")),
        ("touchpoints", TimelineEvent, _("Touchpoint %(number)s")),
    ):
        for number, texts in enumerate((repeats or {}).get(form, []), start=1):
            name = label % {"number": number}
            item = read_item(row, model, name, texts)
            if item and item.get("not_part2_reason") and not exempting:
                # Otherwise an import could take Part 2 content out of Part 2.
                row.fail(
                    gettext("%(item)s: only a coordinator may record why an item is not Part 2")
                    % {"item": name}
                )
            elif item is not None:
                getattr(row, form).append(item)
    validate_sections(row)
    identify(row)
    return row


def read_toxicology(row: RowPlan, raw: dict[str, str]) -> None:
    for slot in range(1, TOXICOLOGY_SLOTS + 1):
        substance_text = raw.get(f"toxicology.substance_{slot}")
        cause_text = raw.get(f"toxicology.substance_{slot}_cause")
        if not substance_text:
            if cause_text:
                row.fail(
                    gettext("Substance %(slot)s listed as a cause: no substance %(slot)s is named")
                    % {"slot": slot}
                )
            continue
        try:
            substance = TARGETS_BY_KEY[f"toxicology.substance_{slot}"].parse(substance_text)
            cause = (
                TARGETS_BY_KEY[f"toxicology.substance_{slot}_cause"].parse(cause_text)
                if cause_text
                else False
            )
        except BadValue:
            continue  # said above
        if substance == "other":
            row.fail(
                gettext("Substance %(slot)s: “other” needs a name, which an import cannot give")
                % {"slot": slot}
            )
        elif substance in row.substances:
            row.fail(gettext("Substance %(slot)s: named twice") % {"slot": slot})
        else:
            row.substances[substance] = cause


ITEM_REQUIRED = {
    ToxicologyResult: ("substance",),
    TimelineEvent: ("date", "system", "touchpoint_type"),
}


def read_item(row: RowPlan, model, name: str, texts: dict[str, str]) -> dict | None:
    """One repeating row (target key -> text) as model field -> value, checked
    by the model's own validators; None (and the row failed) when it is not good."""
    values, failed = {}, False
    for key, text in texts.items():
        target = REPEAT_TARGETS_BY_KEY[key]
        try:
            values[target.field] = target.parse(text)
        except BadValue as bad:
            row.fail(
                gettext("%(item)s, %(field)s: %(problem)s")
                % {"item": name, "field": target.label.lower(), "problem": bad}
            )
            failed = True
    missing = [field_name for field_name in ITEM_REQUIRED[model] if field_name not in values]
    if missing:
        row.fail(
            gettext("%(item)s: no %(fields)s")
            % {"item": name, "fields": ", ".join(m.replace("_", " ") for m in missing)}
        )
        return None
    instance = model(**values)
    try:
        instance.clean_fields(exclude=[f.name for f in model._meta.fields if f.name not in values])
        if model is ToxicologyResult:
            instance.clean()
        elif instance.date > timezone.localdate():
            # TimelineEvent.clean() reads the case, which a new row does not have yet.
            raise ValidationError({"date": gettext("A touchpoint cannot be in the future.")})
    except ValidationError as invalid:
        for field_name, messages in invalid.message_dict.items():
            for message in messages:
                row.fail(
                    gettext("%(item)s, %(field)s: %(problem)s")
                    % {"item": name, "field": field_name.replace("_", " "), "problem": message}
                )
        return None
    return None if failed else values


def validate_sections(row: RowPlan) -> None:
    """The models' own field validators and cross-field rules."""
    for section, values in row.values.items():
        model = SECTION_MODELS[section]
        instance = model(**values)
        exclude = [f.name for f in model._meta.fields if f.name not in values]
        try:
            instance.clean_fields(exclude=exclude)
            instance.clean()
        except ValidationError as invalid:
            for name, messages in invalid.message_dict.items():
                label = model._meta.get_field(name).verbose_name if name != "__all__" else ""
                for message in messages:
                    row.fail(
                        gettext("%(field)s: %(problem)s")
                        % {"field": str(label).capitalize(), "problem": message}
                        if label
                        else message
                    )
    birth = row.values["identifiers"].get("date_of_birth")
    death = row.values["death"].get("date_of_death")
    if birth and birth > (death or timezone.localdate()):
        row.fail(gettext("Date of birth: after the date of death"))


def identify(row: RowPlan) -> None:
    identifiers = row.values["identifiers"]
    me_number = normal_number(identifiers.get("me_case_number", ""))
    certificate = normal_number(identifiers.get("death_certificate_number", ""))
    name = normal_name(identifiers.get("legal_name", ""))
    birth: date | None = identifiers.get("date_of_birth")
    if me_number:
        row.terms[Kind.ME_NUMBER] = [me_number]
    if certificate:
        row.terms[Kind.CERTIFICATE_NUMBER] = [certificate]
    if name and birth:
        forms = name_forms(name)
        row.terms[Kind.NAME_BIRTH] = [
            f"{forms[kind]} {birth.isoformat()}"
            for kind in (Kind.FULL_NAME, Kind.FIRST_LAST)
            if kind in forms
        ]
    if not row.terms:
        row.fail(
            gettext(
                "No ME case number, death certificate number, or name with date of birth: "
                "the row could not be matched to a case"
            )
        )


def refuse_repeats(rows: list[RowPlan]) -> None:
    """A file naming one death twice: the later row is refused."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for kind in MATCH_ORDER:
            for value in row.terms.get(kind, [])[:1]:
                earlier = seen.setdefault((kind, value), row.number)
                if earlier != row.number:
                    row.fail(
                        gettext("Same %(identifier)s as row %(row)s")
                        % {"identifier": MATCH_LABELS[kind], "row": earlier}
                    )


def match_cases(rows: list[RowPlan], team_id: int) -> None:
    wanted: dict[str, tuple[str, str]] = {}  # digest -> (kind, value)
    for row in rows:
        if row.status == RowStatus.ERROR:
            continue
        for kind, values in row.terms.items():
            for value in values:
                for digest in blind_indexes(IdentifierLookup.purpose(kind), value):
                    wanted[digest] = (kind, value)
    hits: list[tuple[str, str, int]] = []
    digests = list(wanted)
    for start in range(0, len(digests), 500):
        # By digest alone, through the (kind, digest) index: joined to the
        # team's cases, SQLite walks every case of the team for each digest.
        hits += IdentifierLookup.objects.filter(
            kind__in=MATCH_ORDER, digest__in=digests[start : start + 500]
        ).values_list("kind", "digest", "case_id")
    touchpoints = any(row.touchpoints for row in rows)
    # Only the team's own cases match (another team's case may hold the same digests).
    cases = load_cases({case_id for _, _, case_id in hits}, team_id, touchpoints=touchpoints)
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    for kind, digest, case_id in hits:
        if case_id in cases and wanted[digest][0] == kind:
            found[wanted[digest]].add(case_id)
    chosen: dict[int, tuple[int, str]] = {}  # row number -> (case id, matched on)
    for row in rows:
        if row.status == RowStatus.ERROR:
            continue
        by_kind = {
            kind: set().union(*(found[(kind, value)] for value in row.terms.get(kind, [])))
            for kind in MATCH_ORDER
        }
        matched = [(kind, ids) for kind, ids in by_kind.items() if ids]
        if not matched:
            continue
        kind, ids = matched[0]
        others = set().union(*(ids for _, ids in matched[1:])) - ids
        if len(ids) > 1 or others:
            count = len(ids | others)
            row.fail(
                ngettext(
                    "Its identifiers match %(count)s different case: "
                    "correct the row or the cases first",
                    "Its identifiers match %(count)s different cases: "
                    "correct the row or the cases first",
                    count,
                )
                % {"count": count}
            )
            continue
        # In the language of the dry run (English for the API's intake).
        chosen[row.number] = (ids.pop(), str(MATCH_LABELS[kind]))
    for row in rows:
        if row.number in chosen:
            case_id, row.matched_on = chosen[row.number]
            row.case = cases[case_id]
            row.changes = changes_to(row.case, row)
            row.status = RowStatus.UPDATE if row.changes else RowStatus.UNCHANGED


def load_cases(case_ids: set[int], team_id: int, *, touchpoints: bool = False) -> dict[int, Case]:
    cases = Case.objects.filter(pk__in=case_ids, team_id=team_id).select_related(
        "identifiers", "decedent", "death", "circumstances"
    )
    cases = cases.prefetch_related(
        Prefetch("toxicology", queryset=ToxicologyResult.objects.order_by("id"))
    )
    if touchpoints:  # only a REDCap file brings touchpoints to compare
        cases = cases.prefetch_related("timeline_events")
    return {case.pk: case for case in cases}


def changes_to(case: Case, row: RowPlan) -> list[str]:
    """What the row would change on the case: the labels of the fields it gives
    a different value (an empty cell changes nothing), the substances the
    case lacks or lists otherwise, and the results and touchpoints it lacks."""
    changes = []
    for section in ("case", *SECTIONS):
        stored = case if section == "case" else getattr(case, section)
        for name, value in row.values[section].items():
            if not same(getattr(stored, name), value):
                changes.append(str(TARGETS_BY_KEY[f"{section}.{name}"].label))
    held = {result.substance: result.caused_death for result in case.toxicology.all()}
    for substance, cause in row.substances.items():
        label = ToxicologyResult(substance=substance).get_substance_display()
        if substance not in held:
            changes.append(gettext("Substance %(substance)s (added)") % {"substance": label})
        elif held[substance] != cause:
            message = (
                gettext("Substance %(substance)s (listed as a cause: yes)")
                if cause
                else gettext("Substance %(substance)s (listed as a cause: no)")
            )
            changes.append(message % {"substance": label})
    for result in missing_items(ToxicologyResult, case.toxicology.all(), row.toxicology):
        changes.append(
            gettext("Toxicology result %(substance)s (added)")
            % {"substance": result.get_substance_display()}
        )
    touchpoints = missing_items(TimelineEvent, case.timeline_events.all(), row.touchpoints)
    if touchpoints:
        # Their content is left out: the importer may not be allowed to see the
        # case's own touchpoints they are compared with.
        changes.append(
            ngettext(
                "%(count)s touchpoint (added)", "%(count)s touchpoints (added)", len(touchpoints)
            )
            % {"count": len(touchpoints)}
        )
    return changes


def item_fields(model) -> list[str]:
    prefix = "toxicology." if model is ToxicologyResult else "touchpoint."
    return [t.field for key, t in REPEAT_TARGETS_BY_KEY.items() if key.startswith(prefix)]


def item_key(model, item) -> tuple:
    """What makes two results or touchpoints the same, for a repeated import."""
    return tuple(
        getattr(item, "agency_id" if name == "agency" else name) for name in item_fields(model)
    )


def missing_items(model, held, imported: list[dict]) -> list:
    """The imported items (as unsaved instances) that the case does not hold yet."""
    if not imported:  # spares reading the case's items for a plain spreadsheet
        return []
    have = Counter(item_key(model, item) for item in held)
    missing = []
    for values in imported:
        item = model(**values)
        key = item_key(model, item)
        if have[key]:
            have[key] -= 1
        else:
            missing.append(item)
    return missing


def same(stored, value) -> bool:
    """Whether an imported value is what the case holds: text that differs only
    in case or spacing ("SMITH" for "Smith") is the same and is not written, and
    so are the same codes of a list in another order."""
    if isinstance(stored, list) and isinstance(value, list):
        return sorted(stored) == sorted(value)
    if isinstance(stored, str) and isinstance(value, str):
        return " ".join(stored.casefold().split()) == " ".join(value.casefold().split())
    return stored == value


def check_references(rows: list[RowPlan], team_id: int) -> None:
    """A new row's own case reference must be free on the team and in the file."""
    given = {row.reference for row in rows if row.reference and row.status == RowStatus.NEW}
    taken = set(
        Case.objects.filter(team_id=team_id, reference__in=given).values_list(
            "reference", flat=True
        )
    )
    seen: dict[str, int] = {}
    for row in rows:
        if not row.reference or row.status != RowStatus.NEW:
            continue
        if row.reference in taken:
            row.fail(
                gettext("Case reference %(reference)s is already another case's")
                % {"reference": row.reference}
            )
        elif seen.setdefault(row.reference, row.number) != row.number:
            row.fail(
                gettext("Case reference %(reference)s is also row %(row)s's")
                % {"reference": row.reference, "row": seen[row.reference]}
            )

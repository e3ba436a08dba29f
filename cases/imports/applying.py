"""The confirmation: the rows of a fresh dry run written, one transaction per
row, so that a row that fails leaves nothing of itself and the rows before it
stay written. Every save names the file and the row in its history."""

from __future__ import annotations

import re

from django.db import DatabaseError, transaction
from django.utils import timezone

from cases.imports.planning import Plan, RowPlan, RowStatus, missing_items, plan_rows, same
from cases.models import Case, TimelineEvent, ToxicologyResult


def apply_rows(pending, *, by, update_rows: set[int]) -> dict:
    """Plans again (the team's cases may have changed since the dry run) and
    writes new rows, and matched rows whose number is in `update_rows`."""
    plan = plan_rows(pending)
    counts = dict.fromkeys(("created", "updated", "unchanged", "skipped", "errors"), 0)
    failed: list[dict] = []
    references = ReferenceCounter(pending.team)
    for row in plan.rows:
        reason = f"import {pending.file_name} row {row.number}"
        if row.status == RowStatus.ERROR:
            counts["errors"] += 1
        elif row.status == RowStatus.UNCHANGED:
            counts["unchanged"] += 1
        elif row.status == RowStatus.UPDATE and row.number not in update_rows:
            counts["skipped"] += 1
        else:
            try:
                with transaction.atomic():
                    if row.status == RowStatus.NEW:
                        create_case(row, pending.team, by=by, reason=reason, references=references)
                        counts["created"] += 1
                    else:
                        update_case(row, by=by, reason=reason)
                        counts["updated"] += 1
            except DatabaseError as error:
                # A clash with a write since the dry run (a reference taken):
                # this row is rolled back, the others stand. Kept in English, not
                # marked: it is stored in the import's outcome, read later by anyone.
                counts["errors"] += 1
                failed.append(
                    {"row": row.number, "reason": f"not saved: {error.__class__.__name__}"}
                )
    return {**counts, "failed": failed}


def create_new_rows(plan: Plan, team, *, by, reason: str) -> dict[int, Case | str]:
    """Writes the plan's new rows only (the API's case intake, which never
    updates a case), one transaction per row. Row number -> the new case, or
    why it was not saved."""
    outcome: dict[int, Case | str] = {}
    references = ReferenceCounter(team)
    for row in plan.rows:
        if row.status != RowStatus.NEW:
            continue
        try:
            with transaction.atomic():
                outcome[row.number] = create_case(
                    row, team, by=by, reason=reason, references=references
                )
        except DatabaseError as error:
            # As in apply_rows: a clash with a write since the plan.
            outcome[row.number] = f"not saved: {error.__class__.__name__}"
    return outcome


class ReferenceCounter:
    """New references as the team writes them: SHORT-YEAR-NNN, the year of
    death (else this year), numbered on from the team's highest."""

    def __init__(self, team) -> None:
        self.team = team
        self.last: dict[str, int] = {}

    def next(self, year: int) -> str:
        prefix = f"{self.team.short_code}-{year}-"
        if prefix not in self.last:
            taken = Case.objects.filter(team=self.team, reference__startswith=prefix)
            numbers = [
                int(match.group(1))
                for reference in taken.values_list("reference", flat=True)
                if (match := re.fullmatch(r"(\d+)", reference[len(prefix) :]))
            ]
            self.last[prefix] = max(numbers, default=0)
        self.last[prefix] += 1
        return f"{prefix}{self.last[prefix]:03d}"


def create_case(row: RowPlan, team, *, by, reason: str, references: ReferenceCounter) -> Case:
    death = row.values["death"].get("date_of_death")
    reference = row.reference or references.next((death or timezone.localdate()).year)
    case = Case(team=team, reference=reference, created_by=by, **row.values["case"])
    case._history_user = by
    case._change_reason = reason
    case.save(sections={name: v for name, v in row.values.items() if name != "case"})
    add_substances(case, row.substances, {}, by=by, reason=reason)
    add_items(case, row, by=by, reason=reason)
    return case


def update_case(row: RowPlan, *, by, reason: str) -> None:
    case = Case.objects.select_for_update().get(pk=row.case.pk)
    for section, values in row.values.items():
        stored = case if section == "case" else getattr(row.case, section)
        changed = {name: v for name, v in values.items() if not same(getattr(stored, name), v)}
        if changed:
            save_section(stored, changed, by=by, reason=reason)
    held = {result.substance: result for result in row.case.toxicology.all()}
    add_substances(case, row.substances, held, by=by, reason=reason)
    add_items(row.case, row, by=by, reason=reason)


def add_items(case: Case, row: RowPlan, *, by, reason: str) -> None:
    """A REDCap file's toxicology results and touchpoints that the case lacks."""
    for model, imported in ((ToxicologyResult, row.toxicology), (TimelineEvent, row.touchpoints)):
        held = model.objects.filter(case=case) if case.pk else model.objects.none()
        for item in missing_items(model, held, imported):
            item.case = case
            if model is TimelineEvent:
                item.created_by = by
            item._history_user = by
            item._change_reason = reason
            item.save()


def save_section(section, values: dict, *, by, reason: str) -> None:
    for name, value in values.items():
        setattr(section, name, value)
    section.version += 1
    section._history_user = by
    section._change_reason = reason
    section.save()


def add_substances(case: Case, substances: dict[str, bool], held: dict, *, by, reason) -> None:
    for substance, cause in substances.items():
        result = held.get(substance) or ToxicologyResult(case=case, substance=substance)
        if result.pk is not None and result.caused_death == cause:
            continue
        if result.pk is not None:
            result.version += 1
        result.caused_death = cause
        result._history_user = by
        result._change_reason = reason
        result.save()

"""The SUDORS mapping table: complete, sourced, and the doc generated from it."""

import io
import re
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from django.conf import settings
from django.core.management import call_command
from django.test import SimpleTestCase

from cases.exchange import sudors
from cases.exchange.sudors import MAPPING, SOURCES, UNMAPPED, Variable, mapping_markdown
from cases.models import Circumstances, DeathDetails, Decedent, ToxicologyResult

# Fields that are bookkeeping, not case content.
NOT_CONTENT = {"id", "case", "code", "version"}


class SudorsMappingTestCase(SimpleTestCase):
    def test_the_committed_doc_equals_the_command_output(self):
        out = io.StringIO()
        call_command("sudors_mapping", stdout=out)
        committed = Path(settings.BASE_DIR, "docs", "sudors-mapping.md").read_text()
        self.assertEqual(
            committed, out.getvalue(), "Run: manage.py sudors_mapping > docs/sudors-mapping.md"
        )
        self.assertEqual(out.getvalue(), mapping_markdown())

    def test_every_case_file_item_is_mapped_or_listed_unmapped(self):
        items = [v.item for v in MAPPING] + [u.item for u in UNMAPPED]
        listed = {name for item in items for name in re.findall(r"\b[A-Za-z]+\.\w+", item)}
        for model in (Decedent, DeathDetails, Circumstances, ToxicologyResult):
            for field in model._meta.concrete_fields:
                if field.name in NOT_CONTENT:
                    continue
                self.assertIn(f"{model.__name__}.{field.name}", listed)

    def test_every_column_cites_a_known_source(self):
        for variable in MAPPING:
            self.assertIn(variable.source, SOURCES, variable.name)

    def test_column_names_are_unique_and_project_names_say_so(self):
        names = [v.name for v in MAPPING]
        self.assertEqual(len(names), len(set(names)))
        for variable in MAPPING:
            self.assertEqual(variable.name.startswith("ofr_"), not variable.sudors_name)

    def test_no_column_is_also_listed_unmapped(self):
        mapped = {v.item for v in MAPPING}
        self.assertFalse(mapped & {u.item for u in UNMAPPED})

    def test_cells_cannot_run_as_formulas(self):
        hostile = Variable("X", "", "", "", "SUDORS-F1", lambda case: "=HYPERLINK(1)")
        viewer = SimpleNamespace(may=lambda perm: True)
        with mock.patch.object(sudors, "MAPPING", [hostile]):
            self.assertEqual(sudors.row(SimpleNamespace(), viewer), ["'=HYPERLINK(1)"])

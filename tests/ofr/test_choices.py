"""`get_FOO_display()` on the project's models answers what Django's own
does, from a value→label map built once per field, and still follows the
reader's language."""

from django.apps import apps
from django.db.models import Model
from django.test import SimpleTestCase

from cases.models import Case, TimelineEvent
from ofr.choices import PROJECT_APPS
from tests.cases.test_exchange_languages import planted_spanish


def generated_displays():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.fields:
            method = model.__dict__.get(f"get_{field.name}_display")
            if method is not None and hasattr(method, "func"):
                yield model, field, method


class ChoiceLabelTestCase(SimpleTestCase):
    def test_every_generated_display_of_the_project_uses_the_cached_map(self):
        displays = list(generated_displays())
        self.assertGreater(len(displays), 100)  # history models included
        left = [
            (m._meta.label, f.name)
            for m, f, method in displays
            if method.func is Model._get_FIELD_display
        ]
        self.assertEqual(left, [])

    def test_it_answers_what_djangos_display_answers(self):
        checked = 0
        for model, field, _ in generated_displays():
            for value in [code for code, _ in field.flatchoices] + ["no-such-code", None, ""]:
                instance = model(**{field.attname: value})
                ours = getattr(instance, f"get_{field.name}_display")()
                self.assertEqual(ours, Model._get_FIELD_display(instance, field), (model, field))
                checked += 1
        self.assertGreater(checked, 1000)

    def test_the_label_follows_the_language(self):
        event = TimelineEvent(system="ems")
        self.assertEqual(event.get_system_display(), "EMS")
        with planted_spanish({"Reviewed": "Revisado", "EMS": "Servicios de emergencia"}):
            self.assertEqual(Case(status="reviewed").get_status_display(), "Revisado")
            self.assertEqual(event.get_system_display(), "Servicios de emergencia")
        self.assertEqual(Case(status="reviewed").get_status_display(), "Reviewed")

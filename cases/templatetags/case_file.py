"""Display helpers for the case file: a field's label value, or "Not recorded",
and the links of its items."""

import uuid
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy

register = template.Library()

NOT_RECORDED = gettext_lazy("Not recorded")


def newer_than_case(instance, field_name: str) -> str:
    """ "Not collected (added in version N)" for an item of a case-file section
    that the case's form version did not have (its stored value, a default,
    is no answer), else ""."""
    from cases.completeness import MODEL_SECTIONS, not_in_version, not_in_version_label

    section = MODEL_SECTIONS.get(type(instance).__name__)
    if section is None:
        return ""
    added_in = not_in_version(instance.case, f"{section}.{field_name}")
    return not_in_version_label(added_in) if added_in else ""


@register.simple_tag
def value(instance, field_name: str) -> str:
    """The display value of a field: the choice label for coded fields."""
    if newer := newer_than_case(instance, field_name):
        return newer
    field = instance._meta.get_field(field_name)
    raw = getattr(instance, field_name)
    if raw in (None, ""):
        return str(NOT_RECORDED)
    if field.choices:
        return getattr(instance, f"get_{field_name}_display")()
    return str(raw)


@register.simple_tag
def values(instance, field_name: str) -> str:
    """The labels of a multi-choice (JSON list) field, comma-separated."""
    if newer := newer_than_case(instance, field_name):
        return newer
    codes = getattr(instance, field_name) or []
    if not codes:
        return str(NOT_RECORDED)
    return instance._meta.get_field(field_name).validators[0].labels(codes)


# Stand-ins for the case's and the item's codes in a reversed URL pattern.
CASE_STAND_IN, ITEM_STAND_IN = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))


@lru_cache(maxsize=64)
def _item_url_pattern(name: str, script_prefix: str, urlconf) -> str:
    return reverse(name, args=[CASE_STAND_IN, ITEM_STAND_IN])


@register.simple_tag
def item_url(name: str, case, item_code) -> str:
    """reverse(name, args=[case.code, item_code]), reversing once per URL name:
    a case page links every touchpoint, note, finding and document, and
    reverse() took a sixth of its time (manage.py bench, profiled)."""
    pattern = _item_url_pattern(name, get_script_prefix(), get_urlconf())
    return pattern.replace(CASE_STAND_IN, str(case.code)).replace(ITEM_STAND_IN, str(item_code))

"""Display helpers for the case file: a field's label value, or "Not recorded"."""

from django import template

register = template.Library()

NOT_RECORDED = "Not recorded"


@register.simple_tag
def value(instance, field_name: str) -> str:
    """The display value of a field: the choice label for coded fields."""
    field = instance._meta.get_field(field_name)
    raw = getattr(instance, field_name)
    if raw in (None, ""):
        return NOT_RECORDED
    if field.choices:
        return getattr(instance, f"get_{field_name}_display")()
    return str(raw)


@register.simple_tag
def values(instance, field_name: str) -> str:
    """The labels of a multi-choice (JSON list) field, comma-separated."""
    codes = getattr(instance, field_name) or []
    if not codes:
        return NOT_RECORDED
    return instance._meta.get_field(field_name).validators[0].labels(codes)

"""The API keys' card on the home page, for those who manage keys (the
project's home.html composes the apps' cards)."""

from django import template

from api.access import may_manage_keys

register = template.Library()


@register.inclusion_tag("api/_home_card.html", takes_context=True)
def api_keys_card(context) -> dict:
    return {"may_manage_keys": may_manage_keys(context["request"].user)}

"""API keys for the API tests: one team's keys, expiring in 90 days."""

from datetime import timedelta

from django.utils import timezone

from api.models import ApiKey


def issue_key(test_class, name, agency, scopes):
    """(key, token) of a key of the test class's team, made by its coordinator."""
    return ApiKey.issue(
        team=test_class.team,
        agency=agency,
        name=name,
        scopes=scopes,
        expires_on=timezone.localdate() + timedelta(days=90),
        by=test_class.coordinator,
    )

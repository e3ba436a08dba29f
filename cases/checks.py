"""System checks of the case file's settings (manage.py check, and at startup)."""

from django.core.checks import Error, register


@register()
def review_clearance_loads(app_configs, **kwargs) -> list[Error]:
    """A misspelt CASE_REVIEW_CLEARANCE would turn every case page into an error:
    say so at startup instead."""
    from cases.access import review_clearance

    review_clearance.cache_clear()
    try:
        review_clearance()
    except ImportError as error:
        return [
            Error(
                f"CASE_REVIEW_CLEARANCE cannot be loaded: {error}",
                hint="Name a class such as meetings.access.SignedForMeeting, or leave it empty "
                "(then no review member is cleared to see a case).",
                id="cases.E001",
            )
        ]
    return []

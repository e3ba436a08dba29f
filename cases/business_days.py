"""Business-day arithmetic for record-request due dates.

A business day is a Monday to Friday that is not one of the given holidays
(the team's configured closures). Counting always starts the day after `start`:
a request sent on Friday with 1 business day is due on Monday.
"""

from collections.abc import Iterable
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_business_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date `days` business days after `start`; `start` itself when `days` is 0."""
    if days < 0:
        raise ValueError(f"days must be zero or more, not {days}")
    closed = set(holidays)
    day = start
    while days:
        day += ONE_DAY
        if day.weekday() < 5 and day not in closed:
            days -= 1
    return day


def business_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """How many business days fall after `start` up to and including `end`; 0 if end <= start.

    The inverse of add_business_days: business_days_between(d, add_business_days(d, n)) == n.
    Used for "N business days overdue".
    """
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    weekdays = weeks * 5 + sum(1 for i in range(1, rest + 1) if (start + i * ONE_DAY).weekday() < 5)
    closures = sum(1 for day in set(holidays) if start < day <= end and day.weekday() < 5)
    return weekdays - closures

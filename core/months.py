"""Month arithmetic: the ledger, the campaigns and the monthly jobs all count in calendar months.

A month is represented by the date of its first day.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def parse_month(value: str, *, field: str = "month") -> dt.date:
    """'2023-06' -> 2023-06-01; anything else is a field error a clerk can act on."""
    try:
        year, month = value.strip().split("-")
        return dt.date(int(year), int(month), 1)
    except (ValueError, OverflowError):  # OverflowError: a year of twenty digits
        raise ValidationError({field: _("Give the month as YYYY-MM, e.g. 2023-06.")}) from None


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after the one `day` is in."""
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before the one `day` is in."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def last_day_of_month(day: dt.date) -> dt.date:
    return next_month(day) - dt.timedelta(days=1)


def months_before(day: dt.date, count: int) -> list[dt.date]:
    """The `count` months before `day`'s month, nearest first."""
    months, month = [], day.replace(day=1)
    for _index in range(count):
        month = previous_month(month)
        months.append(month)
    return months


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as a half-open interval of aware datetimes in the current time zone."""
    zone = timezone.get_current_timezone()
    first, following = first_of_month(month), next_month(month)
    return (
        dt.datetime(first.year, first.month, 1, tzinfo=zone),
        dt.datetime(following.year, following.month, 1, tzinfo=zone),
    )

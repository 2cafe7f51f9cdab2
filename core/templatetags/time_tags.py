"""`{% time_element value %}`: a date or moment as `<time datetime="…">`, machine-readable and shown alike
on every page.

    {% time_element hazard.deadline %}          <time datetime="2024-06-30">2024-06-30</time>
    {% time_element event.created_at %}         in the current zone: datetime="2024-06-03T09:15:00+08:00"
    {% time_element case.opened_at "Y-m-d" %}   the moment, shown as its day
    {% time_element publication.month "Y-m" %}  <time datetime="2024-06">2024-06</time>
    {% time_element row.found %}                a date already written as text (a publication's JSON)
"""

import datetime as dt

from django import template
from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# What a value is shown as unless the page says otherwise, and what its datetime attribute holds.
SHOWN = {dt.datetime: "Y-m-d H:i", dt.date: "Y-m-d"}
MACHINE = {dt.datetime: "c", dt.date: "Y-m-d"}
# A day shown as its month is marked up as the month (a valid <time> month string).
MONTH = "Y-m"

# The formats pages use, written directly: a ledger page has a hundred of these, and the `date` filter's
# general formatter was a tenth of the page's time. Any other format goes through the filter.
FAST_FORMATS = {
    "Y-m-d": lambda v: f"{v.year:04d}-{v.month:02d}-{v.day:02d}",
    "Y-m": lambda v: f"{v.year:04d}-{v.month:02d}",
    "Y-m-d H:i": lambda v: f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}",
    "c": lambda v: v.isoformat(),
}


def formatted(value: dt.date, shown: str) -> str:
    """`value|date:shown`, faster for the formats of FAST_FORMATS."""
    fast = FAST_FORMATS.get(shown)
    return fast(value) if fast is not None else date_format(value, shown)


@register.simple_tag
def time_element(value: object, shown: str | None = None) -> SafeString | str:
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.date):  # text already in ISO form
        return format_html('<time datetime="{}">{}</time>', value, value)
    kind = dt.datetime if isinstance(value, dt.datetime) else dt.date
    local = value
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        local = timezone.localtime(value)  # in the current time zone, as the `date` filter shows it in pages
    shown = shown or SHOWN[kind]
    machine = MONTH if kind is dt.date and shown == MONTH else MACHINE[kind]
    return format_html('<time datetime="{}">{}</time>', formatted(local, machine), formatted(local, shown))

"""A month in the API is text, YYYY-MM, everywhere: in answers, in bodies and in query parameters. One
pattern in the schema for all of them (core.months.parse_month refuses anything else with a 400)."""

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MONTH_SCHEMA = {"type": "string", "pattern": MONTH_PATTERN, "example": "2023-06"}


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.DateField):
    """A month as YYYY-MM (stored as its first day)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


@extend_schema_field(MONTH_SCHEMA)
class MonthTextField(serializers.CharField):
    """A month typed as YYYY-MM, which the view parses (with core.months.parse_month)."""


@extend_schema_field(MONTH_SCHEMA)
class MonthFilter(filters.CharFilter):
    """A query parameter naming a month, YYYY-MM; its method parses it (core.months.parse_month)."""


def month_parameter(description: str = "YYYY-MM") -> OpenApiParameter:
    return OpenApiParameter("month", str, description=description, pattern=MONTH_PATTERN)

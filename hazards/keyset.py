"""Keyset paging for the ledger page and API: the next page starts after the last row shown, so page 200
costs what page 1 does (an OFFSET would read and drop every row before it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet


def _date_or_datetime(text: str) -> dt.date | dt.datetime:
    return dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)


@dataclass(frozen=True)
class Keyset:
    """An ordering by one field, ties broken by id, NULLs (deadline) where PostgreSQL sorts them: last when
    ascending, first when descending."""

    field: str
    descending: bool = False
    nullable: bool = False  # a NOT NULL field needs no IS NULL branch, which would cost the index its range
    # How a cursor's text becomes the field's value again (the API passes the model field's to_python).
    parse_value: Callable[[str], Any] = dataclass_field(default=_date_or_datetime, compare=False)

    @property
    def order_by(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return f"{sign}{self.field}", f"{sign}id"

    def reversed(self) -> Keyset:
        """The same rows in the opposite order (NULLs move to the other end, as PostgreSQL puts them)."""
        return Keyset(self.field, not self.descending, self.nullable, self.parse_value)

    def cursor(self, row: Any) -> str:
        """Where `row` (a model instance or a values() dict) stands in this ordering."""
        if isinstance(row, dict):
            value, pk = row[self.field], row["id"]
        else:
            value, pk = getattr(row, self.field), row.pk
        text = "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)
        return f"{text}~{pk}"

    def parse(self, cursor: str) -> tuple[Any, int] | None:
        """(value, id) of a cursor; None when it is not one of ours."""
        text, _sep, pk = cursor.rpartition("~")
        try:
            return (self.parse_value(text) if text else None), int(pk)
        except (ValueError, ValidationError):
            return None

    def after(self, queryset: QuerySet, cursor: str) -> QuerySet:
        """The rows after the cursor's row in this ordering (all rows when the cursor makes no sense)."""
        parsed = self.parse(cursor) if cursor else None
        if parsed is None:
            return queryset
        value, pk = parsed
        beyond = "lt" if self.descending else "gt"
        if value is None:  # among the NULLs: the rest of them by id, then (descending) every dated row
            rest = Q(**{f"{self.field}__isnull": True, f"pk__{beyond}": pk})
            return queryset.filter(rest | Q(**{f"{self.field}__isnull": False}) if self.descending else rest)
        # `field <= value` (or >=) bounds the index scan; the OR only sorts out the ties at the boundary.
        # Written as one OR, PostgreSQL would filter every row from the top of the index instead.
        condition = Q(**{f"{self.field}__{beyond}e": value}) & (
            Q(**{f"{self.field}__{beyond}": value}) | Q(**{f"pk__{beyond}": pk})
        )
        if self.nullable and not self.descending:
            condition |= Q(**{f"{self.field}__isnull": True})
        return queryset.filter(condition)

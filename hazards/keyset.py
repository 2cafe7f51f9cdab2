"""Keyset paging for the ledger page: the next page starts after the last row shown, so page 200 costs
what page 1 does (an OFFSET would read and drop every row before it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class Keyset:
    """An ordering by one field, ties broken by id; NULLs (deadline) come last, as PostgreSQL sorts them."""

    field: str
    descending: bool = False

    @property
    def order_by(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return f"{sign}{self.field}", f"{sign}id"

    def cursor(self, row: Any) -> str:
        value = getattr(row, self.field)
        return f"{value.isoformat() if value is not None else ''}~{row.pk}"

    def _parse(self, cursor: str) -> tuple[dt.date | dt.datetime | None, int] | None:
        text, _sep, pk = cursor.rpartition("~")
        try:
            if not text:
                return None, int(pk)
            value: dt.date | dt.datetime = (
                dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
            )
            return value, int(pk)
        except ValueError:
            return None

    def after(self, queryset: QuerySet, cursor: str) -> QuerySet:
        """The rows after the cursor's row in this ordering (all rows when the cursor makes no sense)."""
        parsed = self._parse(cursor) if cursor else None
        if parsed is None:
            return queryset
        value, pk = parsed
        if value is None:  # past the last dated row: the NULLs, by id
            return queryset.filter(**{f"{self.field}__isnull": True, "pk__gt": pk})
        beyond, tie = ("lt", "lt") if self.descending else ("gt", "gt")
        condition = Q(**{f"{self.field}__{beyond}": value}) | Q(**{self.field: value, f"pk__{tie}": pk})
        if not self.descending:
            condition |= Q(**{f"{self.field}__isnull": True})
        return queryset.filter(condition)

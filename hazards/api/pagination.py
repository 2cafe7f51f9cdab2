"""Keyset pages for the ledger API: ordered by one field and id, each page read from where the last one
ended, so page 200 of a province costs what page 1 does and never shifts when rows are added."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from core.paging import first_rows

from ..keyset import Keyset

_FORWARD, _BACKWARD = "n", "p"


def cursor_token(keyset: Keyset, row: Any, *, forward: bool = True) -> str:
    """The opaque `cursor` of the page after `row` (or, not forward, the page before it)."""
    text = f"{_FORWARD if forward else _BACKWARD}{keyset.cursor(row)}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


class KeysetPagination(CursorPagination):
    """DRF's cursor pagination with an exact keyset: `(field, id) beyond the cursor's row` instead of
    `field beyond the cursor's value` plus an offset over ties. The filter's range bounds the index scan,
    as the bare SQL baseline's does (docs/benchmarks.md); the response and its schema stay DRF's."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-discovered_at"

    # Pages querysets only, never plain sequences (the stubs' base class takes both).
    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request) or KeysetPagination.page_size
        self.keyset = self._keyset(request, queryset, view)
        direction, position = self._decode(request.query_params.get(self.cursor_query_param, ""))
        walk = self.keyset if direction == _FORWARD else self.keyset.reversed()
        rows = list(first_rows(walk.after(queryset.order_by(*walk.order_by), position), self.page_size + 1))
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if direction == _BACKWARD:
            rows.reverse()
            self.has_previous, self.has_next = more, True
        else:
            self.has_previous, self.has_next = bool(position), more
        self.page = rows
        return rows

    def get_next_link(self) -> str | None:
        if not (self.has_next and self.page):
            return None
        return self._link(_FORWARD, self.page[-1])

    def get_previous_link(self) -> str | None:
        if not (self.has_previous and self.page):
            return None
        return self._link(_BACKWARD, self.page[0])

    def _link(self, direction: str, row: Any) -> str:
        token = cursor_token(self.keyset, row, forward=direction == _FORWARD)
        return replace_query_param(self.base_url or "", self.cursor_query_param, token)

    def _decode(self, token: str) -> tuple[str, str]:
        if not token:
            return _FORWARD, ""
        try:
            text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        direction, position = text[:1], text[1:]
        if direction not in (_FORWARD, _BACKWARD) or self.keyset.parse(position) is None:
            raise ValidationError({self.cursor_query_param: [_("Not a cursor from this list: start again.")]})
        return direction, position

    def _keyset(self, request: Request, queryset: QuerySet, view: Any) -> Keyset:
        """The keyset of the `ordering` asked for (one of the view's ordering_fields), else — for a search,
        whose rows carry their relevance (hazards/filters.py) — the best matches first, else the default."""
        terms = OrderingFilter().get_ordering(request, queryset, view)
        if not terms and "relevance" in queryset.query.annotations:
            return Keyset("relevance", descending=True, parse_value=int)
        terms = terms or [self.ordering]
        name = terms[0].lstrip("-")
        model_field = queryset.model._meta.get_field(name)
        return Keyset(
            name,
            descending=terms[0].startswith("-"),
            nullable=model_field.null,
            parse_value=model_field.to_python,
        )

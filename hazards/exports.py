"""Streamed exports of the filtered ledger: CSV (UTF-8 with BOM, so Excel opens it) and XLSX."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .models import Hazard

CHUNK = 2000


def export_columns() -> list[tuple[str, Any]]:
    """(header, value of a hazard) for each exported column, headers in the active language."""

    def local(value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    return [
        (_("Code"), lambda h: h.code),
        (_("Enterprise"), lambda h: h.enterprise.name),
        (_("Credit code"), lambda h: h.enterprise.credit_code),
        (_("Region"), lambda h: h.region.code),
        (_("Industry"), lambda h: h.industry.display_name),
        (_("Source"), lambda h: h.get_source_display()),
        (_("Title"), lambda h: h.title),
        (_("Location"), lambda h: h.location),
        (_("Grade"), lambda h: h.get_level_display() if h.level else ""),
        (
            _("Criterion"),
            lambda h: f"{h.criterion.standard.document_number} {h.criterion.number}" if h.criterion else "",
        ),
        (_("State"), lambda h: h.get_state_display()),
        (_("Found"), lambda h: local(h.discovered_at)),
        (_("Deadline"), lambda h: h.deadline.isoformat() if h.deadline else ""),
        (_("Overdue"), lambda h: _("Yes") if h.is_overdue else ""),
        (_("Listed"), lambda h: h.listing_body if h.listed else ""),
        (_("Closed"), lambda h: local(h.closed_at)),
    ]


def _rows(queryset: QuerySet[Hazard]) -> Iterator[list[Any]]:
    columns = export_columns()
    yield [header for header, _value in columns]
    for hazard in queryset.select_related("enterprise", "region", "industry", "criterion__standard").iterator(
        chunk_size=CHUNK
    ):
        yield [str(value(hazard)) for _header, value in columns]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(queryset: QuerySet[Hazard]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel then reads the file as UTF-8 and shows Chinese correctly
    for row in _rows(queryset):
        yield writer.writerow(row)


def xlsx_file(queryset: QuerySet[Hazard]) -> Any:
    """A write-only workbook spooled to a temporary file (constant memory), rewound for streaming."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Ledger"))
    for row in _rows(queryset):
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse that streams it
    workbook.save(handle)
    handle.seek(0)
    return handle

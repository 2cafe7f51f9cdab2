"""Streamed exports of the filtered ledger: CSV (UTF-8 with BOM, so Excel opens it) and XLSX, both written
through core.spreadsheets (no cell of user text can become a formula; dates stay dates)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.spreadsheets import WorkbookWriter, csv_lines
from organizations.models import Industry

from .choices import HazardLevel, HazardSource, HazardState
from .models import Criterion, Hazard

CHUNK = 2000


# (header, value from a row of FIELDS): text, or a datetime or date that each format writes as its own kind
Column = tuple[str, Callable[[tuple[Any, ...]], Any]]

# Read as tuples, not model instances: building five model objects per row was most of an export's time.
FIELDS = [
    "code",
    "enterprise__name",
    "enterprise__credit_code",
    "region__code",
    "region__name",
    "region__name_en",
    "industry_id",
    "source",
    "title",
    "location",
    "level",
    "criterion_id",
    "state",
    "discovered_at",
    "deadline",
    "is_overdue",
    "listed",
    "listing_department__name",
    "listing_committee__name",
    "closed_at",
]


def export_columns(tenant_id: int | None) -> list[Column]:
    """(header, value of a row) for each exported column; headers and labels in the active language,
    looked up once per export rather than once per cell."""
    at = {name: index for index, name in enumerate(FIELDS)}
    industries = (
        {i.pk: i.display_name for i in Industry.objects.filter(tenant_id=tenant_id)} if tenant_id else {}
    )
    criteria = {
        c.pk: f"{c.standard.document_number} {c.number}" for c in Criterion.objects.select_related("standard")
    }
    sources = {value: str(label) for value, label in HazardSource.choices}
    levels = {value: str(label) for value, label in HazardLevel.choices}
    states = {value: str(label) for value, label in HazardState.choices}
    english = (get_language() or "").startswith("en")
    yes = _("Yes")
    committee = _("%(region)s safety committee")

    def listed(row: tuple[Any, ...]) -> str:
        """The listing body: its department, or its region's committee (Hazard.listing_body)."""
        if not row[at["listed"]]:
            return ""
        return row[at["listing_department__name"]] or committee % {
            "region": row[at["listing_committee__name"]]
        }

    def region(row: tuple[Any, ...]) -> str:
        """The region's name in the active language (Region.display_name), not its code alone."""
        return (english and row[at["region__name_en"]]) or row[at["region__name"]] or ""

    def typed(name: str) -> Callable[[tuple[Any, ...]], Any]:
        index = at[name]
        return lambda row: row[index]

    def text(name: str, labels: dict[Any, str] | None = None) -> Callable[[tuple[Any, ...]], str]:
        index = at[name]
        if labels is None:
            return lambda row: "" if row[index] is None else str(row[index])
        return lambda row: labels.get(row[index], "") if row[index] else ""

    return [
        (_("Code"), text("code")),
        (_("Enterprise"), text("enterprise__name")),
        (_("Credit code"), text("enterprise__credit_code")),
        (_("Region"), region),
        (_("Region code"), text("region__code")),
        (_("Industry"), text("industry_id", industries)),
        (_("Source"), text("source", sources)),
        (_("Title"), text("title")),
        (_("Location"), text("location")),
        (_("Grade"), text("level", levels)),
        (_("Criterion"), text("criterion_id", criteria)),
        (_("State"), text("state", states)),
        (_("Found"), typed("discovered_at")),
        (_("Deadline"), typed("deadline")),
        (_("Overdue"), lambda row: yes if row[at["is_overdue"]] else ""),
        (_("Listed"), listed),
        (_("Closed"), typed("closed_at")),
    ]


def ledger_table(queryset: QuerySet[Hazard]) -> tuple[list[str], Iterator[list[Any]]]:
    """The header, and the rows read through a server-side cursor (constant memory, however many)."""
    columns = export_columns(_tenant_of(queryset))
    values = [value for _header, value in columns]
    rows = ([value(row) for value in values] for row in queryset.values_list(*FIELDS).iterator(CHUNK))
    return [header for header, _value in columns], rows


def _rows(queryset: QuerySet[Hazard]) -> Iterator[list[Any]]:
    header, rows = ledger_table(queryset)
    yield header
    yield from rows


def is_small(queryset: QuerySet[Hazard]) -> bool:
    """Whether the rows are few enough to stream in the request (counted no further than the limit)."""
    limit = settings.EXPORT_DIRECT_MAX_ROWS
    return queryset.order_by()[: limit + 1].count() <= limit


def _tenant_of(queryset: QuerySet[Hazard]) -> int | None:
    """The tenant of the rows (scoped querysets hold one tenant), for its industry names."""
    return queryset.values_list("tenant_id", flat=True).order_by().first()


def csv_stream(queryset: QuerySet[Hazard]) -> Iterator[str]:
    return csv_lines(_rows(queryset))


def xlsx_file(queryset: QuerySet[Hazard]) -> Any:
    """A write-only workbook spooled to a temporary file (constant memory), rewound for streaming."""
    workbook = WorkbookWriter(write_only=True)
    sheet = workbook.sheet(_("Ledger"))
    for row in _rows(queryset):
        sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileResponse that streams it
    workbook.save(handle)
    handle.seek(0)
    return handle

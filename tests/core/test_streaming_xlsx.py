"""The streaming XLSX writer (core.spreadsheets.StreamingWorkbook) that large exports go through: what it
writes reads back, with openpyxl, as the values that went in — text as text (made safe), numbers as numbers,
dates and times as dates — and a table longer than a sheet goes on in a sheet of its own under its header."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from core import spreadsheets
from core.spreadsheets import WorkbookWriter


def _written(rows: list[list[Any]], title: str = "台账") -> Any:
    book = WorkbookWriter(write_only=True)
    sheet = book.sheet(title)
    for row in rows:
        sheet.append(row)
    return load_workbook(io.BytesIO(book.to_bytes()))


def test_values_read_back_as_they_went_in() -> None:
    found = dt.datetime(2026, 3, 2, 1, 30, 15, tzinfo=dt.UTC)  # 09:30:15 in Asia/Shanghai
    row = ["燃气管道 A&B <东侧>", 7, 2.5, Decimal("3.25"), True, dt.date(2026, 12, 31), found, dt.time(8, 45)]
    sheet = _written([["h"] * len(row), row]).worksheets[0]
    cells = next(iter(sheet.iter_rows(min_row=2)))
    assert [cell.value for cell in cells] == [
        "燃气管道 A&B <东侧>",
        7,
        2.5,
        3.25,
        True,
        dt.datetime(2026, 12, 31),  # noqa: DTZ001 - Excel has no time zones: read back naive
        dt.datetime(2026, 3, 2, 9, 30, 15),  # noqa: DTZ001 - local time in Asia/Shanghai
        dt.time(8, 45),
    ]
    assert [cell.data_type for cell in cells] == ["s", "n", "n", "n", "b", "d", "d", "d"]
    assert sheet.title == "台账"


def test_text_is_made_safe_and_kept_whole() -> None:
    rows = [['=HYPERLINK("http://x","y")', "a\x01b\x0bc\r\nd", "  两边的空格  ", "x" * 40_000]]
    cells = [cell.value for cell in _written(rows).worksheets[0][1]]
    assert cells[0] == '\'=HYPERLINK("http://x","y")'  # a formula stays text
    assert cells[1] == "abc\r\nd"  # control characters XLSX cannot hold are dropped, not the file refused
    assert cells[2] == "  两边的空格  "  # spaces kept
    assert cells[3] == "x" * spreadsheets.CELL_MAX_CHARS  # Excel's limit for one cell


def test_an_empty_value_leaves_its_cell_empty_and_the_next_in_its_column() -> None:
    sheet = _written([["a", None, "c"]]).worksheets[0]
    assert [cell.value for cell in sheet[1]] == ["a", None, "c"]
    assert sheet["C1"].value == "c"


def test_a_table_longer_than_a_sheet_goes_on_under_its_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheets, "SHEET_MAX_ROWS", 3)
    book = _written([["编号"], ["1"], ["2"], ["3"], ["4"], ["5"]], title="Ledger")
    assert book.sheetnames == ["Ledger", "Ledger (2)", "Ledger (3)"]
    assert [[c.value for c in row] for ws in book.worksheets for row in ws.iter_rows()] == [
        ["编号"],
        ["1"],
        ["2"],
        ["编号"],
        ["3"],
        ["4"],
        ["编号"],
        ["5"],
    ]


def test_a_sheet_title_loses_what_excel_refuses() -> None:
    assert _written([["a"]], title="排名 2026/10 [市级]: 全部?").sheetnames == ["排名 202610 市级 全部"]


def test_several_sheets_and_a_package_excel_opens() -> None:
    book = WorkbookWriter(write_only=True)
    book.sheet("一").append(["a"])
    book.sheet("二").append(["b"])
    content = book.to_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        types = archive.read("[Content_Types].xml").decode()
    assert {
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
    } <= names
    assert types.count("worksheet+xml") == 2  # every sheet declared
    assert [ws["A1"].value for ws in load_workbook(io.BytesIO(content)).worksheets] == ["a", "b"]

"""No CSV or XLSX the product writes carries a formula made of user text (OWASP "CSV injection"), and real
numbers and dates stay numbers and dates.

Formula-shaped text is typed into every field that reaches a spreadsheet; then every spreadsheet the product
writes is fetched as its users fetch it, and every cell of it is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accountability.scoring import assessment_compute_month
from campaigns.services import campaign_create, task_create
from core.spreadsheets import WorkbookWriter, csv_cell, csv_text, restored, xlsx_cell
from disclosure.models import Publication
from disclosure.services import publication_build_month, publication_publish
from hazards.models import Hazard
from organizations.models import Department, Enterprise, Industry, Region

# One of each way a cell becomes a formula (or is read as one once a leading tab or CR is stripped).
HYPERLINK = '=HYPERLINK("http://x","y")'
PAYLOADS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
# Spelled out here rather than imported: shrinking the helper's list must fail this test.
UNSAFE_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile(world: Any, ledger: Any) -> dict[str, Any]:
    """Tenant A with formula-shaped text in every field that reaches a spreadsheet: names in the directory,
    a hazard's title, location and supervising body, a campaign's measures and its table of tasks."""
    w = world.a
    today = timezone.localdate()
    hazard = (
        ledger.rectifying()
    )  # major, handed over, with a deadline: in the ledger, the campaign and the month
    Hazard.objects.filter(pk=hazard.pk).update(
        title="+1+1",
        location="-2+3",
        listed=True,
        listing_level="municipal",
        listing_department=w.construction_department,
        is_overdue=True,
    )
    Department.objects.filter(pk=w.construction_department.pk).update(name="@SUM(A1)")  # the listing body
    Enterprise.objects.filter(pk=w.enterprise.pk).update(name=HYPERLINK)
    Region.objects.filter(pk=w.county.pk).update(name="\tx", name_en="\tx")
    Industry.objects.filter(pk=w.industries["hazardous_chemicals"].pk).update(name="\rx", name_en="\rx")
    Department.objects.filter(pk=w.department.pk).update(name="-2+3")
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="排查整治",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=120),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
        guarantee_measures="=1+2\n@SUM(A1)",
    )
    task = task_create(
        actor=w.committee,
        campaign=campaign,
        number="1",
        title="总体排查",
        description="说明",
        due_date=campaign.end_date,
        departments=[w.department],
        regions=[w.county],
    )
    task.__class__.objects.filter(pk=task.pk).update(number="-1", title="+1+1", description="@SUM(A1)")
    month = today.replace(day=1)
    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    publication = publication_publish(actor=w.committee, publication=draft)
    hazard.refresh_from_db()
    return {"campaign": campaign, "publication": publication, "hazard": hazard}


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8").removeprefix("\ufeff"))))


def _workbook_cells(body: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(body))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_no_formula_in_csv(name: str, rows: list[list[str]]) -> set[str]:
    fields = {field for row in rows for field in row}
    unsafe = sorted(field for field in fields if field.startswith(UNSAFE_STARTS))
    assert not unsafe, f"{name}: fields a spreadsheet would run as formulas: {unsafe}"
    return fields


def _assert_no_formula_in_xlsx(name: str, cells: list[Any]) -> set[str]:
    formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not formulas, f"{name}: formula cells {formulas}"
    texts = {cell.value for cell in cells if cell.data_type == "s" and cell.value is not None}
    unsafe = sorted(text for text in texts if text.startswith(UNSAFE_STARTS))
    assert not unsafe, f"{name}: text cells a spreadsheet would run as formulas: {unsafe}"
    return texts


def _column(cells: list[Any], sheet_title: str | None, header: str) -> list[Any]:
    """The cells under `header` (first row) of a sheet (of the first sheet when no title is given)."""
    by_sheet: dict[str, list[Any]] = {}
    for cell in cells:
        by_sheet.setdefault(cell.parent.title, []).append(cell)
    sheet = by_sheet[sheet_title] if sheet_title else next(iter(by_sheet.values()))
    heading = next(cell for cell in sheet if cell.row == 1 and cell.value == header)
    return [cell for cell in sheet if cell.column == heading.column and cell.row > 1]


EN = {"Accept-Language": "en"}


def test_the_ledger_csv_neutralises_formulas(world, client, hostile) -> None:
    hazard = hostile["hazard"]
    client.force_login(world.a.committee)
    body = b"".join(client.get("/ledger/export.csv", headers=EN).streaming_content)
    fields = _assert_no_formula_in_csv("ledger CSV", _csv_rows(body))
    assert {"'+1+1", "'-2+3", "'@SUM(A1)", "'" + HYPERLINK, "'\rx"} <= fields
    # The time found and the deadline are written as such (local time), not as quoted text.
    assert timezone.localtime(hazard.discovered_at).strftime("%Y-%m-%d %H:%M") in fields
    assert hazard.deadline.isoformat() in fields


def test_the_ledger_xlsx_neutralises_formulas_and_keeps_dates(world, client, hostile) -> None:
    hazard = hostile["hazard"]
    client.force_login(world.a.committee)
    cells = _workbook_cells(b"".join(client.get("/ledger/export.xlsx", headers=EN).streaming_content))
    texts = _assert_no_formula_in_xlsx("ledger XLSX", cells)
    assert {"'+1+1", "'-2+3", "'@SUM(A1)", "'" + HYPERLINK, "'\rx"} <= texts
    assert [cell.data_type for cell in _column(cells, None, "Found")] == ["d"]
    deadline = _column(cells, None, "Deadline")
    assert [(c.data_type, c.value) for c in deadline] == [
        ("d", dt.datetime.combine(hazard.deadline, dt.time()))
    ]


def test_the_campaign_summary_neutralises_formulas_and_keeps_dates_and_numbers(
    world, client, hostile
) -> None:
    client.force_login(world.a.committee)
    cells = _workbook_cells(
        client.get(f"/campaigns/{hostile['campaign'].pk}/summary.xlsx", headers=EN).content
    )
    texts = _assert_no_formula_in_xlsx("campaign summary", cells)
    assert {"'-1", "'+1+1", "'" + HYPERLINK, "'=1+2", "'@SUM(A1)", "'-2+3", "'\tx"} <= texts
    assert [c.data_type for c in _column(cells, "Table of tasks", "Due date")] == ["d"]
    assert [c.data_type for c in _column(cells, "Table of tasks", "Progress (%)")] == ["n"]
    assert [c.data_type for c in _column(cells, "Open problems (overdue hazards)", "Deadline")] == ["d"]


def test_the_task_sheet_neutralises_formulas_and_keeps_dates_and_numbers(world, client, hostile) -> None:
    client.force_login(world.a.committee)
    cells = _workbook_cells(client.get(f"/campaigns/{hostile['campaign'].pk}/tasks.xlsx").content)
    texts = _assert_no_formula_in_xlsx("task sheet", cells)
    assert {"'-1", "'+1+1", "'@SUM(A1)", "'-2+3"} <= texts
    assert [(c.data_type, c.value) for c in _column(cells, "tasks", "weight")] == [("n", 1)]
    assert [c.data_type for c in _column(cells, "tasks", "due_date")] == ["d"]
    assert [c.data_type for c in _column(cells, "tasks", "percent")] == ["n"]


def test_the_rankings_export_neutralises_unit_names_and_keeps_numbers(world, client, hostile) -> None:
    w, month = world.a, timezone.localdate().replace(day=1)
    assessment_compute_month(tenant=w.tenant, month=month)
    client.force_login(w.committee)
    # A region, a department and an enterprise named like formulas, each in its own rank group.
    for level, region, name in [
        ("region", w.city, "\tx"),
        ("department", w.city, "-2+3"),
        ("enterprise", w.county, HYPERLINK),
    ]:
        query = {"level": level, "region": region.pk, "month": f"{month:%Y-%m}"}
        cells = _workbook_cells(client.get("/rankings/export.xlsx", query, headers=EN).content)
        assert "'" + name in _assert_no_formula_in_xlsx(f"rankings XLSX ({level})", cells)
        assert {c.data_type for c in _column(cells, None, "Month")} == {"d"}
        for header in ["Rank", "Units ranked", "Score", "Overall rectification progress"]:
            assert {c.data_type for c in _column(cells, None, header)} == {"n"}, (level, header)
        rows = _csv_rows(client.get("/rankings/export.csv", query, headers=EN).content)
        assert "'" + name in _assert_no_formula_in_csv(f"rankings CSV ({level})", rows)


def test_the_public_csv_neutralises_formulas(client, hostile) -> None:
    body = client.get(f"/public/alpha/p/{hostile['publication'].public_id}.csv").content
    fields = _assert_no_formula_in_csv("public CSV", _csv_rows(body))
    assert "'" + HYPERLINK in fields  # the enterprise's name


def test_the_enterprise_import_template_is_written_through_the_same_door(world, client) -> None:
    client.force_login(world.a.committee)
    cells = _workbook_cells(client.get("/directory/enterprises/import/template/").content)
    assert _assert_no_formula_in_xlsx("import template", cells) >= {"name", "credit_code"}


def test_the_task_sheet_round_trips_formula_shaped_titles_unchanged(world, hostile) -> None:
    from campaigns.task_sheets import tasks_export, tasks_import

    w, campaign = world.a, hostile["campaign"]
    copy = campaign_create(
        actor=w.committee,
        region=w.city,
        name="复制",
        start_date=campaign.start_date,
        end_date=campaign.end_date,
        industries=[w.industries["mines"]],
    )
    assert tasks_import(actor=w.committee, campaign=copy, content=tasks_export(campaign)) == []
    assert list(copy.tasks.values_list("number", "title", "description")) == [("-1", "+1+1", "@SUM(A1)")]
    assert list(copy.tasks.get().departments.all()) == [w.department]  # found by its name "-2+3"


@pytest.mark.parametrize("text", PAYLOADS)
def test_text_that_a_spreadsheet_would_run_is_quoted_and_read_back_as_typed(text) -> None:
    assert csv_cell(text) == "'" + text
    assert xlsx_cell(text) == "'" + text
    assert restored(csv_cell(text)) == text
    assert csv_cell("安全 -2") == "安全 -2" and restored("'安全") == "'安全"  # only a leading trigger


def test_numbers_and_dates_stay_numbers_and_dates_in_both_formats() -> None:
    found = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)  # 09:30 in Asia/Shanghai
    values = [-5, Decimal("-1.50"), -0.25, dt.date(2026, 3, 31), found, "-5"]
    assert [csv_cell(value) for value in values] == [
        "-5",
        "-1.50",
        "-0.25",
        "2026-03-31",
        "2026-03-02 09:30",
        "'-5",
    ]
    workbook = WorkbookWriter(write_only=True)
    workbook.sheet("s").append(values)
    row = next(iter(load_workbook(io.BytesIO(workbook.to_bytes())).worksheets[0].iter_rows()))
    assert [cell.data_type for cell in row] == ["n", "n", "n", "d", "d", "s"]
    assert [cell.value for cell in row] == [
        -5,
        Decimal("-1.50"),
        -0.25,
        dt.datetime.combine(dt.date(2026, 3, 31), dt.time()),  # Excel has no time zones: naive
        dt.datetime.combine(dt.date(2026, 3, 2), dt.time(9, 30)),  # local time in Asia/Shanghai
        "'-5",
    ]
    assert csv_text([["=1", 2]]) == "\ufeff'=1,2\r\n"


def test_control_characters_xlsx_cannot_hold_do_not_break_an_export() -> None:
    workbook = WorkbookWriter()
    workbook.sheet("s").append(["a\x01b\x0bc"])
    assert load_workbook(io.BytesIO(workbook.to_bytes())).worksheets[0]["A1"].value == "abc"


# Every writer must go through core.spreadsheets (CSV, XLSX) and core.pdf_text (reportlab
# paragraphs): a new export that opens its own csv.writer, Workbook or Paragraph fails here.
ROOT = Path(__file__).resolve().parents[2]
NOT_PRODUCT = {"tests", "bench", ".venv", ".data", "node_modules", "static"}  # bench writes its own inputs
DOORS = {
    re.compile(r"\bcsv\.(?:writer|DictWriter)\(|\bWorkbook\("): "core/spreadsheets.py",
    re.compile(r"\bParagraph\("): "core/pdf_text.py",
}


def test_no_module_writes_a_spreadsheet_or_a_pdf_paragraph_but_through_the_shared_helpers() -> None:
    sources = [
        path
        for path in ROOT.rglob("*.py")
        if not NOT_PRODUCT & set(path.relative_to(ROOT).parts[:1])
        and ".venv" not in path.relative_to(ROOT).parts
    ]
    assert len(sources) > 100  # the scan really read the code base
    offenders = [
        f"{path.relative_to(ROOT)}: {pattern.pattern}"
        for path in sources
        for pattern, door in DOORS.items()
        if str(path.relative_to(ROOT)) != door and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders

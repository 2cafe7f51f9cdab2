"""The rankings spreadsheet: the page's rank group, whole, as XLSX and CSV, for the page's callers only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accountability.rankings import PAGE_SIZE, indicator_order, ranking
from accountability.scoring import LEVELS, assessment_compute_month
from tests.factories import EnterpriseFactory

from .test_scoring import march, month_ledger  # noqa: F401 - the scoring tests' hand-counted months

EN = {"Accept-Language": "en"}
MARCH = {"month": "2026-03"}
MARCH_FIRST = dt.datetime.combine(dt.date(2026, 3, 1), dt.time())  # as openpyxl reads a date back
TEXT_COLUMNS = {"Region", "Parent region", "Department", "Enterprise", "Credit code"}


@pytest.fixture
def scored_march(world, march):  # noqa: F811 - the fixture named in the import
    """The scoring tests' March, scored, and February before it (so each unit has a change of rank)."""
    for month in (dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
        assessment_compute_month(tenant=world.a.tenant, month=month)
    return march


@pytest.fixture
def scored_month(world, month_ledger):  # noqa: F811 - the fixture named in the import
    """The scoring tests' current month (county 93.34, sibling county 63.34), scored in both tenants."""
    for tenant in (world.a.tenant, world.b.tenant):
        assessment_compute_month(tenant=tenant, month=month_ledger)
    return month_ledger


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    """Columns are found by their English headers."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _sheet(response: Any) -> list[list[Any]]:
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) == 1
    return [[cell.value for cell in row] for row in book.worksheets[0].iter_rows()]


def _cells(response: Any) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.worksheets[0].iter_rows()]


def _csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").removeprefix("\ufeff"))))


def _by_header(table: list[list[Any]]) -> list[dict[str, Any]]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_the_export_writes_the_figures_of_the_page_for_every_level(world, client, scored_march) -> None:
    w, (month, neighbour) = world.a, scored_march
    client.force_login(w.committee)
    for level, region in (("region", w.city), ("department", w.city), ("enterprise", w.county)):
        query = {"level": level, "region": region.pk, **MARCH}
        page = client.get("/rankings/", query, headers=EN).content.decode()
        shown = ranking(actor=w.committee, level=level, region=region, month=month)
        table = _sheet(client.get("/rankings/export.xlsx", query, headers=EN))
        assert len(table) == 1 + len(shown) >= 3, level
        for line, row in zip(table[1:], shown, strict=True):
            assessment, unit = row["assessment"], row["unit"]
            assert f"{assessment.score}" in page  # the page shows the very figure the file holds
            assert line == [
                MARCH_FIRST,
                assessment.rank,
                assessment.rank_of,
                unit.display_name,
                *([unit.credit_code] if level == "enterprise" else []),
                region.display_name,
                float(assessment.score),
                row["change"],
                *(assessment.groups[name] for name in LEVELS[level].groups),
                *(assessment.indicators[name] for name in indicator_order(level)),
            ]
    # The hand-counted figures of the scoring tests, by column.
    departments = _by_header(
        _sheet(
            client.get(
                "/rankings/export.xlsx", {"level": "department", "region": w.city.pk, **MARCH}, headers=EN
            )
        )
    )
    assert departments[0] == {
        "Month": MARCH_FIRST,
        "Rank": 1,
        "Units ranked": 2,
        "Department": w.department.display_name,
        "Region": "City One",
        "Score": 84.62,
        "Change vs last month": 1,  # February: both idle, the construction department first
        "Overall rectification progress": 75,
        "Departments' precise enforcement": 100,
        "department-found": 1,
        "handovers acknowledged in time (%)": 100,
        "verifications in time (%)": 100,
        "overdue at month end": 0,
        "reopened after closure": 1,
        "inspections": 1,
        "unannounced share (%)": 0,
        "enforcement measures": 1,
        "spot checks assigned last month": 0,
        "inspections that found hazards (%)": 100,
        "inspections finding a major hazard that imposed a measure (%)": None,
        "spot checks re-inspected in time (%)": None,
    }
    assert departments[1]["Score"] == 43.58 and departments[1]["handovers acknowledged in time (%)"] is None
    assert departments[1]["Change vs last month"] == -1
    enterprises = _by_header(
        _sheet(
            client.get(
                "/rankings/export.xlsx", {"level": "enterprise", "region": w.county.pk, **MARCH}, headers=EN
            )
        )
    )
    assert [(row["Enterprise"], row["Credit code"], row["Score"]) for row in enterprises] == [
        (w.enterprise.name, w.enterprise.credit_code, 83.33),
        # progress 75, self-inspection 66.7 (filing 0; gap and self-reported majors equal: 100 each), 40/20
        (neighbour.name, neighbour.credit_code, 72.23),
    ]
    assert {
        row["Parent region"] for row in _by_header(_sheet(client.get("/rankings/export.xlsx", MARCH)))
    } == {w.city.display_name}


def test_the_csv_holds_the_same_table_with_plain_numbers(world, client, scored_month) -> None:
    client.force_login(world.a.committee)
    rows = _by_header(_csv(client.get("/rankings/export.csv", headers=EN)))
    county, sibling = rows
    assert (county["Region"], county["Rank"], county["Score"]) == ("County A", "1", "95.00")
    assert (county["Month"], county["Parent region"]) == (scored_month.isoformat(), "City One")
    assert county["Enterprise self-inspection quality"] == "75.0" and county["self-inspection gap"] == "1"
    assert (sibling["Score"], sibling["unannounced share (%)"], sibling["Change vs last month"]) == (
        "65.00",
        "",
        "",
    )


def test_numbers_are_number_cells_and_the_month_a_date(world, client, scored_march) -> None:
    w = world.a
    client.force_login(w.committee)
    for level, region in (("region", w.city), ("department", w.city), ("enterprise", w.county)):
        query = {"level": level, "region": region.pk, **MARCH}
        header, *rows = _cells(client.get("/rankings/export.xlsx", query, headers=EN))
        names = [cell.value for cell in header]
        text = {index for index, name in enumerate(names) if name in TEXT_COLUMNS}
        for row in rows:
            assert row[0].data_type == "d" and row[0].value == MARCH_FIRST
            for index, cell in enumerate(row[1:], start=1):
                if index in text:
                    assert cell.data_type == "s", (level, names[index])
                elif cell.value is not None:
                    assert cell.data_type == "n", (level, names[index], cell.value)
        assert len(text) >= 2 and len(names) - len(text) > 6


def test_only_the_pages_callers_get_it_and_another_tenants_region_is_a_404(
    world, client, scored_month
) -> None:
    w = world.a
    for user in (w.officer, w.head, w.inspector, w.outsider):
        client.force_login(user)
        for url in ("/rankings/", "/rankings/export.xlsx", "/rankings/export.csv"):
            assert client.get(url).status_code == 403, (user.username, url)
    client.force_login(world.b.committee)
    for url in ("/rankings/", "/rankings/export.xlsx", "/rankings/export.csv"):
        assert client.get(url, {"region": w.city.pk}).status_code == 404, url
        assert client.get(url, {"region": w.county.pk, "level": "enterprise"}).status_code == 404, url
    # Their own rankings: nothing of alpha's (both tenants' regions bear the same names, the figures differ).
    theirs = client.get("/rankings/export.csv", {"region": world.b.city.pk}).content.decode()
    assert world.b.county.display_name in theirs and "93.34" not in theirs and "63.34" not in theirs
    enterprises = {"region": world.b.county.pk, "level": "enterprise"}
    theirs = client.get("/rankings/export.csv", enterprises).content.decode()
    assert world.b.enterprise.name in theirs and w.enterprise.name not in theirs
    client.force_login(w.committee)
    assert client.get("/rankings/export.pdf").status_code == 404
    assert client.get("/rankings/export.xls").status_code == 404
    client.logout()
    assert client.get("/rankings/export.xlsx")["Location"].startswith("/accounts/login/")


def test_a_region_the_committee_may_not_rank_answers_as_the_page_does(world, client, scored_month) -> None:
    """A region of the tenant outside the committee's subtree is not a secret (the region tree is the
    tenant's shared directory): the page falls back to the committee's own region, and so does the file;
    nothing of the other city is written."""
    w = world.a
    client.force_login(w.committee)
    for level in ("region", "department", "enterprise"):
        asked = {"level": level, "region": w.other_city.pk}
        own = {"level": level, "region": w.city.pk}
        assert _sheet(client.get("/rankings/export.xlsx", asked)) == _sheet(
            client.get("/rankings/export.xlsx", own)
        )
        body = client.get("/rankings/export.csv", asked).content.decode()
        assert w.other_city.display_name not in body and w.other_city_enterprise.name not in body
        page = client.get("/rankings/", asked).content.decode()
        assert f'<option value="{w.city.pk}" selected>' in page


def test_the_export_holds_the_whole_rank_group_in_a_fixed_number_of_queries(
    world, client, scored_march
) -> None:
    w, (month, _neighbour) = world.a, scored_march
    query = {"level": "enterprise", "region": w.county.pk, **MARCH}
    client.force_login(w.committee)

    def exported() -> tuple[int, int]:
        assessment_compute_month(tenant=w.tenant, month=month)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/rankings/export.xlsx", query)
        return len(_sheet(response)) - 1, len(queries)

    exported()  # once first: the session's first request also records when it was last active
    few, queries_for_few = exported()
    for _ in range(PAGE_SIZE):
        EnterpriseFactory.create(region=w.county, industries=[w.industries["coal_mines"]])
    many, queries_for_many = exported()
    assert (few, many) == (2, PAGE_SIZE + 2)  # every enterprise, not the page's first fifty
    assert queries_for_many == queries_for_few
    page = client.get("/rankings/", query).content.decode()
    assert 'rel="next"' in page  # the page itself shows them fifty at a time


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_page_links_to_the_file_of_what_it_shows(world, client, scored_month, fmt) -> None:
    client.force_login(world.a.committee)
    query = {"level": "department", "region": world.a.city.pk, "month": f"{scored_month:%Y-%m}"}
    page = client.get("/rankings/", query, headers=EN).content.decode()
    link = (
        f"/rankings/export.{fmt}?level=department&amp;region={world.a.city.pk}&amp;month={scored_month:%Y-%m}"
    )
    assert link in page and f"Download {fmt.upper()}" in page
    response = client.get(link.replace("&amp;", "&"))
    assert response["Content-Disposition"] == (
        f'attachment; filename="rankings-department-{world.a.city.code}-{scored_month:%Y-%m}.{fmt}"'
    )


@pytest.mark.parametrize(
    "url",
    [
        "/rankings/",
        "/rankings/export.xlsx",
        "/rankings/export.csv",
        "/rankings/circular.pdf",
        "/rankings/leadership/",
    ],
)
def test_a_malformed_month_is_a_400_naming_the_format(world, client, url) -> None:
    client.force_login(world.a.committee)
    for month in ("march", "2026-13", "2026-03-01"):
        response = client.get(url, {"month": month}, headers=EN)
        assert response.status_code == 400, month
        assert "Give the month as YYYY-MM" in response.content.decode()
    client.force_login(world.a.officer)
    assert client.get(url, {"month": "march"}).status_code == 403  # the role is asked first

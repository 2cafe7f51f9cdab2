"""Committee staff grade and hand over a major hazard and watch the campaign's wall chart change, run and
publish the month's disclosure, read the rankings down to the ledger rows behind a number, and open an
accountability case after an accident. In English, on a desktop."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from .conftest import App, NewPage, Screens, server_now
from .test_2_inspector import open_hazard, state

COMMITTEE = "dl-committee"
CAMPAIGN = "大连市重大事故隐患专项排查整治2023行动"
# A self-reported hazard of December 2023 (demo world) still waiting for a regulator to grade it.
REPORTED_2023 = "气防柜内5具正压式空气呼吸器"
REGION = "Jinzhou District"
INDUSTRY = "Hazardous chemicals"
MONTH = "2023-12"
LEDGER_PAGE = 50


def wall_chart_cell(page: Page, region: str, industry: str) -> Locator:
    headers = page.locator("table.wall-chart thead th").all_inner_texts()
    column = [text.strip() for text in headers].index(industry)
    row = page.locator("table.wall-chart tbody tr", has=page.locator("th", has_text=region))
    return row.locator("td").nth(column - 1)


def majors(cell: Locator) -> int:
    return int(cell.locator(".cell-measures li").first.locator("a").inner_text())


def test_committee_hands_over_publishes_ranks_and_opens_a_case(
    app: App, new_page: NewPage, shot: Screens
) -> None:
    page = new_page(COMMITTEE)

    # The wall chart of the city's campaign, before.
    page.goto("/campaigns/")
    page.get_by_role("link", name=CAMPAIGN).first.click()
    page.locator("a[href$='/wall-chart/']").first.click()
    expect(page.locator("table.wall-chart")).to_be_visible()
    majors_before = majors(wall_chart_cell(page, REGION, INDUSTRY))
    wall_chart = page.url

    # Grade the reported hazard major, citing a criterion, and hand it over to the city's bureau.
    open_hazard(page, REPORTED_2023)
    page.locator("#confirm-level input[value=major]").check()
    page.locator("#confirm-criterion").select_option(index=1)
    page.get_by_role("button", name="Confirm and grade").click()
    assert state(page) == "Confirmed"
    page.locator("#handover-departments input[type=checkbox]").first.check()
    page.locator("#handover-note").fill("Listed for the bureau's follow-up this month.")
    shot(page, "handover")
    page.get_by_role("button", name="Hand over").click()
    assert state(page) == "Handed over"
    expect(page.get_by_role("heading", name="Handovers")).to_be_visible()

    # The wall chart now counts one more open major hazard in that cell, which links to it.
    page.goto(wall_chart)
    cell = wall_chart_cell(page, REGION, INDUSTRY)
    assert majors(cell) == majors_before + 1
    expect(cell).to_have_class("cell-warning")
    shot(page, "wall-chart", full_page=True)
    cell.locator(".cell-measures li").first.locator("a").click()
    expect(page.locator("table.ledger-table")).to_contain_text(REPORTED_2023)

    # The month's jobs (Celery beat runs them on the 1st) draft the disclosure; staff review and publish.
    app.manage("run_monthly_jobs", "--tenant", "liaoning", "--month", MONTH)
    page.goto("/disclosure/")
    page.locator("table a", has_text=MONTH).filter(has_text="Dalian").first.click()
    shot(page, "disclosure-draft")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messages")).to_contain_text("SHA-256")
    expect(page.get_by_role("link", name="Open the public page")).to_be_visible()
    shot(page, "disclosure-published")

    # Rankings: districts ranked; a number leads to the ledger rows behind it.
    page.goto("/rankings/")
    expect(page.locator("h1")).to_contain_text("Regions under Dalian")
    ranked = page.locator("table tbody tr")
    assert ranked.count() >= 3
    shot(page, "rankings", full_page=True)
    number = ranked.first.get_by_role("link", name="self-found")
    found = int(number.inner_text().split()[-1])
    assert found > 0
    number.click()
    expect(page.locator("h1")).to_have_text("Hazard ledger")
    expect(page.locator("table.ledger-table tbody tr")).to_have_count(min(found, LEDGER_PAGE))
    shot(page, "ranking-ledger-rows")

    # An accident at the enterprise with an open major hazard: record it and open a case.
    page.goto("/accidents/new/")
    page.locator("#id_enterprise").select_option(label="大连恒泰石化储运有限公司")
    now = server_now()
    page.locator("#id_occurred_at").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_injuries").fill("2")
    page.locator("#id_description").fill("Gas release at tank area 3 during loading; two workers hurt.")
    page.locator("main form button[type=submit]").click()
    page.get_by_role("button", name="Open a case (one case, three investigations)").click()
    expect(page.locator("h1")).to_contain_text("Case: 大连恒泰石化储运有限公司")
    flags = page.locator(".flag-list")
    # The trace flags the enterprise's major hazards still open (the demo world's overdue ones at least).
    expect(flags.locator("li", has_text="was still open at the time of the accident").first).to_be_visible()
    shot(page, "case", full_page=True)

"""The public, without an account: browse the month's disclosure on a phone in Chinese, download the PDF and
the CSV, switch to English, send a tip-off and follow it with its tracking code while committee staff
triage it."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from .conftest import NewPage, Screens
from .test_3_committee import COMMITTEE, MONTH

PUBLIC = "/public/liaoning/"
TIP = "Trucks park in front of the fire hydrant at the chemical depot every night (E2E)."


def download(page: Page, link_name: str) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    path = info.value.path()
    assert path is not None
    return Path(path)


def test_public_reads_the_disclosure_and_follows_a_tip_off(new_page: NewPage, shot: Screens) -> None:
    page = new_page(lang="zh-hans", phone=True)
    page.goto(PUBLIC)
    expect(page.locator("h1")).to_have_text("重大事故隐患信息公开")
    shot(page, "public-index-zh")
    page.get_by_role("link", name=f"大连市 — {MONTH}").first.click()
    expect(page.locator("h1")).to_contain_text(MONTH)
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 1
    shot(page, "public-publication-zh")

    # The official PDF and the spreadsheet.
    pdf = download(page, "PDF（正式文件）")
    assert pdf.read_bytes().startswith(b"%PDF")
    table = list(csv.reader(io.StringIO(download(page, "CSV（电子表格）").read_text("utf-8-sig"))))
    assert len(table) >= 2

    # The same page in English, narrowed by a search.
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_contain_text(MONTH)
    expect(page.get_by_role("link", name="PDF (official document)")).to_be_visible()
    first_enterprise = table[1][_column(table[0], ("enterprise", "企业"))]
    page.locator("#filter-q").fill(first_enterprise)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("table", name="Major hazards")).to_contain_text(first_enterprise)
    shot(page, "public-publication-en")

    # A tip-off, and its status by tracking code.
    page.get_by_role("link", name="Send a tip-off").first.click()
    dalian = page.locator("#id_region option", has_text="Dalian").first.get_attribute("value")
    page.locator("#id_region").select_option(dalian)
    page.locator("#id_enterprise_name").fill("Hengtai chemical depot")
    page.locator("#id_description").fill(TIP)
    shot(page, "tip-off-form")
    page.get_by_role("button", name="Send the tip-off").click()
    expect(page.locator("h1")).to_have_text("Your tip-off")
    status_url = page.url
    code = urlsplit(status_url).path.rstrip("/").rsplit("/", 1)[-1]  # the URL keeps ?lang=en
    expect(page.locator("main")).to_contain_text(code)
    expect(page.locator("main")).to_contain_text("Received")
    shot(page, "tip-off-received")

    committee = new_page(COMMITTEE)
    committee.goto("/tip-offs/")
    committee.locator("table a", has_text=TIP[:40]).click()
    expect(committee.locator("main")).to_contain_text(TIP)
    committee.locator("input[name=decision][value=lead]").check()
    committee.locator("#id_public_note").fill("Passed to the district inspectors on the day it came in.")
    committee.locator("main form button[type=submit]").click()
    expect(committee.locator(".messages")).to_contain_text("Tip-off triaged.")

    page.goto(status_url)
    expect(page.locator("main")).to_contain_text("Passed to the district inspectors")
    shot(page, "tip-off-status")


def _column(header: list[str], words: tuple[str, ...]) -> int:
    return next(i for i, name in enumerate(header) if any(word in name.lower() for word in words))

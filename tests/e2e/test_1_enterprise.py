"""An enterprise officer on a phone files this month's self-inspection with a hazard and a photo; the
enterprise head submits it, and the hazards enter the ledger as reported. In Simplified Chinese, the
language the enterprise works in."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import FilePayload, expect

from .conftest import NewPage, Screens

# Unique words, so later journeys find exactly these hazards in the ledger.
CHECKLIST_FINDING = "储罐区可燃气体报警器失灵（E2E）"
CHECKLIST_PLACE = "三号储罐区东侧"
EXTRA_FINDING = "消防通道被货物堵塞（E2E）"
EXTRA_PLACE = "二号仓库北门"


def photo_png() -> FilePayload:
    """A small photo as the phone's camera would hand it over."""
    image = Image.new("RGB", (64, 48), (200, 60, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return FilePayload(name="blocked-exit.png", mimeType="image/png", buffer=buffer.getvalue())


def test_officer_files_and_head_submits_a_self_inspection(new_page: NewPage, shot: Screens) -> None:
    officer = new_page("dl-chem-officer", lang="zh-hans", phone=True)
    officer.goto("/self-inspections/")
    expect(officer.get_by_role("heading", level=1)).to_have_text("企业自查")
    shot(officer, "officer-self-inspections")
    officer.locator("form.start-form button[type=submit]").first.click()

    # The checklist: the first line is a hazard, every other line is fine.
    items = officer.locator("fieldset.check-item:not(.extra-item)")
    expect(items.first).to_be_visible()
    first = items.first
    first.locator("input[value=hazard]").check()
    first.locator("input[id^=description-]").fill(CHECKLIST_FINDING)
    first.locator("input[id^=location-]").fill(CHECKLIST_PLACE)
    first.locator("select[id^=category-]").select_option("equipment")
    for index in range(1, items.count()):
        items.nth(index).locator("input[value=ok]").check()
    officer.locator("#extra-0-description").fill(EXTRA_FINDING)
    officer.locator("#extra-0-location").fill(EXTRA_PLACE)
    officer.locator("#extra-0-category").select_option("environment")
    officer.locator("#extra-0-photos").set_input_files([photo_png()])
    shot(officer, "officer-checklist")
    officer.locator("button[name=save]").click()

    # The draft keeps the answers and the photo; the officer cannot submit it.
    expect(officer.locator("fieldset.check-item input[value=hazard]").first).to_be_checked()
    expect(officer.get_by_text(EXTRA_FINDING)).to_be_visible()
    expect(officer.locator("button[name=submit]")).to_have_count(0)
    expect(officer.get_by_text("草稿填写完成后，由企业主要负责人提交。")).to_be_visible()

    head = new_page("dl-chem-head", lang="zh-hans", phone=True)
    head.goto("/self-inspections/")
    head.locator("table a[href^='/self-inspections/']").first.click()
    expect(head.locator("#extra-0-description")).to_be_visible()
    head.locator("button[name=submit]").click()
    expect(head.locator(".page-header .badge")).to_have_text("已提交")
    expect(head.get_by_text(CHECKLIST_FINDING)).to_be_visible()
    shot(head, "head-submitted", full_page=True)

    # Both hazards are now in the ledger, reported and waiting for a regulator to grade them.
    officer.goto("/ledger/?q=E2E")
    rows = officer.locator("table.ledger-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator(".badge.state-reported")).to_have_count(2)
    shot(officer, "officer-ledger")

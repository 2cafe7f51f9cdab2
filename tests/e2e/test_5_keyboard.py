"""The main forms work from the keyboard alone: no mouse click anywhere in these tests. Tab reaches each
field in order, arrow keys pick options, Enter and Space submit."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import PASSWORD, NewPage, Screens, server_now

MAX_TABS = 60


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the focused element matches `selector`; fail if it is never reached."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def focused(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement.id || document.activeElement.tagName"))


def sign_in_by_keyboard(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert focused(page) == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#id_password")).to_have_count(0)


def test_skip_link_and_sign_in(new_page: NewPage, shot: Screens) -> None:
    page = new_page()
    page.goto("/public/liaoning/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    shot(page, "skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    sign_in_by_keyboard(page, "dl-yj-inspector")
    expect(page.locator("main")).to_be_visible()


def test_ledger_filter_and_hazard_form_by_keyboard(new_page: NewPage) -> None:
    page = new_page()
    sign_in_by_keyboard(page, "dl-yj-inspector")
    page.goto("/ledger/")
    tab_to(page, "#id_q")
    page.keyboard.type("E2E")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=E2E"))
    tab_to(page, "table.ledger-table a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ledger/\d+/$"))


def test_tip_off_by_keyboard(new_page: NewPage, shot: Screens) -> None:
    page = new_page(lang="en")
    page.goto("/public/liaoning/tip-off/?lang=en")  # the public site's language is in its URL
    tab_to(page, "#id_region")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert focused(page) == "id_enterprise_name"
    page.keyboard.type("Warehouse on Harbour Road")
    page.keyboard.press("Tab")
    assert focused(page) == "id_description"
    page.keyboard.type("Exit doors chained shut during the night shift (keyboard E2E).")
    tab_to(page, "main form button[type=submit]")
    shot(page, "tip-off-focus")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your tip-off")


def test_inspection_form_by_keyboard(new_page: NewPage, shot: Screens) -> None:
    page = new_page(lang="en")
    sign_in_by_keyboard(page, "dl-yj-inspector")
    page.goto("/inspections/new/")
    tab_to(page, "#id_enterprise")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert focused(page) == "id_date"
    today = server_now().date()
    page.keyboard.type(f"{today:%m%d%Y}")  # the date field of an en-US browser: mm/dd/yyyy
    tab_to(page, "#id_summary")
    page.keyboard.type("Routine visit, logged without a mouse.")
    tab_to(page, "#id_finding-0-title")
    page.keyboard.type("Eyewash station dry (keyboard E2E)")
    page.keyboard.press("Tab")
    page.keyboard.type("The eyewash at the acid unloading point has no water.")
    page.keyboard.press("Tab")
    page.keyboard.type("Acid unloading point")
    page.keyboard.press("Tab")
    assert focused(page) == "id_finding-0-category"
    page.keyboard.press("ArrowDown")  # the first category: equipment or facility
    tab_to(page, "main form button[type=submit]")
    shot(page, "inspection-focus")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Eyewash station dry (keyboard E2E)")
    assert "/inspections/new/" not in page.url


def test_self_inspection_checklist_by_keyboard(new_page: NewPage, shot: Screens) -> None:
    # Taiyuan's coal mine has not opened this month's self-inspection yet.
    page = new_page(lang="zh-hans")
    sign_in_by_keyboard(page, "ty-coal-officer")
    page.goto("/self-inspections/")
    tab_to(page, "form.start-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("form.checklist")).to_be_visible()

    # A radio group is one Tab stop: Space picks "OK", the right arrow moves on to "hazard".
    tab_to(page, "fieldset.check-item input[type=radio]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Tab")
    assert focused(page).startswith("description-")
    page.keyboard.type("皮带机头防护罩缺失（键盘 E2E）")
    page.keyboard.press("Tab")
    assert focused(page).startswith("location-")
    page.keyboard.type("主斜井皮带机头")
    tab_to(page, "button[name=save]")
    shot(page, "self-inspection-focus")
    page.keyboard.press("Enter")

    first = page.locator("fieldset.check-item").first
    expect(first.locator("input[value=hazard]")).to_be_checked()
    expect(first.locator("input[id^=description-]")).to_have_value("皮带机头防护罩缺失（键盘 E2E）")

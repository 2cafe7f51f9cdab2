"""An inspector's morning, in Chinese on a phone: the count on the menu says work waits; the inbox (待办)
lists it; one item — a handover to acknowledge — opens the hazard's page, is done there, and is gone from
the inbox.

Located by structure (ids, data attributes), not by text, so the journey does not depend on the catalogue."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from .conftest import NewPage, Screens

INSPECTOR = "dl-yj-inspector"


def badge_count(page: Page) -> int:
    badge: Locator = page.locator("details.menu summary [data-inbox-count]")
    if not badge.count():
        return 0
    match = re.match(r"\s*(\d+)", badge.inner_text())
    assert match, badge.inner_text()
    return int(match.group(1))


def test_inspector_follows_a_handover_from_the_inbox_and_sees_it_gone(
    new_page: NewPage, shot: Screens
) -> None:
    page = new_page(INSPECTOR, lang="zh-hans", phone=True)

    # The count rides on the menu button on a phone, and on the inbox's entry in the menu.
    page.goto("/")
    before = badge_count(page)
    assert before >= 1
    page.locator("details.menu summary").click()
    entry = page.locator('nav a[href="/inbox/"]')
    expect(entry.locator("[data-inbox-count]")).to_have_text(str(before))
    entry.click()
    expect(page).to_have_url(re.compile(r"/inbox/$"))

    # Handovers come first; each item is a link to the page where it is done.
    handovers = page.locator("#inbox-handover .inbox-link")
    expect(handovers.first).to_be_visible()
    shot(page, "inbox-zh", full_page=True)
    code = handovers.first.inner_text().split()[0]
    handovers.first.click()
    expect(page.locator("h1")).to_contain_text(code)

    # Done on the hazard's page: one tap acknowledges the handover.
    acknowledge = page.locator("section.action-acknowledge")
    expect(acknowledge).to_be_visible()
    acknowledge.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    expect(page.locator("section.action-acknowledge")).to_have_count(0)

    # Gone from the inbox on the next page, and the count is one less.
    page.goto("/inbox/")
    expect(page.locator("#inbox-handover .inbox-link").filter(has_text=code)).to_have_count(0)
    assert badge_count(page) == before - 1
    shot(page, "inbox-after-zh", full_page=True)

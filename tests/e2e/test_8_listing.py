"""Committee staff on a phone lift a listing (摘牌): from the navigation to the listings register, to a closed
hazard their committee listed, and the lifting form on its page. In English, on a phone."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import NewPage, Screens

COMMITTEE = "dl-committee"
BODY = "Dalian safety committee"


def test_committee_lifts_the_listing_of_a_closed_hazard_on_a_phone(new_page: NewPage, shot: Screens) -> None:
    page = new_page(COMMITTEE, phone=True)

    # The listings register is in the menu for regulators.
    page.goto("/")
    page.locator("details.menu summary").click()
    page.get_by_role("link", name="Listed supervision").click()
    expect(page.locator("h1")).to_have_text("Listed supervision")

    # Standing listings only; a closed hazard the Dalian committee listed waits for its listing to be lifted.
    page.locator("#id_lifted").select_option("false")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table tbody tr").filter(has_text=BODY).filter(has_text="Closed")
    expect(rows.first).to_be_visible()
    shot(page, "register", full_page=True)
    code = rows.first.locator("th a").inner_text().strip()
    rows.first.locator("th a").click()
    expect(page.locator("h1")).to_contain_text(code)
    expect(page.locator(".badge-row")).to_contain_text("Listed for supervision")

    # The lifting form: a note, then one tap. Empty, it says what is missing and changes nothing.
    form = page.locator("section.action-lift_listing")
    expect(form.get_by_role("heading", name="Lift the listing")).to_be_visible()
    form.get_by_role("button", name="Lift the listing").click()  # the browser refuses an empty note
    expect(page.locator(".badge-row")).to_contain_text("Listed for supervision")
    form.locator("#lift_listing-note").fill("隐患已整改销号，经督办单位现场核实，同意摘牌")
    shot(page, "lift-form")
    form.get_by_role("button", name="Lift the listing").click()
    expect(page.locator(".messages")).to_contain_text("Done: Lift the listing.")
    expect(page.locator(".badge-row")).to_contain_text("Listing lifted")
    expect(page.locator("section.action-lift_listing")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("同意摘牌")  # the note in the timeline
    shot(page, "lifted", full_page=True)

    # The register now shows it among the lifted listings.
    page.goto("/listings/?lifted=true")
    expect(page.locator("table tbody")).to_contain_text(code)

"""A stop-production order resumed (issue #16 part 4). On a phone, the inspector ticks the stop-production
box of an inspection and issues the enforcement order from it; the enterprise is suspended; resumption is
refused while the hazard is open; the enterprise rectifies, the inspector verifies, then records the on-site
acceptance and the enterprise operates again. In English."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from .conftest import NewPage, Screens, server_now

INSPECTOR = "dl-yj-inspector"
ENTERPRISE = "大连恒泰石化储运有限公司"
FINDING = "Gas detector of tank farm B out of service (E2E order)"


def state(page: Page) -> str:
    return page.locator(".badge-row .badge").first.inner_text()


def test_a_stop_production_order_is_issued_and_resumed(new_page: NewPage, shot: Screens) -> None:
    inspector = new_page(INSPECTOR, phone=True)
    today = server_now().date().isoformat()

    # The inspection that stops production, with the finding behind it.
    inspector.goto("/inspections/new/")
    inspector.locator("#id_enterprise").select_option(label=ENTERPRISE)
    inspector.locator("#id_date").fill(today)
    inspector.locator("#id_kind").select_option("routine")
    inspector.locator("#id_stop_production").select_option("full")
    inspector.locator("#id_finding-0-title").fill(FINDING)
    inspector.locator("#id_finding-0-description").fill("The combustible gas detector has no power.")
    inspector.locator("#id_finding-0-location").fill("Tank farm B")
    inspector.locator("#id_finding-0-category").select_option("equipment")
    inspector.get_by_role("button", name="Save inspection").click()
    expect(inspector.locator("main")).to_contain_text("no enforcement order has been issued")

    # The inspection page offers the order, filled in from it: the kind and the hazard.
    inspector.get_by_role("link", name="Issue an enforcement order").click()
    expect(inspector.locator("#id_kind")).to_have_value("stop_rectify")
    finding = inspector.get_by_label(FINDING, exact=False)
    expect(finding).to_be_checked()
    inspector.locator("#id_legal_basis").fill("《安全生产法》第一百零二条")
    shot(inspector, "order-form", full_page=True)
    inspector.get_by_role("button", name="Issue the order").click()
    main = inspector.locator("main")
    expect(main).to_contain_text("Stop production or business for rectification")
    expect(main).to_contain_text("In force")
    expect(main).to_contain_text("Suspended")
    expect(main).to_contain_text("still open")
    order_url = inspector.url
    shot(inspector, "order-in-force", full_page=True)

    # The enterprise's page lists the order and shows it suspended.
    main.get_by_role("link", name=ENTERPRISE).click()
    expect(inspector.locator("main")).to_contain_text("Suspended")
    expect(inspector.locator("#enterprise-orders-heading")).to_be_visible()
    expect(inspector.locator("main table")).to_contain_text("In force")

    # The enterprise rectifies; the inspector verifies and closes the hazard.
    inspector.goto(order_url)
    inspector.locator("section[aria-labelledby=order-hazards-heading] a").first.click()
    hazard_url = inspector.url
    expect(inspector.locator(".timeline")).to_contain_text("Enforcement order issued")
    officer = new_page("dl-chem-officer", phone=True)
    officer.goto(hazard_url)
    officer.locator("#plan-responsible_person").fill("Wang Qiang")
    officer.locator("#plan-measures").fill("Replace the detector's power supply; test every detector.")
    officer.locator("#plan-funds").fill("8000")
    officer.locator("#plan-deadline").fill((server_now().date() + dt.timedelta(days=5)).isoformat())
    officer.locator("#plan-contingency_plan").fill("Portable detectors and a watch until fixed.")
    officer.get_by_role("button", name="Rectification plan (five implementations)").click()
    assert state(officer) == "Rectifying"
    officer.locator("#submit-report").fill("New power supply fitted; all detectors tested.")
    officer.get_by_role("button", name="Submit rectification").click()
    assert state(officer) == "Pending verification"
    inspector.goto(hazard_url)
    inspector.locator("#verify-accepted input[value=yes]").check()
    inspector.get_by_role("button", name="Verify").click()
    assert state(inspector) == "Closed"

    # The on-site acceptance lifts the order; the enterprise operates again.
    inspector.goto(order_url)
    inspector.locator("#id_participant_1_name").fill("Chen Jianguo")
    inspector.locator("#id_participant_1_role").select_option("inspector")
    inspector.locator("#id_participant_2_name").fill("Sun Lixin")
    inspector.locator("#id_participant_2_role").select_option("expert")
    inspector.locator("#id_note").fill("Detectors work; staff retrained. Production may resume.")
    inspector.locator("#id_date").fill(today)
    shot(inspector, "resume-form", full_page=True)
    inspector.get_by_role("button", name="Resume production").click()
    main = inspector.locator("main")
    expect(main).to_contain_text("Resumed")
    expect(main).to_contain_text("Operating")
    expect(main).to_contain_text("Sun Lixin")
    shot(inspector, "order-resumed", full_page=True)

    inspector.goto(hazard_url)
    expect(inspector.locator(".timeline")).to_contain_text("Production resumed")

"""A department inspector logs an unannounced inspection with a finding, grades the enterprise's
self-reported hazards (one major, citing a criterion of the determination standard), and later rejects
and then verifies the enterprise's rectification. In English, on a desktop."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

from .conftest import NewPage, Screens, server_now
from .test_1_enterprise import CHECKLIST_FINDING, EXTRA_FINDING

INSPECTOR = "dl-yj-inspector"
ENTERPRISE = "大连恒泰石化储运有限公司"
FINDING = "Static grounding of loading arm broken (E2E)"


def open_hazard(page: Page, text: str) -> None:
    """Find a hazard in the ledger by its words and open it."""
    page.goto("/ledger/")
    page.locator("#id_q").fill(text)
    page.locator("form.ledger-filters button[type=submit]").click()
    rows = page.locator("table.ledger-table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("th a").click()
    expect(page.locator("main")).to_contain_text(text)


def state(page: Page) -> str:
    return page.locator(".badge-row .badge").first.inner_text()


def test_inspector_inspects_grades_and_verifies(new_page: NewPage, shot: Screens) -> None:
    inspector = new_page(INSPECTOR)

    # An unannounced ("four no, two direct") inspection with one finding.
    inspector.goto("/inspections/new/")
    inspector.locator("#id_enterprise").select_option(label=ENTERPRISE)
    inspector.locator("#id_date").fill(server_now().date().isoformat())
    inspector.locator("#id_kind").select_option("unannounced")
    inspector.locator("#id_summary").fill("Night visit without notice; went straight to the loading bay.")
    inspector.locator("#id_rectification_order").check()
    inspector.locator("#id_finding-0-title").fill(FINDING)
    inspector.locator("#id_finding-0-description").fill(
        "The grounding clamp of loading arm 2 is snapped off."
    )
    inspector.locator("#id_finding-0-location").fill("Loading bay, arm 2")
    inspector.locator("#id_finding-0-category").select_option("equipment")
    shot(inspector, "inspection-form", full_page=True)
    inspector.get_by_role("button", name="Save inspection").click()
    expect(inspector.get_by_text(FINDING)).to_be_visible()
    expect(inspector.locator("main")).to_contain_text("Unannounced")
    shot(inspector, "inspection-saved")

    # The finding is in the ledger, confirmed from the start, found by a department.
    open_hazard(inspector, FINDING)
    assert state(inspector) == "Confirmed"
    expect(inspector.locator("main")).to_contain_text("Department inspection")

    # The enterprise's checklist hazard: graded major, citing a criterion of the standard.
    open_hazard(inspector, CHECKLIST_FINDING)
    assert state(inspector) == "Reported"
    inspector.locator("#confirm-level input[value=major]").check()
    inspector.locator("#confirm-criterion").select_option(index=1)
    cited = inspector.locator("#confirm-criterion option:checked").inner_text()
    shot(inspector, "confirm-major")
    inspector.get_by_role("button", name="Confirm and grade").click()
    expect(inspector.locator(".badge-row")).to_contain_text("Grade: Major")
    assert state(inspector) == "Confirmed"
    expect(inspector.locator("dd", has_text=cited[-20:])).to_be_visible()
    shot(inspector, "hazard-major", full_page=True)

    # The blocked fire exit: a general hazard the enterprise fixes itself.
    open_hazard(inspector, EXTRA_FINDING)
    inspector.locator("#confirm-level input[value=general]").check()
    inspector.get_by_role("button", name="Confirm and grade").click()
    expect(inspector.locator(".badge-row")).to_contain_text("Grade: General")
    fire_exit = inspector.url

    officer = new_page("dl-chem-officer")
    officer.goto(fire_exit)
    officer.locator("#plan-responsible_person").fill("Wang Qiang")
    officer.locator("#plan-measures").fill("Clear the goods, paint the no-stacking zone, daily check.")
    officer.locator("#plan-funds").fill("1500")
    officer.locator("#plan-deadline").fill((server_now().date() + dt.timedelta(days=7)).isoformat())
    officer.locator("#plan-contingency_plan").fill("Guard at the north door until cleared.")
    officer.get_by_role("button", name="Rectification plan (five implementations)").click()
    assert state(officer) == "Rectifying"
    submit_rectification(officer, "Goods moved to the rack area.")

    # The inspector is not satisfied the first time, and says why.
    inspector.goto(fire_exit)
    assert state(inspector) == "Pending verification"
    inspector.locator("#verify-accepted input[value=no]").check()
    inspector.locator("#verify-note").fill("The no-stacking zone is not painted yet.")
    shot(inspector, "verify-reject")
    inspector.get_by_role("button", name="Verify").click()
    assert state(inspector) == "Rectifying"
    expect(inspector.locator("main")).to_contain_text("The no-stacking zone is not painted yet.")

    submit_rectification(officer, "Zone painted yellow; photos attached.")
    inspector.goto(fire_exit)
    inspector.locator("#verify-accepted input[value=yes]").check()
    inspector.get_by_role("button", name="Verify").click()
    assert state(inspector) == "Closed"
    shot(inspector, "hazard-closed", full_page=True)


def submit_rectification(officer: Page, report: str) -> None:
    officer.reload()
    officer.locator("#submit-report").fill(report)
    officer.get_by_role("button", name="Submit rectification").click()
    assert state(officer) == "Pending verification"

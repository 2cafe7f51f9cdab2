"""An enterprise reports a major hazard on a phone: its officer reports it as major, citing the criterion of
the determination standard it meets, and classes it; the regulating inspector is told at once, opens it from
the notification and confirms the grade. In Simplified Chinese on the phone, English at the inspector's desk.
Selectors, not words, find the Chinese page's parts, so the journey holds whatever the translation says."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import NewPage, Screens

MAJOR_FINDING = "液化烃球罐进料管线紧急切断阀失效（E2E 自报重大）"


def test_enterprise_reports_a_major_hazard_on_a_phone(new_page: NewPage, shot: Screens) -> None:
    officer = new_page("dl-chem-officer", lang="zh-hans", phone=True)
    officer.goto("/ledger/new/")
    form = officer.locator("main form")
    form.locator("#id_title").fill(MAJOR_FINDING)
    form.locator("#id_description").fill("2号液化烃球罐进料管线紧急切断阀无法关闭，联锁失效")
    form.locator("#id_location").fill("球罐区2号罐")
    form.locator("input[name=category][value=equipment]").check()
    form.locator("input[name=level][value=major]").check()

    # Major without a criterion is refused, naming the field, and nothing is recorded.
    form.locator("button[type=submit]").first.click()
    expect(officer.locator(".field-error #id_criterion")).to_be_visible()
    expect(officer.locator("#id_title")).to_have_value(MAJOR_FINDING)

    officer.locator("#id_criterion").select_option(index=1)
    shot(officer, "officer-reports-major", full_page=True)
    officer.locator("main form button[type=submit]").first.click()

    # Reported, waiting for the regulator, marked as the enterprise's own major report.
    expect(officer.locator(".badge-row .badge.state-reported")).to_be_visible()
    expect(officer.locator(".badge-row .badge.badge-warning")).to_be_visible()
    expect(officer.locator("main")).to_contain_text(MAJOR_FINDING)
    code = officer.locator(".hazard-code").inner_text().strip()
    # The enterprise cannot grade it itself: no confirmation form is offered to it.
    expect(officer.locator("#confirm-level")).to_have_count(0)
    shot(officer, "officer-major-reported", full_page=True)

    # The inspector is told at once and confirms the grade the enterprise proposed.
    inspector = new_page("dl-yj-inspector")
    inspector.goto("/notifications/")
    notice = inspector.locator(".notification-list li", has_text=code).first
    # The notice is written once, in the words of the moment it was sent (the officer's Chinese here).
    expect(notice).to_contain_text(MAJOR_FINDING)
    shot(inspector, "inspector-told")
    notice.locator("a").click()
    expect(inspector.locator("main")).to_contain_text("Self-reported major")
    expect(inspector.locator("#confirm-level input[value=major]")).to_be_checked()
    inspector.get_by_role("button", name="Confirm and grade").click()
    expect(inspector.locator(".badge-row")).to_contain_text("Grade: Major")
    expect(inspector.locator(".badge-row .badge").first).to_have_text("Confirmed")
    shot(inspector, "inspector-confirmed-major", full_page=True)

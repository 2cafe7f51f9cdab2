"""The ministry: Liaoning and Shanxi deliver their major hazards over the exchange interface (real HTTP to the
served app, as Celery beat does every minute), and national staff read the country — provinces, key
industries, freshness, the national list filtered to one province. In Chinese, on a desktop."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import App, NewPage, Screens

NATIONAL_STAFF = "mem-staff"


def test_the_ministry_sees_both_provinces_after_they_report(
    app: App, new_page: NewPage, shot: Screens
) -> None:
    endpoint = f"{app.url}/api/exchange/v1/batches/"
    for province in ("liaoning", "shanxi"):
        app.manage("exchange_link", "--tenant", province, "--url", endpoint)
        said = app.manage("report_upward", "--tenant", province)
        assert " 0 records sent" not in said, said

    page = new_page(NATIONAL_STAFF, lang="zh-hans")
    page.goto("/")
    page.get_by_role("link", name="全国").first.click()
    expect(page.locator("h1")).to_contain_text("全国")
    provinces = page.locator("#provinces-heading + .table-wrap tbody tr")
    expect(provinces).to_have_count(31)
    liaoning = provinces.filter(has_text="辽宁省")
    shanxi = provinces.filter(has_text="山西省")
    assert int(liaoning.locator("td").first.inner_text()) > 0
    assert int(shanxi.locator("td").first.inner_text()) > 0
    # Both reported just now; a province that never reported says so.
    expect(provinces.filter(has_text="北京市")).to_contain_text("从未")
    shot(page, "national-dashboard", full_page=True)

    # The national list, one province at a time.
    open_in_liaoning = int(liaoning.locator("td").first.inner_text())
    liaoning.get_by_role("link").click()
    expect(page.locator("select[name=province]")).to_have_value("210000")
    page.locator("select[name=state]").select_option("open")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("#hazards tbody tr")
    expect(rows).to_have_count(min(open_in_liaoning, 200))
    shot(page, "national-list")

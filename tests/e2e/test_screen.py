"""The provincial committee puts its big screen on the command centre's wall: one 1920x1080 screenful, dark,
the province's cities on a map with their open major hazards, numerals large enough to read across the room,
the same figures as the API gives. In Chinese."""

from __future__ import annotations

from playwright.sync_api import Browser, ViewportSize, expect

from .conftest import LOCALES, App, Screens, axe_violations, login

COMMITTEE = "ln-committee"
WALL: ViewportSize = {"width": 1920, "height": 1080}
LIAONING_CITIES = 14


def test_the_committee_puts_the_big_screen_on_the_wall(app: App, browser: Browser, shot: Screens) -> None:
    # axe-core is injected as a script tag, which the strict Content-Security-Policy would refuse.
    context = browser.new_context(base_url=app.url, locale=LOCALES["zh-hans"], viewport=WALL, bypass_csp=True)
    try:
        page = context.new_page()
        login(page, COMMITTEE)
        page.locator("nav a[href='/screen/']").first.click()
        expect(page.locator("h1 .screen-region")).to_have_text("辽宁省")

        # Every city of the province on the map, each with its open major hazards.
        expect(page.locator("svg.screen-map g.city")).to_have_count(LIAONING_CITIES)
        expect(page.locator("svg.screen-map [data-count]")).to_have_count(LIAONING_CITIES)

        # The page and the API show the same numbers (the API is what other wall software reads).
        data = page.request.get("/api/v1/screen/").json()
        assert data["region"]["code"] == "210000"
        for key in ("found", "closed", "overdue", "major_open", "listed"):
            expect(page.locator(f"[data-kpi={key}]")).to_have_text(str(data["numbers"][key]))
        assert data["numbers"]["major_open"] > 0
        on_map = {city["code"]: city["major_open"] for city in data["map"]["cities"] if city["in_scope"]}
        assert len(on_map) == LIAONING_CITIES
        expect(page.locator("[data-count='210200']")).to_have_text(str(on_map["210200"]))

        # One screenful, nothing to scroll; numerals readable across a room.
        size = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size[0] <= WALL["width"] and size[1] <= WALL["height"], size
        numeral = page.locator("[data-kpi=major_open]").evaluate(
            "element => parseFloat(getComputedStyle(element).fontSize)"
        )
        assert numeral >= 72, numeral
        # It refreshes itself (screen.js), and reloads without JavaScript.
        assert page.locator("body").get_attribute("data-refresh-seconds") == "60"
        shot(page, "big-screen")
        critical = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
        assert critical == [], critical

        # A city's committee sees its own city, the others on the map without numbers.
        other = browser.new_context(base_url=app.url, locale=LOCALES["zh-hans"], viewport=WALL)
        try:
            city_page = other.new_page()
            login(city_page, "dl-committee")
            city_page.goto("/screen/")
            expect(city_page.locator("h1 .screen-region")).to_have_text("大连市")
            expect(city_page.locator("svg.screen-map [data-count]")).to_have_count(1)
            expect(city_page.locator("svg.screen-map [data-count='210200']")).to_be_visible()
            shot(city_page, "big-screen-city")
        finally:
            other.close()
    finally:
        context.close()

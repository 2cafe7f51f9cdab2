"""axe-core (vendored under static/vendor/axe-core/) on the main pages of each role and of the public
site, in both languages: no critical violation. Runs last, so the pages hold the journeys' records."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import NewPage, axe_critical

# (who, language, pages); a page given as ("list URL", "link selector") is reached by following the
# first matching link, so its id need not be known.
PAGES: list[tuple[str | None, str, list[str | tuple[str, str]]]] = [
    (
        None,
        "zh-hans",
        [
            "/accounts/login/",
            "/public/liaoning/",
            ("/public/liaoning/", "main a[href*='/p/']"),
            "/public/liaoning/tip-off/",
        ],
    ),
    (None, "en", ["/public/liaoning/", ("/public/liaoning/", "main a[href*='/p/']")]),
    (
        "dl-chem-officer",
        "zh-hans",
        ["/", "/self-inspections/", ("/self-inspections/", "table a"), "/ledger/", "/notifications/"],
    ),
    (
        "dl-yj-inspector",
        "en",
        [
            "/",
            "/inspections/new/",
            "/inspections/",
            "/ledger/?q=E2E",
            ("/ledger/?q=E2E", "table.ledger-table th a"),
        ],
    ),
    (
        "dl-committee",
        "en",
        [
            "/",
            "/campaigns/",
            ("/campaigns/", "main table a[href^='/campaigns/']"),
            "/campaigns/2/wall-chart/",
            "/campaigns/2/dashboard/",
            "/rankings/",
            "/disclosure/",
            ("/disclosure/", "main table a"),
            "/tip-offs/",
            "/accidents/",
            ("/accountability-cases/", "main table a"),
            "/directory/enterprises/",
        ],
    ),
    ("dl-committee", "zh-hans", ["/", "/rankings/", "/campaigns/2/wall-chart/", "/ledger/"]),
]


def visit(page: Page, target: str | tuple[str, str]) -> None:
    if isinstance(target, str):
        page.goto(target)
    else:
        page.goto(target[0])
        page.locator(target[1]).first.click()
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    ("user", "lang", "targets"),
    [pytest.param(*group, id=f"{group[0] or 'public'}-{group[1]}") for group in PAGES],
)
def test_no_critical_accessibility_violation(
    new_page: NewPage, user: str | None, lang: str, targets: list[str | tuple[str, str]]
) -> None:
    page = new_page(user, lang=lang)
    found = {}
    for target in targets:
        visit(page, target)
        assert page.locator("html").get_attribute("lang") == lang
        violations = axe_critical(page)
        if violations:
            found[page.url] = violations
    assert found == {}

"""axe-core (vendored under static/vendor/axe-core/) on the main pages of each role and of the public
site, in both languages: no critical violation. Runs last, so the pages hold the journeys' records."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page

from .conftest import SHOTS_DIR, NewPage, axe_violations

# (who, language, pages); a page given as ("URL", "link selector", …) is reached by following the first
# link matching each selector in turn, so its id need not be known.
Target = str | tuple[str, ...]
WALL_CHART = ("/campaigns/", "main table a[href^='/campaigns/']", "a[href$='/wall-chart/']")
DASHBOARD = ("/campaigns/", "main table a[href^='/campaigns/']", "a[href$='/dashboard/']")

PAGES: list[tuple[str | None, str, list[Target]]] = [
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
    # The public site's language is the `lang` parameter of its URLs, not the browser's preference.
    (None, "en", ["/public/liaoning/?lang=en", ("/public/liaoning/?lang=en", "main a[href*='/p/']")]),
    (
        "dl-chem-officer",
        "zh-hans",
        [
            "/",
            "/inbox/",
            "/self-inspections/",
            ("/self-inspections/", "table a"),
            "/ledger/",
            "/notifications/",
        ],
    ),
    (
        "dl-yj-inspector",
        "en",
        [
            "/",
            "/inbox/",
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
            WALL_CHART,
            DASHBOARD,
            "/rankings/",
            "/disclosure/",
            ("/disclosure/", "main table a"),
            "/tip-offs/",
            "/accidents/",
            ("/accountability-cases/", "main table a"),
            "/directory/enterprises/",
        ],
    ),
    ("dl-committee", "zh-hans", ["/", "/rankings/", WALL_CHART, "/ledger/"]),
    # The separated administrators (level 3): roles and policies; the audit log.
    ("ln-security", "en", ["/", "/directory/users/", "/disclosure/policy/"]),
    ("ln-auditor", "zh-hans", ["/", "/audit-log/"]),
]


def visit(page: Page, target: Target) -> None:
    url, *links = (target,) if isinstance(target, str) else target
    page.goto(url)
    for selector in links:
        before = page.url
        page.locator(selector).first.click()
        page.wait_for_url(re.compile("^(?!" + re.escape(before) + "$)"))
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    ("user", "lang", "targets"),
    [pytest.param(*group, id=f"{group[0] or 'public'}-{group[1]}") for group in PAGES],
)
def test_no_critical_accessibility_violation(
    new_page: NewPage, user: str | None, lang: str, targets: list[Target]
) -> None:
    page = new_page(user, lang=lang)
    critical: dict[str, list[dict[str, Any]]] = {}
    report: dict[str, list[dict[str, Any]]] = {}
    for target in targets:
        visit(page, target)
        assert page.locator("html").get_attribute("lang") == lang
        violations = axe_violations(page)
        report[page.url] = violations
        if found := [v for v in violations if v["impact"] == "critical"]:
            critical[page.url] = found
    # The lesser findings (serious, moderate, minor) are kept for whoever improves the pages next.
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    (SHOTS_DIR / f"axe-{user or 'public'}-{lang}.json").write_text(json.dumps(report, indent=1))
    assert critical == {}

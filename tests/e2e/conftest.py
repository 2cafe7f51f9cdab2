"""Browser journeys: Debian's Chromium driven by Playwright against the app served on loopback.

One fresh database with the demo world per session (tests/e2e/server.py). The journeys run in file
order and build on each other as the work does in real life: the enterprise files a hazard, the inspector
grades it, the committee hands it over and publishes the month, the public reads the publication.
Screenshots of the key screens land in .data/e2e-screenshots/ (the best are copied to docs/screenshots/).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from . import server

BASE_DIR = Path(__file__).resolve().parents[2]
SHOTS_DIR = BASE_DIR / ".data" / "e2e-screenshots"
AXE_JS = BASE_DIR / "static" / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2023")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}

expect.set_options(timeout=15_000)


def server_now() -> dt.datetime:
    """Now as the served app counts dates (settings.TIME_ZONE's default)."""
    return dt.datetime.now(ZoneInfo(os.environ.get("TIME_ZONE", "Asia/Shanghai")))


@dataclass
class App:
    url: str
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        """Run a management command against the served database (what Celery beat would run)."""
        return server.manage(self.env, *args)


@pytest.fixture(scope="session")
def app() -> Iterator[App]:
    server.E2E_DIR.mkdir(parents=True, exist_ok=True)
    if os.environ.get("E2E_BASE_URL"):
        # Writing a journey: reuse a world served by `python -m tests.e2e.server` (not fresh).
        yield App(url=os.environ["E2E_BASE_URL"], env=server.environment(fresh=False))
        return
    env = server.environment()
    server.prepare(env)
    with server.serve(env) as url:
        yield App(url=url, env=env)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.exit(f"Chromium not found at {CHROMIUM}: `make e2e` installs Debian's chromium", returncode=3)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


class Screens:
    """Saves numbered screenshots of one journey: .data/e2e-screenshots/<journey>-<n>-<name>.png."""

    def __init__(self, journey: str) -> None:
        self.journey = journey
        self.count = 0
        SHOTS_DIR.mkdir(parents=True, exist_ok=True)

    def __call__(self, page: Page, name: str, *, full_page: bool = False) -> None:
        self.count += 1
        path = SHOTS_DIR / f"{self.journey}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Screens:
    journey = re.sub(r"^test_\d*_?", "", request.node.module.__name__.rsplit(".", 1)[-1])
    return Screens(journey)


NewPage = Callable[..., Page]
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


@pytest.fixture
def new_page(request: pytest.FixtureRequest, app: App, browser: Browser) -> Iterator[NewPage]:
    """`new_page(user, lang="en", phone=False)`: a page in a fresh browser context, signed in as `user`
    (or anonymous when None), asking for `lang` the way a browser does (Accept-Language)."""
    contexts: list[BrowserContext] = []

    def make(user: str | None = None, *, lang: str = "en", phone: bool = False) -> Page:
        options: dict[str, Any] = {
            "base_url": app.url,
            "locale": LOCALES[lang],
            "viewport": PHONE if phone else DESKTOP,
            "accept_downloads": True,
            # axe-core is injected as a script tag, which a strict Content-Security-Policy would refuse.
            "bypass_csp": True,
        }
        if phone:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        if user:
            login(page, user)
        return page

    yield make
    failed = request.node.stash.get(FAILED, False)
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    for number, context in enumerate(contexts, 1):
        if failed:
            # What each browser showed when the test failed, beside the journeys' screenshots.
            for page in context.pages:
                name = re.sub(r"\W+", "-", request.node.name)
                page.screenshot(path=str(SHOTS_DIR / f"FAILED-{name}-{number}.png"), full_page=True)
        context.close()


def login(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_password")).to_have_count(0)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands: rule id, impact, help and the first offending nodes."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]

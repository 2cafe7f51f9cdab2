"""Web hardening: production settings pass Django's deployment check, every page sends a strict
Content-Security-Policy, HTTPS is enforced, rate limits hold against a forged X-Forwarded-For, and
nobody ever sees a stack trace."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from rest_framework.throttling import SimpleRateThrottle

from core.api.throttling import SlidingAnonRateThrottle

from ..conftest import PASSWORD, World

BASE_DIR = Path(__file__).resolve().parents[2]
EN = {"Accept-Language": "en"}


def test_production_settings_pass_the_deployment_check_without_a_warning() -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "HSTS_SECONDS"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="ledger.example.gov.cn",
        BEHIND_TLS_PROXY="1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in (part.strip() for part in header.split(";"))
        if directive
    }


@pytest.mark.parametrize(
    ("url", "signed_in"),
    [
        ("/accounts/login/", False),
        ("/public/alpha/", False),
        ("/", True),
        ("/ledger/", True),
        ("/api/docs/", True),
    ],
)
def test_pages_send_a_content_security_policy_without_unsafe_inline(
    world: World, client: Client, url: str, signed_in: bool
) -> None:
    if signed_in:
        client.force_login(world.a.committee)
    response = client.get(url)
    assert response.status_code == 200
    policy = _policy(response)
    for directive in ("default-src", "script-src", "style-src"):
        assert "'unsafe-inline'" not in policy.get(directive, ["'unsafe-inline'"])
        assert "'unsafe-eval'" not in policy[directive]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_api_docs_run_their_inline_script_only_with_this_responses_nonce(
    world: World, client: Client
) -> None:
    client.force_login(world.a.committee)
    response = client.get("/api/docs/")
    nonce = next(s for s in _policy(response)["script-src"] if s.startswith("'nonce-"))[7:-1]
    page = response.content.decode()
    inline = re.findall(r"<(script|style)(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline, "the Swagger UI page has its inline bootstrap"
    assert all(f'nonce="{nonce}"' in attributes for _tag, attributes in inline)
    assert client.get("/api/docs/")["Content-Security-Policy"] != response["Content-Security-Policy"]


def test_plain_http_is_redirected_to_https_and_https_is_remembered(
    world: World, client: Client, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    secure = client.get("/accounts/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in secure["Strict-Transport-Security"]


def test_session_and_csrf_cookies_are_secure_http_only_and_same_site(world: World, client: Client) -> None:
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/", {"username": "alpha-officer", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_a_forged_forwarded_for_does_not_dodge_the_api_login_lockout(
    world: World, client: Client, settings: Any
) -> None:
    for index in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/api/v1/auth/token/",
            {"username": "alpha-inspector", "password": "wrong"},
            headers={"X-Forwarded-For": f"198.51.100.{index}"},
        )
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "alpha-inspector", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert response.status_code == 429
    assert "token" not in response.json()


def test_a_forged_forwarded_for_does_not_dodge_the_token_rate_limit(world: World, client: Client) -> None:
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"nobody{index}", "password": "x"},
            headers={"X-Forwarded-For": f"198.51.100.{index}"},
        ).status_code
        for index in range(25)
    ]
    assert statuses[-1] == 429


def test_behind_a_trusted_proxy_the_address_it_appended_counts(
    world: World, client: Client, settings
) -> None:
    settings.TIPOFF_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    data = {"region": world.a.county.pk, "description": "消防通道被货物堵塞，无法通行"}
    first = client.post("/public/alpha/tip-off/", data, headers={"X-Forwarded-For": "1.1.1.1, 192.0.2.5"})
    assert first.status_code == 302
    # The client wrote a new left-most address; the proxy appended the same real one: still limited.
    again = client.post("/public/alpha/tip-off/", data, headers={"X-Forwarded-For": "9.9.9.9, 192.0.2.5"})
    assert again.status_code == 429
    other = client.post("/public/alpha/tip-off/", data, headers={"X-Forwarded-For": "192.0.2.6"})
    assert other.status_code == 302


@pytest.mark.parametrize(
    ("scope", "who", "url"), [("anon", None, "/api/schema/"), ("user", "officer", "/api/v1/regions/")]
)
def test_the_api_is_rate_limited_for_anonymous_and_signed_in_callers(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch, scope: str, who: str | None, url: str
) -> None:
    # Anonymous callers only reach the open endpoints (the rest answer 401 before any throttle).
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "3/min")
    if who:
        client.force_login(world.a.users[who])
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:3]


@pytest.mark.urls("tests.security.failing_urls")
def test_a_crash_shows_a_plain_page_without_a_stack_trace(world: World) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.a.officer)
    page = client.get("/boom/", headers=EN)
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    assert "Something went wrong on our side" in text
    for leak in ("Traceback", "RuntimeError", "secret detail", "failing_urls.py"):
        assert leak not in text
    api = client.get("/api/boom/", headers=EN)
    assert api.status_code == 500
    assert api.json() == {"detail": "Something went wrong on our side. Please try again in a few minutes."}


def test_an_unknown_api_url_answers_json(world: World, client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/", headers=EN)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_the_api_rate_limit_counts_concurrent_requests_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    """One atomic script per request (core/api/throttling.py): twenty callers at once from one
    address get exactly the five requests the rate allows, and the refused learn when to retry."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "5/min")
    request = RequestFactory().get("/api/schema/", REMOTE_ADDR="192.0.2.77")
    request.user = AnonymousUser()

    def attempt(_: int) -> tuple[bool, float | None]:
        throttle = SlidingAnonRateThrottle()
        allowed = throttle.allow_request(cast(Any, request), None)  # the parts of a DRF request it reads
        return allowed, throttle.wait()

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(attempt, range(20)))
    assert sum(allowed for allowed, _wait in answers) == 5
    waits = [wait for allowed, wait in answers if not allowed]
    assert waits and all(wait is not None and 0 < wait <= 60 for wait in waits)

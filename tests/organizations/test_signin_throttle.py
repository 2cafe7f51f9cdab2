"""The per-address sign-in throttle (organizations/signing_in/throttle.py): password spraying from one
address is refused on both sign-in paths, whatever session or token the request carries, without touching
other addresses, on top of the per-account lockout."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from organizations.services import auth_token_issue

from ..conftest import PASSWORD

LIMIT = 5
ADDRESS = "192.0.2.10"
USERNAMES = ["alpha-officer", "alpha-head", "alpha-inspector", "alpha-committee", "alpha-admin", "beta-admin"]


@pytest.fixture(autouse=True)
def _small_limit(settings: Any) -> None:
    settings.SIGNIN_ADDRESS_LIMIT = LIMIT
    settings.SIGNIN_ADDRESS_WINDOW_SECONDS = 600


def sign_in(client: Client, path: str, username: str, password: str, address: str = ADDRESS, **headers: str):
    headers = {"Accept-Language": "en", **headers}  # messages are asserted in English
    if path == "browser":
        return client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=address,
            headers=headers,
        )
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
        headers=headers,
    )


def signed_in(response: Any, path: str) -> bool:
    if path == "browser":
        return response.status_code == 302 and response["Location"] == "/"
    return response.status_code == 200 and "token" in response.json()


def spray(client: Client, path: str, count: int = LIMIT, address: str = ADDRESS, **headers: str) -> list[int]:
    """One password tried against many usernames, as a sprayer does: never twice on one account."""
    return [
        sign_in(
            client, path, f"{USERNAMES[index % len(USERNAMES)]}-{index}", "Spring2026!", address, **headers
        ).status_code
        for index in range(count)
    ]


@pytest.mark.parametrize("path", ["browser", "api"])
def test_spraying_one_password_over_many_usernames_is_refused_after_the_limit(world, client, path) -> None:
    assert 429 not in spray(client, path)
    refused = sign_in(client, path, "alpha-committee", PASSWORD)  # even the right password for a real account
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    text = refused.content.decode()
    assert "Too many sign-in attempts from your network address" in text
    assert "_auth_user_id" not in client.session
    if path == "api":
        assert "token" not in refused.json()


def test_the_browser_form_and_the_token_endpoint_share_one_count(world, client) -> None:
    assert 429 not in spray(client, "browser", 3) + spray(client, "api", 2)
    assert sign_in(client, "api", "nobody", "x").status_code == 429
    assert sign_in(client, "browser", "nobody", "x").status_code == 429


def test_the_admin_sign_in_page_takes_no_password_and_sends_staff_to_the_throttled_one(world, client) -> None:
    """The Django admin's sign-in is a sign-in path too (platform staff): it checks no password itself but
    sends everyone to ours, so a spray through it is a spray of ours, counted by the same address."""
    for index in range(LIMIT):
        response = client.post(
            "/admin/login/", {"username": f"staff{index}", "password": "Spring2026!"}, REMOTE_ADDR=ADDRESS
        )
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    statuses = spray(client, "browser", LIMIT + 1)
    assert 429 not in statuses[:LIMIT] and statuses[-1] == 429


@pytest.mark.parametrize("path", ["browser", "api"])
def test_a_valid_session_does_not_lift_the_throttle(world, client, path) -> None:
    client.force_login(world.a.inspector)
    statuses = spray(client, path, LIMIT + 1)
    assert 429 not in statuses[:LIMIT] and statuses[-1] == 429


def test_a_valid_api_token_does_not_lift_the_throttle(world, client) -> None:
    token = {"Authorization": f"Token {auth_token_issue(user=world.a.inspector)}"}
    assert client.get("/api/v1/me/", headers=token).status_code == 200  # the token is valid
    statuses = spray(client, "api", LIMIT + 1, **token)
    assert 429 not in statuses[:LIMIT] and statuses[-1] == 429
    refused = sign_in(client, "api", "alpha-committee", PASSWORD, **token)
    assert refused.status_code == 429 and "token" not in refused.json()


def test_the_token_rate_counts_callers_that_carry_a_token(world, client, monkeypatch) -> None:
    """TOKEN_THROTTLE_RATE counts every request to the endpoint by address; a valid token lifts nothing."""
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "3/min")
    token = {"Authorization": f"Token {auth_token_issue(user=world.a.inspector)}"}
    statuses = [sign_in(client, "api", "alpha-inspector", PASSWORD, **token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("path", ["browser", "api"])
def test_another_address_is_not_affected(world, client, path) -> None:
    spray(client, path, LIMIT)
    assert sign_in(client, path, "nobody", "x").status_code == 429
    assert signed_in(sign_in(client, path, "alpha-committee", PASSWORD, address="192.0.2.11"), path)


def test_ipv6_addresses_count_by_their_64_network(world, client) -> None:
    for index in range(LIMIT):
        sign_in(client, "api", f"nobody{index}", "x", address=f"2001:db8:1:2::{index + 1}")
    assert sign_in(client, "api", "nobody", "x", address="2001:db8:1:2:ffff::9").status_code == 429
    elsewhere = sign_in(client, "api", "alpha-committee", PASSWORD, address="2001:db8:1:3::1")
    assert signed_in(elsewhere, "api")


@pytest.mark.parametrize("path", ["browser", "api"])
def test_successful_sign_ins_give_their_place_back(world, client, path) -> None:
    """An office behind one address signs in all morning; only failures fill the window."""
    for _ in range(LIMIT * 2):
        assert signed_in(sign_in(client, path, "alpha-committee", PASSWORD), path)
        client.logout()
    statuses = spray(client, path, LIMIT + 1)
    assert 429 not in statuses[:LIMIT] and statuses[-1] == 429


@pytest.mark.parametrize("path", ["browser", "api"])
def test_a_forged_forwarded_for_does_not_dodge_the_throttle(world, client, path) -> None:
    statuses = [
        sign_in(client, path, f"nobody{index}", "x", **{"X-Forwarded-For": f"198.51.100.{index}"}).status_code
        for index in range(LIMIT + 1)
    ]
    assert statuses[-1] == 429


def test_behind_a_trusted_proxy_the_address_it_appended_counts(world, client, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"  # the connection comes from our proxy; it appends the client it saw
    for index in range(LIMIT):
        sign_in(
            client, "api", f"nobody{index}", "x", proxy, **{"X-Forwarded-For": f"9.9.9.{index}, 203.0.113.5"}
        )
    again = sign_in(client, "api", "nobody", "x", proxy, **{"X-Forwarded-For": "8.8.8.8, 203.0.113.5"})
    assert again.status_code == 429
    other = sign_in(client, "api", "alpha-committee", PASSWORD, proxy, **{"X-Forwarded-For": "203.0.113.6"})
    assert signed_in(other, "api")


@pytest.mark.parametrize("path", ["browser", "api"])
def test_the_per_username_lockout_still_locks_the_account_from_any_address(
    world, client, settings, path
) -> None:
    """Failures spread over many addresses stay under every address's limit and still lock the account."""
    settings.SIGNIN_ADDRESS_LIMIT = settings.AXES_FAILURE_LIMIT + 5
    statuses = [
        sign_in(client, path, "alpha-head", "wrong", address=f"192.0.2.{100 + index}").status_code
        for index in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert 429 not in statuses[:-1]  # the last failure is the one that locks the account
    locked = sign_in(client, path, "alpha-head", PASSWORD, address="192.0.2.200")
    assert locked.status_code in {403, 429} and not signed_in(locked, path)
    assert "_auth_user_id" not in client.session


def test_a_limit_below_one_stops_the_process_at_start(monkeypatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_int

    monkeypatch.setenv("SIGNIN_ADDRESS_LIMIT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("SIGNIN_ADDRESS_LIMIT", 20, minimum=1)

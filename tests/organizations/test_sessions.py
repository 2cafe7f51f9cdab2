"""Level-3 sessions: a browser session ends after 15 idle minutes and 12 hours after sign-in, and demo
accounts are refused when DEBUG is off unless ALLOW_DEMO_ACCOUNTS is set."""

import time

import pytest
from django.test import Client

from organizations.choices import AuditAction
from organizations.models import AuditEntry, User
from organizations.signing_in.policy import LAST_SEEN, SIGNED_IN_AT, session_end_reason

from ..conftest import PASSWORD
from .settings_probe import load_settings

EN = {"Accept-Language": "en"}


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def _age(client: Client, *, started: float, seen: float) -> None:
    session = client.session
    now = time.time()
    session[SIGNED_IN_AT], session[LAST_SEEN] = now - started, now - seen
    session.save()


def test_the_defaults_are_fifteen_idle_minutes_and_twelve_hours(settings) -> None:
    assert (settings.SESSION_IDLE_MINUTES, settings.SESSION_LIFETIME_HOURS) == (15, 12)
    assert settings.SESSION_COOKIE_AGE == 12 * 3600


def test_a_session_ends_after_fifteen_minutes_without_a_request(world) -> None:
    client = _signed_in("alpha-inspector")
    _age(client, started=3600, seen=14 * 60)
    assert client.get("/ledger/").status_code == 200  # fourteen minutes: still there
    _age(client, started=3600, seen=15 * 60 + 1)
    response = client.get("/ledger/", headers=EN)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"], headers=EN).content.decode()
    assert "signed out after 15 minutes without activity" in page
    entry = AuditEntry.objects.filter(action=AuditAction.SIGN_OUT).get()
    assert (entry.actor, entry.detail) == (world.a.inspector, {"reason": "idle"})


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(world) -> None:
    client = _signed_in("alpha-inspector")
    _age(client, started=12 * 3600 - 60, seen=1)
    assert client.get("/ledger/").status_code == 200
    _age(client, started=12 * 3600 + 1, seen=1)
    assert client.get("/ledger/").status_code == 302
    assert AuditEntry.objects.get(action=AuditAction.SIGN_OUT).detail == {"reason": "lifetime"}


def test_requests_keep_a_session_alive_and_refresh_its_clock_at_most_once_a_minute() -> None:
    session: dict[str, float] = {}
    assert session_end_reason(session, now=1000.0) == ""  # a session begun elsewhere starts its clock
    assert session == {SIGNED_IN_AT: 1000.0, LAST_SEEN: 1000.0}
    assert session_end_reason(session, now=1030.0) == ""
    assert session[LAST_SEEN] == 1000.0  # not written again within the minute
    assert session_end_reason(session, now=1000.0 + 14 * 60) == ""
    assert session[LAST_SEEN] == 1000.0 + 14 * 60
    assert session_end_reason(session, now=1000.0 + 28 * 60) == ""  # fourteen minutes after that
    assert session_end_reason(session, now=1000.0 + 44 * 60) == "idle"


@pytest.fixture
def demo_account(world) -> User:
    User.objects.filter(pk=world.a.committee.pk).update(is_demo=True)
    return world.a.committee


def test_demo_accounts_are_refused_at_every_sign_in_when_not_allowed(demo_account, client, settings) -> None:
    settings.ALLOW_DEMO_ACCOUNTS = False
    credentials = {"username": demo_account.username, "password": PASSWORD}
    response = client.post("/accounts/login/", credentials, headers=EN)
    assert response.status_code == 200
    assert "Demo accounts are switched off on this server" in response.content.decode()
    assert "_auth_user_id" not in client.session
    token = client.post("/api/v1/auth/token/", credentials, headers=EN)
    assert token.status_code == 403
    assert "Demo accounts are switched off" in token.json()["detail"]
    assert "token" not in token.json()
    refused = AuditEntry.objects.filter(action=AuditAction.SIGN_IN, outcome="refused")
    assert sorted(refused.values_list("detail__via", flat=True)) == ["browser", "token"]
    # Other accounts are not affected.
    assert (
        client.post("/accounts/login/", {"username": "alpha-officer", "password": PASSWORD}).status_code
        == 302
    )


def test_demo_sessions_and_tokens_end_when_demo_accounts_are_switched_off(demo_account, settings) -> None:
    settings.ALLOW_DEMO_ACCOUNTS = True
    client = _signed_in(demo_account.username)
    token = client.post(
        "/api/v1/auth/token/", {"username": demo_account.username, "password": PASSWORD}
    ).json()["token"]
    settings.ALLOW_DEMO_ACCOUNTS = False
    assert client.get("/ledger/").status_code == 302
    assert client.get("/api/v1/me/", headers={"Authorization": f"Token {token}"}).status_code == 403


@pytest.mark.parametrize(
    ("environment", "allowed"),
    [({"DEBUG": "0"}, False), ({"DEBUG": "1"}, True), ({"DEBUG": "0", "ALLOW_DEMO_ACCOUNTS": "1"}, True)],
)
def test_demo_accounts_are_allowed_only_with_debug_or_allow_demo_accounts(
    monkeypatch, environment, allowed
) -> None:
    monkeypatch.delenv("ALLOW_DEMO_ACCOUNTS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert load_settings()["ALLOW_DEMO_ACCOUNTS"] is allowed


def test_the_browser_journeys_allow_the_demo_accounts() -> None:
    from tests.e2e.server import environment

    assert environment(fresh=False)["ALLOW_DEMO_ACCOUNTS"] == "1"

"""Level-3 passwords: eight characters of three kinds, none of the last five again, a change forced after 90
days (and at the first sign-in with a password an administrator set), and a change ends the other sessions
and the API tokens."""

import datetime as dt
import itertools

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from organizations.models import User
from organizations.services import user_create

from ..conftest import PASSWORD


def _codes(password: str, user: User | None = None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list if e.code}
    return set()


def test_a_password_needs_eight_characters_of_three_kinds(world, settings) -> None:
    assert _codes("Abcdef1x") == set()  # eight characters: lower, upper, digit
    assert _codes("abcdef1-") == set()  # lower, digit, symbol
    assert _codes("abcdefg12") == {"password_too_simple"}  # two kinds
    assert _codes("ABC-DEF-GHI") == {"password_too_simple"}
    assert "password_too_short" in _codes("Ab1-xyz")  # seven characters
    assert _codes("监管密码a2023") == set()  # Chinese characters count as symbols
    assert _codes("监管-密码-2023") == {"password_too_simple"}  # symbols and digits only
    # The demo password and the fixture world's keep working.
    assert _codes(settings.DEMO_PASSWORD) == set()
    assert _codes(PASSWORD) == set()


def _change(client: Client, old: str, new: str) -> int:
    response = client.post(
        "/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new}
    )
    return response.status_code


def test_none_of_the_last_five_passwords_can_be_chosen_again(world, client, settings) -> None:
    assert settings.PASSWORD_HISTORY == 5
    client.force_login(world.a.officer)
    passwords = [PASSWORD] + [f"Fresh-pass-{n}" for n in range(1, 6)]
    for old, new in itertools.pairwise(passwords):
        assert _change(client, old, new) == 302, new
    current = passwords[-1]
    for reused in passwords[1:]:  # the current one and the four before it
        response = client.post(
            "/accounts/password/",
            {"old_password": current, "new_password1": reused, "new_password2": reused},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 200, reused
        assert "You used this password before" in response.content.decode()
    # Six passwords back is allowed again.
    assert _change(client, current, passwords[0]) == 302
    world.a.officer.refresh_from_db()
    assert world.a.officer.check_password(passwords[0])


def _expire(user: User, days: int = 91) -> None:
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=days))


def test_an_expired_password_sends_the_browser_to_the_change_page_until_it_is_changed(world, client) -> None:
    officer = world.a.officer
    client.force_login(officer)
    assert client.get("/ledger/").status_code == 200
    _expire(officer, days=89)
    assert client.get("/ledger/").status_code == 200  # not yet
    _expire(officer, days=91)
    for url in ["/ledger/", "/", "/directory/enterprises/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/accounts/password/"
    page = client.get("/accounts/password/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "expired" in page.content.decode()
    # The API, through the same session, answers a clear 403.
    api = client.get("/api/v1/hazards/", headers={"Accept-Language": "en"})
    assert api.status_code == 403
    assert "expired" in api.json()["detail"]
    assert _change(client, PASSWORD, "Brand-new-pass-7") == 302
    assert client.get("/ledger/").status_code == 200


def test_passwords_never_expire_when_the_age_limit_is_zero(world, client, settings) -> None:
    settings.PASSWORD_MAX_AGE_DAYS = 0
    _expire(world.a.officer, days=3650)
    client.force_login(world.a.officer)
    assert client.get("/ledger/").status_code == 200


def test_token_sign_in_with_an_expired_password_is_refused_with_a_clear_403(world, client) -> None:
    token = client.post("/api/v1/auth/token/", {"username": "alpha-officer", "password": PASSWORD}).json()
    _expire(world.a.officer)
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "alpha-officer", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 403
    assert "expired" in response.json()["detail"]
    assert "token" not in response.json()
    # A token taken before the password expired stops working too, with the same message.
    used = client.get(
        "/api/v1/me/", headers={"Authorization": f"Token {token['token']}", "Accept-Language": "en"}
    )
    assert used.status_code == 403
    assert "expired" in used.json()["detail"]


def test_a_password_an_administrator_set_is_changed_at_the_first_sign_in(world, client) -> None:
    user = user_create(actor=world.a.committee, username="new-clerk", password="Initial-pass-1")
    assert user.must_change_password
    response = client.post("/accounts/login/", {"username": user.username, "password": "Initial-pass-1"})
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"] == "/accounts/password/"
    # The initial password itself is in the history: it cannot be "changed" to itself.
    assert _change(client, "Initial-pass-1", "Initial-pass-1") == 200
    assert _change(client, "Initial-pass-1", "My-own-pass-2") == 302
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password


def test_a_password_change_ends_the_other_sessions_and_the_api_tokens_but_not_this_one(world) -> None:
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        assert (
            browser.post("/accounts/login/", {"username": "alpha-head", "password": PASSWORD}).status_code
            == 302
        )
        assert browser.get("/").status_code == 200
    token = here.post("/api/v1/auth/token/", {"username": "alpha-head", "password": PASSWORD}).json()["token"]
    assert here.get("/api/v1/me/", headers={"Authorization": f"Token {token}"}).status_code == 200

    assert _change(here, PASSWORD, "Brand-new-pass-7") == 302

    assert here.get("/").status_code == 200  # this session goes on
    response = elsewhere.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert here.get("/api/v1/me/", headers={"Authorization": f"Token {token}"}).status_code == 401


@pytest.mark.parametrize(
    "rule", ["PASSWORD_MIN_LENGTH=7", "PASSWORD_MIN_CLASSES=2", "PASSWORD_MIN_CLASSES=5"]
)
def test_password_rules_weaker_than_level_3_are_refused_at_startup(rule, monkeypatch) -> None:
    from .settings_probe import load_settings

    name, value = rule.split("=")
    monkeypatch.setenv(name, value)
    with pytest.raises(Exception, match=name):
        load_settings()

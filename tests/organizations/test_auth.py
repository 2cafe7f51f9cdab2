"""Signing in: API tokens, who-am-I, and the lockout after repeated failures."""

import pytest

from ..conftest import PASSWORD


def test_token_flow_gives_a_token_that_authenticates_me(world, client) -> None:
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "alpha-inspector", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", headers={"Authorization": f"Token {token}"})
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "alpha-inspector"
    assert body["tenant"] == {"slug": "alpha", "name": "alpha省"}
    assert body["roles"] == [
        {
            "role": "inspector",
            "unit_type": "department",
            "unit_id": world.a.department.pk,
            "unit_name": world.a.department.name,
        },
    ]


def test_each_sign_in_issues_a_new_token_and_the_earlier_ones_keep_working(world, client) -> None:
    # Keys are kept as digests, so the same key cannot be handed out twice: each sign-in gets its own.
    first = client.post("/api/v1/auth/token/", {"username": "alpha-officer", "password": PASSWORD}).json()[
        "token"
    ]
    second = client.post("/api/v1/auth/token/", {"username": "alpha-officer", "password": PASSWORD}).json()[
        "token"
    ]
    assert first != second
    for token in (first, second):
        me = client.get("/api/v1/me/", headers={"Authorization": f"Token {token}"})
        assert me.json()["username"] == "alpha-officer"


def test_only_the_newest_tokens_of_an_account_stay_valid(world, client) -> None:
    from organizations.services import API_TOKENS_KEPT, auth_token_issue

    keys = [auth_token_issue(user=world.a.officer) for _ in range(API_TOKENS_KEPT + 1)]
    assert client.get("/api/v1/me/", headers={"Authorization": f"Token {keys[0]}"}).status_code == 401
    assert client.get("/api/v1/me/", headers={"Authorization": f"Token {keys[1]}"}).status_code == 200
    assert client.get("/api/v1/me/", headers={"Authorization": f"Token {keys[-1]}"}).status_code == 200


def test_wrong_password_gives_no_token(world, client) -> None:
    response = client.post("/api/v1/auth/token/", {"username": "alpha-officer", "password": "nope"})
    assert response.status_code in {400, 401, 403}
    assert "token" not in response.json()


def test_missing_fields_are_named(world, client) -> None:
    response = client.post("/api/v1/auth/token/", {"username": "alpha-officer"})
    assert response.status_code == 400
    assert "password" in response.json()


def test_me_requires_authentication(client) -> None:
    assert client.get("/api/v1/me/").status_code in {401, 403}


def test_an_invalid_token_is_refused(world, client) -> None:
    assert client.get("/api/v1/me/", headers={"Authorization": "Token deadbeef"}).status_code == 401


def test_repeated_failed_api_logins_lock_the_account_even_with_the_right_password(
    world, client, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "alpha-head", "password": "wrong"})
    response = client.post("/api/v1/auth/token/", {"username": "alpha-head", "password": PASSWORD})
    assert response.status_code == 429
    assert "token" not in response.json()


@pytest.mark.parametrize("forwarded", ["10.0.0.1", "10.0.0.2"])
def test_a_spoofed_forwarded_for_header_does_not_dodge_the_browser_lockout(
    world, client, settings, forwarded
) -> None:
    for index in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "alpha-committee", "password": "wrong"},
            headers={"X-Forwarded-For": f"{forwarded}{index}"},
        )
    response = client.post(
        "/accounts/login/",
        {"username": "alpha-committee", "password": PASSWORD},
        headers={"X-Forwarded-For": "192.0.2.99"},
    )
    assert response.status_code in {403, 429}
    assert "_auth_user_id" not in client.session


def test_browser_login_lands_on_the_role_page_and_logout_ends_the_session(world, client) -> None:
    response = client.post(
        "/accounts/login/", {"username": "alpha-committee", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "alpha-committee" in response.content.decode()
    assert client.post("/accounts/logout/").status_code in {200, 302}
    assert client.get("/").status_code == 302


def test_password_change_requires_the_old_password(world, client) -> None:
    client.force_login(world.a.officer)
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "Brand-new-pass-7", "new_password2": "Brand-new-pass-7"},
    )
    assert response.status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "Brand-new-pass-7", "new_password2": "Brand-new-pass-7"},
    )
    assert response.status_code == 302
    world.a.officer.refresh_from_db()
    assert world.a.officer.check_password("Brand-new-pass-7")


def test_the_token_endpoint_is_rate_limited(world, client) -> None:
    statuses = [
        client.post("/api/v1/auth/token/", {"username": f"nobody{index}", "password": "x"}).status_code
        for index in range(25)
    ]
    assert statuses[-1] == 429
    assert 429 not in statuses[:20]

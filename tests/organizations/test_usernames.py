"""Creating an account reveals nothing about other tenants' accounts (organizations/usernames.py): a name is
free or taken inside the creator's tenant alone, and the account signs in as `<tenant>/<name>`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from organizations.models import User
from organizations.services import user_create

from ..conftest import PASSWORD

NEW_PASSWORD = "Long-enough-pass-9"


def _create_by_api(api: Any, actor: User, name: str) -> Any:
    api.as_user(actor)
    return api.post("/api/v1/users/", {"username": name, "password": NEW_PASSWORD}, format="json")


def _shape(response: Any, name: str) -> tuple[int, str]:
    """The answer with the parts that differ by design (the new id, the name asked for) blanked out."""
    body = response.content.decode()
    body = re.sub(r'"id":\s*\d+', '"id": 0', body).replace(name, "NAME")
    return response.status_code, body


def test_a_name_used_only_by_another_tenant_is_answered_like_a_name_used_nowhere(world, api) -> None:
    beta, alpha = world.b, world.a
    assert _create_by_api(api, beta.admin, "zhangsan").status_code == 201  # beta now has zhangsan
    elsewhere = _create_by_api(api, alpha.committee, "zhangsan")
    nowhere = _create_by_api(api, alpha.committee, "lisi")
    legacy_elsewhere = _create_by_api(api, alpha.committee, "beta-officer")  # beta's plain, older name
    assert (
        _shape(elsewhere, "zhangsan") == _shape(nowhere, "lisi") == _shape(legacy_elsewhere, "beta-officer")
    )
    assert elsewhere.status_code == 201 and elsewhere.json()["username"] == "alpha/zhangsan"
    for response in (elsewhere, nowhere, legacy_elsewhere):
        text = response.content.decode() + str(dict(response.headers))
        assert "beta" not in text.replace("beta-officer", "") and "Beta" not in text
    assert set(
        User.objects.filter(username__endswith="zhangsan").values_list("username", "tenant__slug")
    ) == {
        ("beta/zhangsan", "beta"),
        ("alpha/zhangsan", "alpha"),
    }


def test_a_refused_name_is_refused_for_reasons_of_this_tenant_only(world, api) -> None:
    alpha = world.a
    _create_by_api(api, world.b.admin, "wangwu")
    assert _create_by_api(api, alpha.committee, "wangwu").status_code == 201
    taken = _create_by_api(api, alpha.committee, "wangwu")  # now taken here, in alpha
    assert taken.status_code == 400 and "already has a user named" in taken.json()["username"][0]
    slash = _create_by_api(
        api, alpha.committee, "beta/wangwu"
    )  # naming another tenant is policy, not a probe
    unused_slash = _create_by_api(api, alpha.committee, "gamma/wangwu")
    assert _shape(slash, "beta/wangwu") == _shape(unused_slash, "gamma/wangwu")
    assert slash.status_code == 400 and list(slash.json()) == ["username"]
    for response in (taken, slash):
        assert "Beta" not in response.content.decode()
    assert User.objects.filter(username__endswith="wangwu").count() == 2


def test_the_browser_form_answers_alike_and_shows_the_sign_in_name(world, client) -> None:
    alpha = world.a
    user_create(actor=world.b.admin, username="zhaoliu", password=NEW_PASSWORD)
    client.force_login(alpha.committee)
    form = client.get("/directory/users/new/", headers={"Accept-Language": "en"}).content.decode()
    assert "alpha/zhangsan" in form  # the page says how the person will sign in
    pages = []
    for name in ("zhaoliu", "sunqi"):
        response = client.post("/directory/users/new/", {"username": name, "password": NEW_PASSWORD})
        assert response.status_code == 302
        detail = client.get(response["Location"], headers={"Accept-Language": "en"}).content.decode()
        assert f"alpha/{name}" in detail and "Beta" not in detail
        for varying in (r'name="csrfmiddlewaretoken" value="[^"]+"', r'nonce="[^"]+"', r"/\d+/"):
            detail = re.sub(varying, "", detail)
        pages.append(detail.replace(name, "NAME"))
    assert pages[0] == pages[1]


def test_the_new_account_signs_in_with_its_tenant_qualified_name_on_both_paths(world, client) -> None:
    user_create(actor=world.b.admin, username="zhangsan", password="Other-tenants-pass-3")
    created = user_create(actor=world.a.committee, username="zhangsan", password=NEW_PASSWORD)
    # An administrator's initial password must be changed at the first sign-in (tests/organizations/
    # test_passwords.py); here the name is what is tested.
    User.objects.filter(pk=created.pk).update(must_change_password=False)
    token = client.post("/api/v1/auth/token/", {"username": "alpha/zhangsan", "password": NEW_PASSWORD})
    assert token.status_code == 200
    me = client.get("/api/v1/me/", headers={"Authorization": f"Token {token.json()['token']}"}).json()
    assert (me["username"], me["tenant"]["slug"]) == ("alpha/zhangsan", "alpha")
    signed_in = client.post("/accounts/login/", {"username": "alpha/zhangsan", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302 and client.session["_auth_user_id"]
    # Older accounts keep their plain names, unchanged.
    client.logout()
    old = client.post("/api/v1/auth/token/", {"username": "alpha-inspector", "password": PASSWORD})
    assert old.status_code == 200


def test_no_account_may_take_a_name_under_another_tenants_prefix(world) -> None:
    intruder = User(username="alpha/boss", tenant=world.b.tenant)
    with pytest.raises(ValidationError) as error:
        intruder.full_clean(exclude=["password"])
    assert "username" in error.value.message_dict
    User(username="alpha/boss", tenant=world.a.tenant).full_clean(exclude=["password"])

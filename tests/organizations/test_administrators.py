"""Separated administrators (三员分立): the system administrator runs the directory, the security
administrator roles and policies, the audit administrator reads the audit log and changes nothing; no account
holds two of them, and each sees what its work needs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from core.errors import NotFoundError, PermissionDeniedError
from organizations.models import Membership
from organizations.services import membership_grant, membership_revoke, user_close

from ..conftest import PASSWORD, World
from ..factories import UserFactory

EN = {"Accept-Language": "en"}


def test_no_account_holds_two_administrator_roles(admins: World) -> None:
    w = admins.a
    security = w.users["security"]
    for user, role in [
        (w.admin, "audit_admin"),
        (w.users["auditor"], "tenant_admin"),
        (w.users["auditor"], "security_admin"),
    ]:
        with pytest.raises(ValidationError, match=r"an administrator holds only one|holds no other role"):
            membership_grant(actor=security, user=user, role=role, unit=None)
    assert Membership.objects.filter(user=w.admin).count() == 1
    # The database refuses it too, whatever code tries.
    with pytest.raises(IntegrityError, match="membership_one_administrator_role"), transaction.atomic():
        Membership.objects.create(tenant=w.tenant, user=w.admin, role="audit_admin")
    # An ended administrator role leaves the account free for another one.
    other = UserFactory.create(username="alpha-next-auditor", tenant=w.tenant)
    Membership.objects.create(tenant=w.tenant, user=other, role="audit_admin", is_active=False)
    Membership.objects.create(tenant=w.tenant, user=other, role="security_admin")


def test_an_administrator_holds_no_other_role(admins: World) -> None:
    w = admins.a
    security = w.users["security"]
    with pytest.raises(ValidationError, match="holds no other role"):
        membership_grant(actor=security, user=w.users["auditor"], role="committee_staff", unit=w.city)
    with pytest.raises(ValidationError, match="holds other roles"):
        membership_grant(actor=security, user=w.committee, role="audit_admin", unit=None)
    fresh = UserFactory.create(username="alpha-new-auditor", tenant=w.tenant)
    membership = membership_grant(actor=security, user=fresh, role="audit_admin", unit=None)
    assert (membership.role, membership.unit_type) == ("audit_admin", "tenant")


def test_roles_are_granted_and_ended_by_the_security_administrator_and_committees_in_their_regions(
    admins: World, api
) -> None:
    w = admins.a
    newcomer = UserFactory.create(
        username="alpha-newcomer", tenant=w.tenant
    )  # no role yet: committees see it
    grant = {"user": newcomer.pk, "role": "inspector", "department": w.department.pk}
    # The system administrator runs the directory, not the roles.
    api.as_user(w.admin)
    assert api.post("/api/v1/memberships/", grant, format="json").status_code == 403
    officer_role = Membership.objects.get(user=w.officer)
    assert api.post(f"/api/v1/memberships/{officer_role.pk}/revoke/").status_code == 403
    # The audit administrator changes nothing (the account is not even in its sight).
    api.as_user(w.users["auditor"])
    assert api.post("/api/v1/memberships/", grant, format="json").status_code in {400, 403}
    assert not Membership.objects.filter(user=newcomer).exists()
    # Committee staff grant business roles in their city, never an administrator role.
    api.as_user(w.committee)
    assert api.post("/api/v1/memberships/", grant, format="json").status_code == 201
    refused = api.post("/api/v1/memberships/", {"user": newcomer.pk, "role": "security_admin"}, format="json")
    assert refused.status_code == 400
    assert "security administrator grants administrator roles" in refused.json()["role"][0]
    # The security administrator grants anywhere in the tenant, administrator roles included.
    api.as_user(w.users["security"])
    other_city = {"user": w.outsider.pk, "role": "committee_staff", "region": w.other_city.pk}
    assert api.post("/api/v1/memberships/", other_city, format="json").status_code == 201
    fresh = UserFactory.create(username="alpha-second-admin", tenant=w.tenant)
    made = api.post("/api/v1/memberships/", {"user": fresh.pk, "role": "tenant_admin"}, format="json")
    assert made.status_code == 201
    assert api.post(f"/api/v1/memberships/{made.json()['id']}/revoke/").status_code == 200
    # Nobody changes their own roles.
    own = Membership.objects.get(user=w.users["security"])
    with pytest.raises(ValidationError, match="your own roles"):
        membership_revoke(actor=w.users["security"], membership=own)
    with pytest.raises(ValidationError, match="your own roles"):
        membership_grant(
            actor=w.users["security"], user=w.users["security"], role="security_admin", unit=None
        )


def test_the_security_administrator_grants_roles_in_the_browser(admins: World, client: Client) -> None:
    w = admins.a
    client.force_login(w.users["security"])
    page = client.get(f"/directory/users/{w.outsider.pk}/", headers=EN).content.decode()
    assert "Grant a role" in page and "Close account" not in page
    response = client.post(
        f"/directory/users/{w.outsider.pk}/grant/", {"role": "inspector", "department": w.department.pk}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user=w.outsider, role="inspector", is_active=True).exists()
    client.force_login(w.admin)
    page = client.get(f"/directory/users/{w.outsider.pk}/", headers=EN).content.decode()
    assert "Grant a role" not in page and "Close account" in page
    assert (
        client.post(
            f"/directory/users/{w.outsider.pk}/grant/", {"role": "head", "enterprise": ""}
        ).status_code
        == 403
    )


def test_what_each_administrator_sees(admins: World, ledger, client: Client) -> None:
    w = admins.a
    hazard = ledger.confirmed()
    urls = {
        "ledger": "/ledger/",
        "hazard": f"/ledger/{hazard.pk}/",
        "enterprises": "/directory/enterprises/",
        "users": "/directory/users/",
        "user": f"/directory/users/{w.officer.pk}/",
        "audit": "/audit-log/",
    }

    def sees(role: str) -> dict[str, object]:
        client.force_login(w.users[role])
        seen: dict[str, object] = {}
        for name, url in urls.items():
            response = client.get(url, headers=EN)
            body = response.content.decode()
            seen[name] = (
                response.status_code
                if response.status_code != 200
                else (hazard.code in body or w.enterprise.name in body or w.officer.username in body)
            )
        return seen

    assert sees("admin") == {
        "ledger": True,
        "hazard": True,
        "enterprises": True,
        "users": True,
        "user": True,
        "audit": 403,
    }
    # Roles and policies need the accounts and the units, not the ledger.
    assert sees("security") == {
        "ledger": False,
        "hazard": 404,
        "enterprises": True,
        "users": True,
        "user": True,
        "audit": 403,
    }
    # The audit administrator reads the audit log and nothing of the tenant's business.
    assert sees("auditor") == {
        "ledger": False,
        "hazard": 404,
        "enterprises": False,
        "users": False,
        "user": 404,
        "audit": False,
    }


def test_the_menu_follows_the_separation(admins: World, client: Client) -> None:
    def menu(role: str) -> str:
        client.force_login(admins.a.users[role])
        return client.get("/", headers=EN).content.decode()

    admin, security, auditor = menu("admin"), menu("security"), menu("auditor")
    assert 'href="/directory/enterprises/import/"' in admin and 'href="/audit-log/"' not in admin
    assert 'href="/disclosure/policy/"' not in admin
    assert 'href="/disclosure/policy/"' in security and 'href="/directory/users/"' in security
    assert 'href="/ledger/"' not in security and 'href="/audit-log/"' not in security
    assert 'href="/audit-log/"' in auditor
    assert 'href="/ledger/"' not in auditor and 'href="/directory/users/"' not in auditor
    assert "Security administration" in security and "Audit administration" in auditor


def test_the_audit_administrator_changes_nothing(admins: World, api) -> None:
    w = admins.a
    api.as_user(w.users["auditor"])
    attempts = [
        ("/api/v1/users/", {"username": "x-user", "password": "Long-enough-pass-9"}),
        (
            "/api/v1/departments/",
            {"name": "x", "region": w.city.pk, "industries": [w.industries["mines"].pk]},
        ),
        (f"/api/v1/users/{w.officer.pk}/close/", {}),
    ]
    for url, body in attempts:
        assert api.post(url, body, format="json").status_code in {403, 404}, url
    assert Membership.objects.filter(tenant=w.tenant).count() == 8


def test_closing_an_account_ends_its_sessions_and_tokens(admins: World, api) -> None:
    w = admins.a
    browser = Client()
    assert (
        browser.post("/accounts/login/", {"username": "alpha-officer", "password": PASSWORD}).status_code
        == 302
    )
    token = browser.post("/api/v1/auth/token/", {"username": "alpha-officer", "password": PASSWORD}).json()[
        "token"
    ]
    for role in ("committee", "security"):
        with pytest.raises(PermissionDeniedError):
            user_close(actor=w.users[role], user=w.officer)
    with pytest.raises(NotFoundError):  # not in the audit administrator's sight
        user_close(actor=w.users["auditor"], user=w.officer)
    api.as_user(w.admin)
    response = api.post(f"/api/v1/users/{w.officer.pk}/close/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert browser.get("/").status_code == 302
    assert Client().get("/api/v1/me/", headers={"Authorization": f"Token {token}"}).status_code == 401
    assert (
        browser.post("/accounts/login/", {"username": "alpha-officer", "password": PASSWORD}).status_code
        == 200
    )
    with translation.override("en"), pytest.raises(ValidationError, match="your own account"):
        user_close(actor=w.admin, user=w.admin)
    # Another tenant's account is not found.
    api.as_user(admins.b.admin)
    assert api.post(f"/api/v1/users/{w.head.pk}/close/").status_code == 404

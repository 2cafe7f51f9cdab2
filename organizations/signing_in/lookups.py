"""How a password, a session or an API token becomes a user of a tenant.

Users and API tokens are under row-level security (core/rls.py): with no tenant set, a query finds
no tenant's user. So the first step of every sign-in goes through a narrow SECURITY DEFINER lookup that
returns only what is needed to decide (migration organizations dbline_database_last_line):

- a username and password: `auth_login_candidate` gives id, tenant, password hash and active flag; only
  once the password checks out does the request enter that tenant and load the user normally;
- an API token: `auth_token_owner` gives the user and tenant of a key's digest (keys are never stored);
- a session: the tenant is kept in the session at sign-in, so it is known before the user row is read;
  `auth_user_tenant` fills it in for sessions made without it (Django's test client, older sessions).

Platform staff have no tenant: their rows are visible while no tenant is set, and they never enter one.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.http import HttpRequest

from core.rls import tenant_context

from ..models import User

# The signed-in user's tenant (None for platform staff), written at sign-in: see session_sign_in.
TENANT_SESSION_KEY = "_hazard_ledger_tenant"


class LoginCandidate(NamedTuple):
    user_id: int
    tenant_id: int | None
    password: str
    is_active: bool


class SignIn(NamedTuple):
    """Who a session or a token says the caller is, before their user row is read."""

    user_id: int
    tenant_id: int | None


def _one(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def login_candidate(username: str) -> LoginCandidate | None:
    row = _one("SELECT * FROM auth_login_candidate(%s)", [username])
    return None if row is None else LoginCandidate(*row)


def token_digest(key: str) -> str:
    """What the database keeps of an API key: its SHA-256 (keys are 160 random bits, so no salt or
    stretching is needed to make the digest useless to whoever reads it)."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_owner(key: str) -> SignIn | None:
    row = _one("SELECT * FROM auth_token_owner(%s)", [token_digest(key)])
    return None if row is None else SignIn(*row)


def remember_tenant(request: HttpRequest, user: User) -> None:
    """Keep the signed-in user's tenant in their session (server-side, signed): the next request sets it
    before it reads the user."""
    request.session[TENANT_SESSION_KEY] = user.tenant_id


def session_sign_in(request: HttpRequest) -> SignIn | None:
    """The user id and tenant a request's session names, without reading the user; None when the session
    has no user."""
    session = getattr(request, "session", None)
    raw = None if session is None else session.get(SESSION_KEY)
    if raw is None:
        return None
    try:
        user_id = int(raw)
    except (TypeError, ValueError):
        return None
    if TENANT_SESSION_KEY not in session:  # type: ignore[operator]
        row = _one("SELECT * FROM auth_user_tenant(%s)", [user_id])
        session[TENANT_SESSION_KEY] = None if row is None else row[0]  # type: ignore[index]
    return SignIn(user_id, session[TENANT_SESSION_KEY])  # type: ignore[index]


def load_signed_in_user(request: HttpRequest | None, sign_in: SignIn, *, read_scope: bool) -> User | None:
    """The user of a checked sign-in, read normally: in their tenant's transaction (the request's, which
    begins here when the request has none) or, for platform staff, with no tenant set. With `read_scope`,
    the user's scope is read in the same round trip as the tenant is set (a request that goes on to serve
    them needs it)."""
    from ..middleware import attach_scope, enter_tenant  # the middleware imports this module

    def load() -> User | None:
        return User._default_manager.filter(pk=sign_in.user_id).first()

    if sign_in.tenant_id is None:
        return load()
    if request is not None and enter_tenant(
        request, sign_in.tenant_id, user_id=sign_in.user_id if read_scope else None
    ):
        user = load()
        attach_scope(request, user)
        return user
    with tenant_context(sign_in.tenant_id):  # no request transaction to join (a shell, the test client)
        return load()


class TenantModelBackend(ModelBackend):
    """Django's username and password check, with the account found through `auth_login_candidate`: no
    tenant is entered and no user row read before the password is right."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        candidate = login_candidate(username)
        if candidate is None:
            User().set_password(password)  # as long as a real check, so timing tells no account apart
            return None
        outdated: list[str] = []
        if not check_password(password, candidate.password, setter=outdated.append):
            return None
        if not candidate.is_active:
            return None
        user = load_signed_in_user(request, SignIn(candidate.user_id, candidate.tenant_id), read_scope=False)
        if user is None or not self.user_can_authenticate(user):
            return None
        if outdated:  # the hasher's parameters changed since this password was set (what Django does too)
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

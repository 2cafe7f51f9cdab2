"""Signing in and out under the level-3 rules (docs/security.md, "Level-3 controls"): every attempt is
audited, demo accounts are refused on a production server, and a browser session ends after
SESSION_IDLE_MINUTES without a request or SESSION_LIFETIME_HOURS after it began.

Used by the sign-in views (browser and token), the token authentication and SignInPolicyMiddleware.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.rls import tenant_context

from ..audit import audit_record_alone
from ..choices import AuditAction, AuditOutcome
from ..models import User
from .lookups import login_candidate

DEMO_REFUSED = _(
    "Demo accounts are switched off on this server (it does not run with DEBUG, and ALLOW_DEMO_ACCOUNTS "
    "is not set). Sign in with your own account."
)
PASSWORD_EXPIRED = _(
    "Your password has expired or was set by an administrator: sign in in the browser and choose a new "
    "one, then ask for a token again."
)

# Session keys: when the session began, and when it was last seen (refreshed at most every REFRESH
# seconds, so a busy session is not written to the database on every request).
SIGNED_IN_AT = "_level3_signed_in_at"
LAST_SEEN = "_level3_last_seen"
REFRESH_SECONDS = 60


def demo_refused(user: Any) -> bool:
    return bool(getattr(user, "is_demo", False)) and not settings.ALLOW_DEMO_ACCOUNTS


def account_named(username: str) -> User | None:
    """The account a sign-in attempt names, to file the attempt in its tenant's audit log. Users are under
    row-level security: the account is found through the narrow sign-in lookup, then read in its tenant."""
    candidate = login_candidate(username)
    if candidate is None:
        return None
    if candidate.tenant_id is None:  # platform staff: visible while no tenant is set
        return User.objects.filter(pk=candidate.user_id).first()
    with tenant_context(candidate.tenant_id):
        return User.objects.filter(pk=candidate.user_id).first()


def start_session_clock(request: HttpRequest) -> None:
    """After login(): the idle and lifetime limits count from now."""
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = time.time()


def sign_in_succeeded(user: User, *, via: str) -> None:
    audit_record_alone(
        tenant_id=user.tenant_id, actor=user, action=AuditAction.SIGN_IN, target=user, detail={"via": via}
    )


def sign_in_failed(username: str, *, via: str, outcome: str = AuditOutcome.FAILURE, reason: str = "") -> None:
    """A refused or failed attempt, filed under the account it names (or under no tenant when none)."""
    user = account_named(username) if username else None
    detail = {"via": via, **({"reason": reason} if reason else {})}
    audit_record_alone(
        tenant_id=user.tenant_id if user else None,
        actor=user,
        username=username,
        action=AuditAction.SIGN_IN,
        outcome=outcome,
        target=user,
        detail=detail,
    )


def sign_in_form_failed(request: HttpRequest, form: Any, *, via: str) -> None:
    """A browser sign-in form that did not sign anyone in: why, from the lockout and the form's errors."""
    username = str(form.data.get("username", ""))
    if not username:
        return  # nothing was tried
    codes = {error.code for error in form.errors.as_data().get("__all__", [])}
    if getattr(request, "axes_locked_out", False):
        sign_in_failed(username, via=via, outcome=AuditOutcome.REFUSED, reason="locked")
    elif "demo_account" in codes or "inactive" in codes:
        reason = "demo" if "demo_account" in codes else "inactive"
        sign_in_failed(username, via=via, outcome=AuditOutcome.REFUSED, reason=reason)
    else:
        sign_in_failed(username, via=via)


def sign_out(request: HttpRequest, *, reason: str) -> None:
    """End the request's session, audited with why (the user's choice, idle, lifetime, demo refused)."""
    user = request.user
    if user.is_authenticated:
        audit_record_alone(
            tenant_id=user.tenant_id,
            actor=user,
            action=AuditAction.SIGN_OUT,
            target=user,
            detail={"reason": reason},
        )
    logout(request)


def session_end_reason(session: Any, now: float | None = None) -> str:
    """Why the session must end now ('idle', 'lifetime'), or '' — refreshing its last-seen time."""
    now = time.time() if now is None else now
    started, seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    if started is None or seen is None:  # a session begun elsewhere (test client, before this rule)
        session[SIGNED_IN_AT] = session[LAST_SEEN] = now
        return ""
    if now - started >= settings.SESSION_LIFETIME_HOURS * 3600:
        return "lifetime"
    idle = settings.SESSION_IDLE_MINUTES * 60
    if now - seen >= idle:
        return "idle"
    if now - seen >= min(REFRESH_SECONDS, idle / 4):
        session[LAST_SEEN] = now
    return ""


def sign_in_policy() -> dict[str, Any]:
    """The password and session rules in force (settings), as the security administrator's page shows them."""
    return {
        "password_min_length": settings.PASSWORD_MIN_LENGTH,
        "password_min_classes": settings.PASSWORD_MIN_CLASSES,
        "password_max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
        "password_history": settings.PASSWORD_HISTORY,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
        "session_lifetime_hours": settings.SESSION_LIFETIME_HOURS,
        "login_failure_limit": settings.AXES_FAILURE_LIMIT,
        "audit_retention_days": settings.AUDIT_RETENTION_DAYS,
    }

"""API token authentication that also tells the database whose rows this request may touch, and refuses a
token whose account may not sign in now (a demo account on a production server, an expired password)."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from ..choices import AuditOutcome
from ..middleware import enter_tenant
from ..passwords import password_expired
from ..sign_in import DEMO_REFUSED, PASSWORD_EXPIRED, demo_refused, sign_in_failed


def refuse_barred_account(user: Any, *, audit_as: str = "") -> None:
    """403, saying why, for an account that may not use the API now; `audit_as` names a token sign-in to
    audit the refusal under (a token's every later use is not audited)."""
    reason = "demo" if demo_refused(user) else "password_expired" if password_expired(user) else ""
    if not reason:
        return
    if audit_as:
        sign_in_failed(user.get_username(), via=audit_as, outcome=AuditOutcome.REFUSED, reason=reason)
    raise PermissionDenied(DEMO_REFUSED if reason == "demo" else PASSWORD_EXPIRED)


class TenantTokenAuthentication(TokenAuthentication):
    """A token user is known only once DRF authenticates, inside the view: the request's tenant
    transaction (TenantTransactionMiddleware) begins here for them."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            refuse_barred_account(result[0])
        if result is not None and getattr(result[0], "tenant_id", None):
            enter_tenant(request._request, int(result[0].tenant_id), result[0])
        return result

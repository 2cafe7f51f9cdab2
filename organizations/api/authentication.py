"""API token authentication that also tells the database whose rows this request may touch, and refuses a
token whose account may not sign in now (a demo account on a production server, an expired password)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.request import Request

from organizations.signing_in.lookups import load_signed_in_user, token_owner
from organizations.signing_in.policy import DEMO_REFUSED, PASSWORD_EXPIRED, demo_refused, sign_in_failed

from ..choices import AuditOutcome
from ..passwords import password_expired


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
    """`Authorization: Token <key>`, as DRF's TokenAuthentication reads it (whose subclass it stays for the
    OpenAPI schema), checked against the keys' digests (organizations.models.ApiToken) instead of DRF's
    table of keys. A token user is known only once DRF authenticates, inside the view: the request's
    tenant transaction (TenantTransactionMiddleware) begins here for them, and their user row is read in it.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != self.keyword.lower().encode():
            return None
        # DRF's own messages, so its translations apply.
        if len(words) == 1:
            raise AuthenticationFailed(_("Invalid token header. No credentials provided."))
        if len(words) > 2:
            raise AuthenticationFailed(_("Invalid token header. Token string should not contain spaces."))
        try:
            key = words[1].decode()
        except UnicodeError:
            raise AuthenticationFailed(
                _("Invalid token header. Token string should not contain invalid characters.")
            ) from None
        owner = token_owner(key)
        if owner is None:
            raise AuthenticationFailed(_("Invalid token."))
        user = load_signed_in_user(request._request, owner, read_scope=True)
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        refuse_barred_account(user)
        return user, owner

"""API token authentication that also tells the database whose rows this request may touch."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from ..middleware import enter_tenant


class TenantTokenAuthentication(TokenAuthentication):
    """A token user is known only once DRF authenticates, inside the view: the request's tenant
    transaction (TenantTransactionMiddleware) begins here for them."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None and getattr(result[0], "tenant_id", None):
            enter_tenant(request._request, int(result[0].tenant_id), result[0])
        return result

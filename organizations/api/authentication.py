"""API token authentication that also tells the database whose rows this request may touch."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from ..rls import set_current_tenant


class TenantTokenAuthentication(TokenAuthentication):
    """A token user is known only once DRF authenticates, after the request's transaction has begun
    (TenantTransactionMiddleware): set their tenant for the rest of that transaction."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None and getattr(result[0], "tenant_id", None):
            set_current_tenant(int(result[0].tenant_id))
        return result

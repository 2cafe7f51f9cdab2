"""Request middleware: domain errors become the page a person should see (404/403/409); each request
runs in one transaction scoped to its tenant by the database (row-level security)."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render

from .errors import DomainError
from .rls import set_current_tenant, tenant_context


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(
            request,
            "error.html",
            {"status": exception.status_code, "message": exception.message},
            status=exception.status_code,
        )


class TenantTransactionMiddleware:
    """Each request is one transaction in which the database lets through only its tenant's rows.

    The tenant comes from the signed-in user, or on the public site from the URL's tenant slug; it is
    set with SET LOCAL semantics, so it ends with the transaction (organizations/rls.py). API token
    users are resolved later, by DRF: `TenantTokenAuthentication` sets their tenant then. A streamed
    response is produced after the view returns, so its body runs in a transaction of its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with transaction.atomic():
            response = self.get_response(request)
        tenant_id = getattr(request, _TENANT_ATTR, None)
        # A streamed body (CSV export) reads the database after the view returns; files need none.
        if type(response) is StreamingHttpResponse and tenant_id is not None and not response.is_async:
            response.streaming_content = _in_tenant(
                tenant_id, cast(Iterator[bytes], response.streaming_content)
            )
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        tenant_id = request_tenant_id(request, kwargs)
        if tenant_id is not None:
            set_current_tenant(tenant_id)
            setattr(request, _TENANT_ATTR, tenant_id)


_TENANT_ATTR = "_hazard_ledger_tenant_id"


def request_tenant_id(request: HttpRequest, view_kwargs: dict[str, Any]) -> int | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and getattr(user, "tenant_id", None):
        return int(user.tenant_id)
    slug = view_kwargs.get("tenant")
    if isinstance(slug, str):
        from .models import Tenant  # the tenant table is exempt from row-level security

        return Tenant.objects.filter(slug=slug).values_list("pk", flat=True).first()
    return None


def _in_tenant(tenant_id: int, chunks: Iterable[bytes]) -> Iterator[bytes]:
    with tenant_context(tenant_id):
        yield from chunks

"""Request middleware: domain errors become the page a person should see (404/403/409); oversized
bodies are refused before anything reads them (413); each request runs in one transaction scoped to its
tenant by the database (row-level security); the audit log knows the request's address; browser sessions
follow the level-3 sign-in rules."""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import get_user as django_get_user
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.client_address import client_address
from core.errors import DomainError
from core.own_writes import note_own_write
from core.replica import (
    held_for_own_writes,
    reads_on_replica,
    replica_configured,
    url_reads_on_replica,
)
from core.rls import set_current_tenant, tenant_context
from organizations.signing_in.lookups import session_sign_in
from organizations.signing_in.policy import PASSWORD_EXPIRED, demo_refused, session_end_reason, sign_out

from .audit import request_address
from .models import Tenant
from .passwords import password_expired
from .scoping import remember_scope, set_tenant_reading_scope


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
    """Once a request's tenant is known, the rest of it is one transaction in which the database lets
    through only that tenant's rows (row-level security, core/rls.py).

    The tenant comes from the session (kept there at sign-in, so it is set before the user row is read:
    users are under row-level security too), or on the public site from the URL's tenant slug; API
    token users are known only when DRF authenticates, and `TenantTokenAuthentication` enters the
    transaction then. A request with no tenant (the login page, static checks) opens none. A streamed
    response is produced after the view returns, so its body runs in a tenant transaction of its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with contextlib.ExitStack() as stack:  # closes (commits or rolls back) the tenant transaction
            setattr(request, _STACK_ATTR, stack)
            response = self.get_response(request)
            # Django turns a crash into a 500 response before it reaches us: undo the request's writes.
            if response.status_code >= 500 and getattr(request, _TENANT_ATTR, None) is not None:
                transaction.set_rollback(True)
        tenant_id = getattr(request, _TENANT_ATTR, None)
        user_id = getattr(request, _USER_ATTR, None)
        if user_id is not None and request.method not in SAFE_METHODS and response.status_code < 400:
            note_own_write(user_id)  # their next pages show it (core/own_writes.py)
        # A streamed body (CSV export) reads the database after the view returns; files need none.
        if type(response) is StreamingHttpResponse and tenant_id is not None and not response.is_async:
            response.streaming_content = _in_tenant(
                tenant_id,
                cast(Iterator[bytes], response.streaming_content),
                replica=getattr(request, _REPLICA_ATTR, False) and not held_for_own_writes(user_id),
            )
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        if replica_configured() and request.method in SAFE_METHODS:
            match = request.resolver_match
            setattr(request, _REPLICA_ATTR, url_reads_on_replica(match.url_name if match else None))
        sign_in = session_sign_in(request)
        if getattr(view, TENANT_ON_DEMAND, False) and sign_in is None:
            return  # the view begins the transaction if it reads the database (enter_tenant_on_demand)
        if sign_in is not None and sign_in.tenant_id is not None:
            enter_tenant(request, sign_in.tenant_id, user_id=sign_in.user_id)
            return
        tenant_id = url_tenant_id(kwargs)
        if tenant_id is not None:
            enter_tenant(request, tenant_id)


TENANT_ON_DEMAND = "tenant_on_demand"


def tenant_on_demand(view: Callable[..., Any]) -> Callable[..., Any]:
    """For public views that are mostly served from a cache: an anonymous request gets no tenant transaction
    up front (three round trips to the database a page); the view calls enter_tenant_on_demand before it
    reads the database."""
    setattr(view, TENANT_ON_DEMAND, True)
    return view


def enter_tenant_on_demand(request: HttpRequest, tenant_id: int) -> None:
    """Begin the tenant transaction now, unless the request is already in one (a signed-in visitor's)."""
    if getattr(request, _TENANT_ATTR, None) is None:
        enter_tenant(request, tenant_id)


_STACK_ATTR = "_hazard_ledger_tenant_stack"
_TENANT_ATTR = "_hazard_ledger_tenant_id"
_SCOPE_ATTR = "_hazard_ledger_signed_in_scope"
_USER_ATTR = "_hazard_ledger_user_id"
_REPLICA_ATTR = "_hazard_ledger_reads_on_replica"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def enter_tenant(request: HttpRequest, tenant_id: int, *, user_id: int | None = None) -> bool:
    """Begin the request's tenant transaction (ended by the middleware) and set the tenant in it; for a
    signed-in user of that tenant, read their scope in the same round trip. False when there is no
    transaction to set it in (not under the middleware, outside transaction.atomic)."""
    stack: contextlib.ExitStack[Any] | None = getattr(request, _STACK_ATTR, None)
    if stack is not None:
        stack.enter_context(transaction.atomic())
    elif not connection.in_atomic_block:
        return False  # the database shows this request nothing
    if user_id is not None:
        setattr(request, _SCOPE_ATTR, set_tenant_reading_scope(user_id=user_id, tenant_id=tenant_id))
        _read_user_again(request)
    else:
        set_current_tenant(tenant_id)
    setattr(request, _TENANT_ATTR, tenant_id)
    setattr(request, _USER_ATTR, user_id)
    # A view of REPLICA_READ_VIEWS reads on the standby, in a transaction of its own beside this one,
    # unless this user has just written (they must see it) or the standby lags or is away.
    if stack is not None and getattr(request, _REPLICA_ATTR, False) and not held_for_own_writes(user_id):
        if user_id is not None:
            # Who is signed in is read on the primary: a user the standby has not replayed yet (just made,
            # or their password just changed) would otherwise be signed out by a page of the standby.
            request.user.is_authenticated  # noqa: B018 (evaluates the lazy user now)
        stack.enter_context(reads_on_replica(tenant_id))
    return True


def attach_scope(request: HttpRequest, user: Any) -> None:
    """Give the user read in this request the scope read with its tenant (when it is theirs)."""
    scope = getattr(request, _SCOPE_ATTR, None)
    if scope is not None and user is not None and scope.user_id == getattr(user, "pk", None):
        remember_scope(user, scope)


def _read_user_again(request: HttpRequest) -> None:
    """request.user is read lazily; one read before the tenant was set would have found no row."""
    if hasattr(request, "_cached_user"):
        del request._cached_user

    def user() -> Any:
        signed_in = django_get_user(request)
        attach_scope(request, signed_in)
        return signed_in

    request.user = SimpleLazyObject(user)  # type: ignore[assignment]


def url_tenant_id(view_kwargs: dict[str, Any]) -> int | None:
    slug = view_kwargs.get("tenant")
    if isinstance(slug, str):
        # Read before any tenant is set: the tenant table is exempt from row-level security.
        return Tenant.objects.filter(slug=slug).values_list("pk", flat=True).first()
    return None


def _in_tenant(tenant_id: int, chunks: Iterable[bytes], *, replica: bool = False) -> Iterator[bytes]:
    with tenant_context(tenant_id), contextlib.ExitStack() as stack:
        if replica:
            stack.enter_context(reads_on_replica(tenant_id))
        yield from chunks


class RequestSizeLimitMiddleware:
    """Refuse an oversized body from its Content-Length, before anything reads it (413).

    Django limits form bodies (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files, and DRF's JSON parser
    reads the raw stream past that limit; this applies one rule to all: multipart uploads up to
    MAX_UPLOAD_REQUEST_BYTES, every other body up to DATA_UPLOAD_MAX_MEMORY_SIZE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = str(request.META.get("CONTENT_TYPE", "")).startswith("multipart/")
        limit = settings.MAX_UPLOAD_REQUEST_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            message = _("The request is larger than %(mb)d MB.") % {"mb": max(1, limit // (1024 * 1024))}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(request, "error.html", {"status": 413, "message": message}, status=413)
        return self.get_response(request)


class RequestAddressMiddleware:
    """The request's client address (as core.client_address trusts it), for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with request_address(client_address(request)):
            return self.get_response(request)


_SESSION_ENDED = {
    "idle": gettext_lazy("You were signed out after %(minutes)d minutes without activity."),
    "lifetime": gettext_lazy("You were signed out: a session lasts at most %(hours)d hours. Sign in again."),
    "demo": gettext_lazy("Demo accounts are switched off on this server."),
}
# Pages a user whose password must change may still open: the change itself, signing out, the language.
_OPEN_WHILE_EXPIRED = frozenset(
    {"password_change", "password_change_done", "logout", "login", "set_language"}
)


class SignInPolicyMiddleware:
    """Browser sessions under the level-3 rules (organizations/signing_in/policy.py): a session ends after
    SESSION_IDLE_MINUTES without a request or SESSION_LIFETIME_HOURS after sign-in (and a demo account's
    when demo accounts are off); a user whose password expired (or was set by an administrator) is sent to
    the password-change page until they change it — the API answers them 403. API tokens are checked by
    TenantTokenAuthentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> HttpResponseBase | None:
        # In process_view, after TenantTransactionMiddleware's: users are under row-level security, so the
        # user row can be read only once the request's tenant is set.
        if SESSION_KEY in request.session and request.user.is_authenticated:
            reason = "demo" if demo_refused(request.user) else session_end_reason(request.session)
            if reason:
                sign_out(request, reason=reason)
                limits = {"minutes": settings.SESSION_IDLE_MINUTES, "hours": settings.SESSION_LIFETIME_HOURS}
                messages.info(request, str(_SESSION_ENDED[reason]) % limits)
            elif password_expired(request.user) and not _open_while_expired(request):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": str(PASSWORD_EXPIRED)}, status=403)
                messages.warning(
                    request,
                    _("Choose a new password to go on: yours has expired or was set by an administrator."),
                )
                return redirect("password_change")
        return None


def _open_while_expired(request: HttpRequest) -> bool:
    if request.path.startswith(("/public/", settings.STATIC_URL)):
        return True
    try:
        return resolve(request.path_info).url_name in _OPEN_WHILE_EXPIRED
    except Resolver404:
        return True  # nothing there: the 404 page

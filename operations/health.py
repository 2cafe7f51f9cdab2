"""/healthz/: can this process reach what it needs — the database, the Redis cache and the Celery broker?

200 with {"status": "ok", ...} when all three answer, 503 naming the ones that do not. It is asked by the
container healthcheck every few seconds, so it is cheap and open: no sign-in, no rate limit, no tenant
transaction (it reads no table), no redirect to HTTPS (settings.SECURE_REDIRECT_EXEMPT). It says only
"ok" or "unreachable" per dependency — never an address, a version or an error text (those go to the log).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

_BROKER_TIMEOUT_SECONDS = 3


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    # A round trip that only a working cache completes: write a fresh value and read it back.
    token = secrets.token_hex(8)
    cache.set("healthz", token, timeout=30)
    if cache.get("healthz") != token:
        raise RuntimeError("the cache did not return what was just written")


def _broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=_BROKER_TIMEOUT_SECONDS
        )


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "broker": _broker}


def health_checks() -> dict[str, bool]:
    """Each dependency and whether it answered; a failure is logged with its reason."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.warning("health check %s failed", name, exc_info=True)
            results[name] = False
        else:
            results[name] = True
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    results = health_checks()
    failed = [name for name, ok in results.items() if not ok]
    body: dict[str, object] = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: "ok" if ok else "unreachable" for name, ok in results.items()},
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)

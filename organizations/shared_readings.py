"""Readings shared by every user of one scope — the landing numbers, a campaign's wall chart and dashboard —
counted once and kept LANDING_CACHE_SECONDS, then counted again by a worker before they expire.

A province's counts cost hundreds of milliseconds (a second under load), and these pages are opened all day
long: whoever found the figure expired used to wait for the count. Now a reading read in the second half of
its life asks a worker (once, whoever asks first) to count it again, and the users keep getting the figure
they have until the new one is stored; only a reading nobody looked at for a whole LANDING_CACHE_SECONDS is
counted in a request. No figure is ever older than LANDING_CACHE_SECONDS: that promise is unchanged.

A user's own change shows at once: the key carries when they last wrote (core/own_writes.py). The worker
counts as the user who asked, and stores the figure only when that user's key is still the one asked for
(their scope or last write unchanged), so a reading is never filled with another scope's rows.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from core.own_writes import last_own_write
from core.replica import reads_on_replica
from core.rls import tenant_context

from .models import User
from .scoping import scope_for

logger = logging.getLogger(__name__)

# A reading read once this share of LANDING_CACHE_SECONDS old is counted again by a worker.
REFRESH_AFTER_SHARE = 0.5

# name -> the function that counts it: f(actor, **params), params being ids and other plain values (they
# travel to the worker).
READINGS: dict[str, Callable[..., Any]] = {}


def shared_reading[F: Callable[..., Any]](name: str) -> Callable[[F], F]:
    """Register a function as the reading `name`, so that a worker can count it again."""

    def register(function: F) -> F:
        READINGS[name] = function
        return function

    return register


def _key(name: str, actor: User, params: dict[str, Any]) -> str:
    scope = scope_for(actor)
    arguments = ",".join(f"{field}={params[field]}" for field in sorted(params))
    return (
        f"scoped:{name}:{arguments}:{translation.get_language()}:{scope.tenant_id}:{scope.fingerprint()}:"
        f"{last_own_write(actor.pk) or '-'}"
    )


def cached_for_scope(name: str, actor: User, **params: Any) -> Any:
    """The reading `name` for the actor's scope: shared with every user of that scope, recounted ahead of
    its expiry (see the module's description)."""
    count = READINGS[name]
    seconds = settings.LANDING_CACHE_SECONDS
    if not seconds:
        return count(actor, **params)
    key = _key(name, actor, params)
    entry = cache.get(key)
    if entry is None:
        value = count(actor, **params)
        cache.set(key, (time.time(), value), timeout=seconds)
        return value
    counted_at, value = cast(tuple[float, Any], entry)
    if time.time() - counted_at >= seconds * REFRESH_AFTER_SHARE:
        _ask_for_recount(name, key, actor, params)
    return value


def _ask_for_recount(name: str, key: str, actor: User, params: dict[str, Any]) -> None:
    """Queue one recount of the reading (the first to ask wins until it is due again); a broker that cannot
    be reached costs the page nothing — the reading is then counted when it expires."""
    from .tasks import recount_shared_reading

    if not cache.add(f"{key}:recount", 1, timeout=max(1, int(settings.LANDING_CACHE_SECONDS * 0.5))):
        return
    try:
        recount_shared_reading.delay(
            name=name,
            module=count_module(name),
            key=key,
            user_id=actor.pk,
            tenant_id=scope_for(actor).tenant_id,
            language=translation.get_language(),
            params=params,
        )
    except Exception as error:  # the broker is down: no error for the user
        logger.warning("could not queue the recount of %s: %s", name, error)


def count_module(name: str) -> str:
    """The module that registers the reading: the worker imports it to find the reading."""
    return READINGS[name].__module__


def recount(
    *,
    name: str,
    module: str,
    key: str,
    user_id: int,
    tenant_id: int,
    language: str | None,
    params: dict[str, Any],
) -> bool:
    """The worker's recount of one reading, as the user who asked; False (nothing stored) when that user's
    key has changed since (another scope, a later own write) or the user is gone."""
    importlib.import_module(module)  # registers the reading, in a worker that never imported it
    with (
        translation.override(language),
        tenant_context(tenant_id),
        reads_on_replica(tenant_id),  # a reading tolerates the standby's few seconds
    ):
        actor = User.objects.filter(pk=user_id, is_active=True).first()
        if actor is None or _key(name, actor, params) != key:
            return False
        value = READINGS[name](actor, **params)
    cache.set(key, (time.time(), value), timeout=settings.LANDING_CACHE_SECONDS)
    return True

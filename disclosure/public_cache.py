"""The public pages' cache: shared in Redis per tenant generation, plus a second of memory in each process.

Redis holds each built page with the tenant's generation number; publishing moves the generation on, so every
process sees a new month at its next request. In front of it each process keeps the pages it served in the
last PUBLIC_LOCAL_CACHE_SECONDS (default 1 s): under a crowd, most requests then cost no round trip at all.
Publishing clears the memory of the process that published at once; other processes follow within that second.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

LOCAL_LIMIT = 1000  # pages per process; beyond it the memory starts again empty
_local: dict[str, tuple[float, Any]] = {}


def generation_key(tenant_id: int) -> str:
    return f"public-generation:{tenant_id}"


def _local_key(key: str) -> str:
    return f"{cache.key_prefix}:{key}"  # the cache's namespace too (tests give each test its own)


def local_get(key: str) -> Any:
    entry = _local.get(_local_key(key))
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def local_set(key: str, value: Any) -> None:
    seconds = settings.PUBLIC_LOCAL_CACHE_SECONDS
    if seconds <= 0:
        return
    if len(_local) >= LOCAL_LIMIT:
        _local.clear()
    _local[_local_key(key)] = (time.monotonic() + seconds, value)


def invalidate(tenant_id: int) -> None:
    """Public pages are cached per tenant under a generation number; a publication moves it on."""
    key = generation_key(tenant_id)
    cache.add(key, 0, timeout=None)
    cache.incr(key)
    _local.clear()

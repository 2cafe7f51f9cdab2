"""API rate limits: DRF's sliding window (N requests in any period), counted in Redis by one script.

DRF's own throttles read the caller's whole request history from the cache, append to it and write it
back: two round trips per request carrying up to N timestamps, and two concurrent requests can each write
back a history without the other's request in it. Here one Lua script trims the window, counts and
records the request atomically, in one round trip. Keys go through the cache's key function, so they share
its prefix (each test's own namespace, tests/conftest.py).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

# KEYS[1] the caller's window; ARGV: now, period (s), limit, a unique member. Returns 1 if allowed, else
# the time the oldest request in the window was made (the caller may retry once it leaves the window).
_SLIDING_WINDOW = """
local now, period, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(period))
return 1
"""


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


@cache
def _script() -> Any:
    return _redis().register_script(_SLIDING_WINDOW)


@dataclass(frozen=True)
class WindowHit:
    """One request counted (or refused) in a sliding window."""

    allowed: bool
    wait: float | None  # when refused: seconds until the oldest request leaves the window
    key: str  # the full Redis key
    member: str  # this request's entry in the window


def sliding_window_hit(key: str, *, limit: int, period: int, now: float | None = None) -> WindowHit:
    """Count one request under `key` (a cache key, prefixed like the cache's) if fewer than `limit` were
    counted in the last `period` seconds: check and record in one atomic step."""
    full_key = django_cache.make_key(key)
    now = time.time() if now is None else now
    member = f"{now!r}:{uuid.uuid4().hex}"
    answer = _script()(keys=[full_key], args=[repr(now), period, limit, member])
    if answer == 1:
        return WindowHit(True, None, full_key, member)
    return WindowHit(False, max(0.0, float(answer) + float(period) - now), full_key, member)


def sliding_window_give_back(hit: WindowHit) -> None:
    """Take a counted request out of its window again (e.g. a sign-in that succeeded)."""
    if hit.allowed:
        _redis().zrem(hit.key, hit.member)


class SlidingWindowMixin(SimpleRateThrottle):
    num_requests: int  # set from the rate by SimpleRateThrottle.__init__
    duration: int
    _wait: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        hit = sliding_window_hit(self.key, limit=self.num_requests, period=self.duration, now=self.timer())
        self._wait = hit.wait
        return hit.allowed

    def wait(self) -> float | None:
        return self._wait


class SlidingAnonRateThrottle(SlidingWindowMixin, AnonRateThrottle):
    pass


class SlidingUserRateThrottle(SlidingWindowMixin, UserRateThrottle):
    pass

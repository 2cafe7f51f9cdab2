"""API rate limits: DRF's sliding window (N requests in any period), counted in Redis by one script.

DRF's own throttles read the caller's whole request history from the cache, append to it and write it
back: two round trips per request carrying up to N timestamps, and two concurrent requests can each write
back a history without the other's request in it. Here one Lua script trims the window, counts and
records the request atomically, in one round trip. Keys go through the cache's key function, so they share
its prefix (each test's own namespace, tests/conftest.py).
"""

from __future__ import annotations

import uuid
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
def _script() -> Any:
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    return client.register_script(_SLIDING_WINDOW)


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
        now = self.timer()
        answer = _script()(
            keys=[django_cache.make_key(self.key)],
            args=[repr(now), self.duration, self.num_requests, f"{now!r}:{uuid.uuid4().hex}"],
        )
        if answer == 1:
            return True
        self._wait = max(0.0, float(answer) + float(self.duration) - now)
        return False

    def wait(self) -> float | None:
        return self._wait


class SlidingAnonRateThrottle(SlidingWindowMixin, AnonRateThrottle):
    pass


class SlidingUserRateThrottle(SlidingWindowMixin, UserRateThrottle):
    pass

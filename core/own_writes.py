"""When each user last changed something: what is computed once for many requests (replica reads, cached
landing numbers) must still show a user what they themselves have just done.

The tenant middleware notes every successful POST, PUT, PATCH or DELETE of a signed-in user here (one
cache write); readers ask how long ago that was, or use the note as part of a cache key.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

_KEY = "own-write:{user_id}"


def note_own_write(user_id: int) -> None:
    """Remember that `user_id` has just written, for as long as anything may need to know."""
    keep = max(
        settings.REPLICA_MAX_LAG_SECONDS + 1, settings.LANDING_CACHE_SECONDS, settings.INBOX_BADGE_SECONDS, 1
    )
    cache.set(_KEY.format(user_id=user_id), time.time(), timeout=keep)


def last_own_write(user_id: int | None) -> float | None:
    """When the user last wrote (a UNIX time), if recently enough to be remembered."""
    if user_id is None:
        return None
    value = cache.get(_KEY.format(user_id=user_id))
    return float(value) if value is not None else None

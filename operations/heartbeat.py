"""Celery beat's heartbeat: the scheduler touches a file on every tick of its loop, and the container
healthcheck (operations/healthcheck.py) calls beat healthy while the file is fresh.

A process check would say little in a container, where beat is the process the container lives by; a
stale heartbeat says its loop has stopped (hung on a lock, a dead connection) while the process lives.
Run beat with `--scheduler operations.heartbeat:HeartbeatScheduler --max-interval 60` so it ticks at least
every minute.
"""

from __future__ import annotations

from typing import Any

from celery.beat import PersistentScheduler

from .healthcheck import heartbeat_path


def heartbeat_touch() -> None:
    heartbeat_path().touch()  # creates the file, or sets its time to now


class HeartbeatScheduler(PersistentScheduler):
    """The default scheduler (schedule kept in the --schedule file), which also touches the heartbeat."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        heartbeat_touch()
        return float(interval)

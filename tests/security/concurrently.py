"""Run callables at the same moment on separate database connections, for the concurrency suites.

Each callable runs in its own thread (Django gives every thread its own connection). To make the race
real rather than lucky, the caller may hold a lock the callables need: `race` waits until every one of
them is blocked on it in PostgreSQL, then lets them all go.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction
from django.utils import translation


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        # Activity statistics are a snapshot per transaction, and the gate holds one open.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _run(work: Callable[[], Any], outcome: Outcome) -> None:
    try:
        with translation.override("en"):  # as the test thread: messages are asserted in English
            outcome.value = work()
    except BaseException as error:  # handed back to the test, which asserts on it
        outcome.error = error
    finally:
        connections.close_all()


@contextlib.contextmanager
def holding(sql: str, params: list[Any] | None = None) -> Iterator[None]:
    """Hold, in the test's own transaction, the lock that `sql` takes, until the block ends."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        yield


def race(
    *works: Callable[[], Any], gate: tuple[str, list[Any]] | None = None, wait: float = 30
) -> list[Outcome]:
    """Start every callable at once; with a gate (SQL taking a lock), release them together."""
    outcomes = [Outcome() for _ in works]
    threads = [threading.Thread(target=_run, args=(w, o)) for w, o in zip(works, outcomes, strict=True)]
    if gate is None:
        for thread in threads:
            thread.start()
    else:
        with holding(*gate):
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + wait
            while _lock_waiters() < sum(thread.is_alive() for thread in threads):
                if time.monotonic() > deadline:
                    raise AssertionError("the racers never queued up behind the held lock")
                time.sleep(0.02)
    for thread in threads:
        thread.join(wait)
        assert not thread.is_alive(), "a racer is stuck"
    return outcomes

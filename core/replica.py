"""Reads on a streaming replica (a PostgreSQL hot standby), for the pages that tolerate a little staleness.

With DATABASE_REPLICA_URL set there is a second connection, `replica`. Nothing goes there by default:
a task asks for it with `reads_on_replica`, and a GET of a view named in REPLICA_READ_VIEWS gets it from
the tenant middleware; then, for that request only, the router sends its reads to the standby
in a read transaction of their own in which the tenant is set exactly as on the primary — the standby is
a byte-for-byte copy, so its row-level security is the primary's.

Everything else stays on the primary:
- every write, and every read of a request after it has written (`_WriteSpotter` watches the primary's
  connection), so a transaction never reads around its own changes;
- a user's reads for a short while after their own write (core/own_writes.py), so that what they just
  did is on the next page even when the standby has not replayed it yet;
- all reads while the standby lags more than REPLICA_MAX_LAG_SECONDS or cannot be reached: the check is
  made once per REPLICA_HEALTH_SECONDS per process and costs one query, and a failed one is no error,
  only a read from the primary.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from .own_writes import last_own_write
from .rls import set_current_tenant

logger = logging.getLogger(__name__)

REPLICA = "replica"
# On the standby: how far its replay is behind, in seconds (0 when it has replayed all it received).
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
END
"""


class _Reads:
    """Where this request's (or task's) reads go; a context variable, so threads never share it."""

    def __init__(self) -> None:
        self.on_replica = False
        self.wrote = False


_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


class ReplicaRouter:
    """Reads go to the replica only inside `reads_on_replica` and before the request writes anything;
    writes always go to the primary. Every answer is explicit, never None: an object read on the replica
    must not carry its later lookups back there (Django would route by the instance's own database)."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        reads = _reads.get()
        if reads is not None and reads.on_replica and not reads.wrote:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is the same database

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_configured() -> bool:
    return REPLICA in connections.settings


@dataclass
class _Health:
    checked_at: float = float("-inf")
    usable: bool = False
    lag_seconds: float | None = None


_health = _Health()


def forget_health() -> None:
    """Check the standby again at the next read (tests; after an operator repaired it)."""
    global _health
    _health = _Health()


def replica_lag_seconds() -> float:
    """The standby's replay lag now (a query on the standby; raises when it cannot be reached)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def replica_usable() -> bool:
    """Whether the standby may serve reads now: reachable and lagging no more than allowed. Checked at most
    once per REPLICA_HEALTH_SECONDS in each process."""
    global _health
    if not replica_configured():
        return False
    now = time.monotonic()
    if now - _health.checked_at < settings.REPLICA_HEALTH_SECONDS:
        return _health.usable
    try:
        lag: float | None = replica_lag_seconds()
    except DatabaseError as error:
        logger.warning("read replica unreachable, reading from the primary: %s", error)
        connections[REPLICA].close()
        lag = None
    usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
    if lag is not None and not usable:
        logger.info("read replica %.1f s behind, reading from the primary", lag)
    _health = _Health(checked_at=now, usable=usable, lag_seconds=lag)
    return usable


class _WriteSpotter:
    """Watches the primary's connection during replica reads: once anything but a read goes there, the
    rest of the request reads from the primary too (it must see its own writes)."""

    READS = ("SELECT", "SET", "SHOW", "WITH", "DECLARE", "FETCH", "CLOSE")

    def __init__(self, reads: _Reads) -> None:
        self.reads = reads

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statement = sql.lstrip().upper()
        if not statement.startswith(self.READS) or " FOR UPDATE" in statement or " FOR NO KEY" in statement:
            self.reads.wrote = True
        return execute(sql, params, many, context)


@contextlib.contextmanager
def reads_on_replica(tenant_id: int | None) -> Iterator[bool]:
    """Until the block ends, reads go to the standby (when it is usable), in a read transaction of its own
    with `tenant_id` set; yields whether they do. Writes, and reads after a write, go to the primary."""
    if _reads.get() is not None or not replica_usable():
        yield False
        return
    reads = _Reads()
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(transaction.atomic(using=REPLICA))
            set_current_tenant(tenant_id, using=REPLICA)
        except DatabaseError as error:  # went away since the health check
            logger.warning("read replica failed, reading from the primary: %s", error)
            stack.close()
            connections[REPLICA].close()
            forget_health()
            yield False
            return
        stack.enter_context(connections[DEFAULT_DB_ALIAS].execute_wrapper(_WriteSpotter(reads)))
        reads.on_replica = True
        token = _reads.set(reads)
        try:
            yield True
        finally:
            _reads.reset(token)


def url_reads_on_replica(url_name: str | None) -> bool:
    """Whether the view of a URL (by its name) is one whose reads tolerate a little staleness: the names
    and patterns (fnmatch) of REPLICA_READ_VIEWS — public pages, dashboards, rankings, exports."""
    return url_name is not None and any(fnmatch.fnmatchcase(url_name, p) for p in settings.REPLICA_READ_VIEWS)


def held_for_own_writes(user_id: int | None) -> bool:
    """Whether the user wrote so recently that the standby may not have replayed it yet."""
    written = last_own_write(user_id)
    return written is not None and time.time() - written <= settings.REPLICA_MAX_LAG_SECONDS + 1

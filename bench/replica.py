"""`make bench BENCH_REPLICA=1`: the mixed load with a streaming standby beside the primary.

A standby of the bench's database is made with pg_basebackup (operations/standby.py) and named in
DATABASE_REPLICA_URL for the gunicorn that serves the load; while the load runs, the standby's replay lag is
sampled ten times a second, and each server's committed transactions in the database are counted, so the
report says what share of the load's database work the standby took and how far behind it ran under the
load's writes.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
from django.db import connections

from core.replica import LAG_SQL
from operations.postgres import connection_for, server_major
from operations.standby import Standby, standby_create

from .rows import Row

_XACTS = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"


@contextlib.contextmanager
def standby(directory: Path) -> Iterator[Standby]:
    """A streaming standby of the bench's database, named in DATABASE_REPLICA_URL while the block runs
    (the gunicorn started inside it reads there)."""
    primary = dict(connections["default"].settings_dict)
    server = standby_create(primary=primary, directory=directory, major=server_major(connections["default"]))
    url = f"postgres://{primary['USER']}@/{primary['NAME']}?host={server.socket_dir}&port={server.port}"
    previous = os.environ.get("DATABASE_REPLICA_URL")
    os.environ["DATABASE_REPLICA_URL"] = url
    try:
        server.catch_up(timeout=600)
        yield server
    finally:
        if previous is None:
            os.environ.pop("DATABASE_REPLICA_URL", None)
        else:
            os.environ["DATABASE_REPLICA_URL"] = previous
        server.remove()  # its slot on the primary, and a whole copy of the database


@dataclass
class ReplicaFigures:
    lags: list[float] = field(default_factory=list)
    primary_xacts: int = 0
    standby_xacts: int = 0

    @property
    def share(self) -> float:
        total = self.primary_xacts + self.standby_xacts
        return self.standby_xacts / total if total else 0.0


def _count(conn: Any) -> int:
    with conn.cursor() as cursor:
        cursor.execute(_XACTS)
        return int(cursor.fetchone()[0])


@contextlib.contextmanager
def watch(server: Standby) -> Iterator[ReplicaFigures]:
    """Sample the standby's lag and count both servers' transactions while the block runs."""
    figures = ReplicaFigures()
    conninfo, _env = connection_for(server.primary, str(server.primary["NAME"]))
    with contextlib.ExitStack() as stack:
        primary = psycopg2.connect(conninfo)
        primary.autocommit = True
        stack.callback(primary.close)
        replica = stack.enter_context(server.superuser())
        before = _count(primary), _count(replica)
        done = threading.Event()

        def sample() -> None:
            with server.superuser() as conn, conn.cursor() as cursor:
                while not done.wait(0.1):
                    cursor.execute(LAG_SQL)
                    figures.lags.append(float(cursor.fetchone()[0]))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield figures
        finally:
            done.set()
            sampler.join(timeout=10)
            time.sleep(1.5)  # pg_stat_database is published by each backend at most once a second
            figures.primary_xacts = _count(primary) - before[0]
            figures.standby_xacts = _count(replica) - before[1]


def replica_row(figures: ReplicaFigures) -> Row:
    ordered = sorted(figures.lags) or [0.0]
    lag_p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Row(
        "mixed load with a streaming standby: its share of the transactions; replay lag p99",
        f"{100 * figures.share:.0f} % on the standby; lag p99 {lag_p99:.2f} s",
        f"{figures.primary_xacts:,} on the primary, {figures.standby_xacts:,} on the standby",
        "",
        "reported (lag p99 ≤ REPLICA_MAX_LAG_SECONDS, 5 s)",
        lag_p99 <= 5,
    )

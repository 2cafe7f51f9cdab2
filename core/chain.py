"""Tamper evidence for the hash-chained logs (the ledger's events, the audit log): walk one chain and report
its first broken link.

The database builds each chain (hazards migration 0005, organizations migration 0002): every row carries
its chain's sequence number, the previous row's hash and its own SHA-256 over its canonical content,
computed by a digest function of the table. Walking a chain recomputes every digest with that function and
checks three things per link — the sequence has no gap, `prev_hash` is the previous row's hash, `hash`
matches the content — and at the end that the chain head (the last link the database recorded) is the last
row found, so removing the newest rows is caught as well. A chain pruned after its retention period starts
at its floor: the sequence number and hash of the last row removed, which the head keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

GENESIS = "0" * 64
_BATCH = 5000


@dataclass(frozen=True)
class ChainTable:
    """Where a chain's rows are: the table, its digest function, and what a row is called in a report."""

    table: str
    digest_function: str
    noun: str  # "events", "entries"


@dataclass(frozen=True)
class ChainBreak:
    """The first link that does not hold: the row's sequence number (and id when there is a row)."""

    seq: int
    row_id: int | None
    reason: str

    @property
    def event_id(self) -> int | None:  # the name the ledger's reports use
        return self.row_id


@dataclass(frozen=True)
class ChainReport:
    tenant_slug: str
    events: int  # rows walked (events, entries)
    head_hash: str
    first_break: ChainBreak | None
    noun: str = "events"

    @property
    def intact(self) -> bool:
        return self.first_break is None

    def __str__(self) -> str:
        if self.first_break is None:
            return f"{self.tenant_slug}: {self.events} {self.noun}, chain intact, head {self.head_hash}"
        link = self.first_break
        where = f"{self.noun[:-1]} {link.row_id} " if link.row_id is not None else ""
        return f"{self.tenant_slug}: chain BROKEN at seq {link.seq} ({where}{link.reason})"


@dataclass(frozen=True)
class ChainHead:
    """What the database recorded of a chain: its last link, and where pruning left its first."""

    seq: int
    hash: str
    floor_seq: int = 0
    floor_hash: str = GENESIS


def chain_walk(
    chain: ChainTable,
    *,
    name: str,
    where: str,
    params: list[Any],
    read_head: Callable[[], ChainHead | None],
) -> ChainReport:
    """Walk the rows `where` selects (one chain) in sequence order, in batches; stop at the first broken link.

    Run it where the rows are visible (the tenant's transaction, or as the owner for the chain of no tenant).
    The head is read before the walk for the floor, and after it for the last link.
    """
    floor = read_head() or ChainHead(0, GENESIS)
    expected_seq, previous_hash, rows_seen = floor.floor_seq + 1, floor.floor_hash, 0
    # Table and function names come from ChainTable constants; every value is a parameter.
    select = f"SELECT e.id, e.seq, e.prev_hash, e.hash, {chain.digest_function}(e) FROM {chain.table} e"  # noqa: S608
    sql = f"{select} WHERE {where} AND e.seq > %s ORDER BY e.seq LIMIT %s"

    def broken(seq: int, row_id: int | None, reason: str) -> ChainReport:
        return ChainReport(name, rows_seen, previous_hash, ChainBreak(seq, row_id, reason), chain.noun)

    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [*params, expected_seq - 1, _BATCH])
            rows = cursor.fetchall()
            for row_id, seq, prev_hash, stored_hash, recomputed in rows:
                if seq != expected_seq:
                    next_present = f"next present: {chain.noun[:-1]} {row_id}"
                    return broken(
                        expected_seq, None, f"missing: seq {expected_seq}..{seq - 1} removed ({next_present})"
                    )
                if problem := _link_problem(prev_hash, previous_hash, stored_hash, recomputed, chain.noun):
                    return broken(seq, row_id, problem)
                expected_seq, previous_hash, rows_seen = seq + 1, stored_hash, rows_seen + 1
            if len(rows) < _BATCH:
                break
    last_seq = expected_seq - 1
    head = read_head()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (last_seq, previous_hash):
        return broken(
            last_seq + 1,
            None,
            f"the chain head records {head_seq} {chain.noun} ending in {head_hash[:12]}…; the log ends at "
            f"seq {last_seq}: {chain.noun} after it were removed or the head was altered",
        )
    return ChainReport(name, rows_seen, previous_hash, None, chain.noun)


def _link_problem(prev_hash: str, previous_hash: str, stored_hash: str, recomputed: str, noun: str) -> str:
    row = noun[:-1]
    if prev_hash != previous_hash:
        return f"its prev_hash is not the hash of the {row} before it"
    if stored_hash != recomputed:
        return "its content no longer matches its hash (changed after it was written)"
    return ""

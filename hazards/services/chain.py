"""Tamper evidence for the event log: walk a tenant's hash chain and report its first broken link.

The chain itself is built by the database (hazards migration 0005): each event carries its tenant's
sequence number, the previous event's hash and its own SHA-256 over its canonical content. Walking it
recomputes every digest with the same database function and checks three things per link — the
sequence has no gap, `prev_hash` is the previous event's hash, `hash` matches the content — and at the
end that the chain head (the last link the database recorded) is the last event found, so removing
the newest events is caught as well.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection

from organizations.models import Tenant
from organizations.rls import tenant_context

from ..models import EventChainHead

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
_BATCH = 5000

_WALK = """
SELECT e.id, e.seq, e.prev_hash, e.hash, hazards_event_digest(e)
FROM hazards_hazardevent e
WHERE e.tenant_id = %s AND e.seq > %s
ORDER BY e.seq
LIMIT %s
"""


@dataclass(frozen=True)
class ChainBreak:
    """The first link that does not hold: the event's sequence number (and id when there is a row)."""

    seq: int
    event_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    tenant_slug: str
    events: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None

    def __str__(self) -> str:
        if self.first_break is None:
            return f"{self.tenant_slug}: {self.events} events, chain intact, head {self.head_hash}"
        link = self.first_break
        where = f"event {link.event_id} " if link.event_id is not None else ""
        return f"{self.tenant_slug}: chain BROKEN at seq {link.seq} ({where}{link.reason})"


def chain_verify(*, tenant: Tenant) -> ChainReport:
    """Walk the tenant's chain in sequence order, in batches, and stop at the first broken link."""
    with tenant_context(tenant):
        return _walk(tenant)


def _walk(tenant: Tenant) -> ChainReport:
    expected_seq, previous_hash, events = 1, GENESIS, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(_WALK, [tenant.pk, expected_seq - 1, _BATCH])
            rows = cursor.fetchall()
            for event_id, seq, prev_hash, stored_hash, recomputed in rows:
                if seq != expected_seq:
                    reason = (
                        f"missing: seq {expected_seq}..{seq - 1} removed (next present: event {event_id})"
                    )
                    return ChainReport(
                        tenant.slug, events, previous_hash, ChainBreak(expected_seq, None, reason)
                    )
                problem = _link_problem(prev_hash, previous_hash, stored_hash, recomputed)
                if problem:
                    return ChainReport(tenant.slug, events, previous_hash, ChainBreak(seq, event_id, problem))
                expected_seq, previous_hash, events = seq + 1, stored_hash, events + 1
            if len(rows) < _BATCH:
                break
    head = EventChainHead.objects.filter(tenant_id=tenant.pk).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (events, previous_hash):
        reason = (
            f"the chain head records {head_seq} events ending in {head_hash[:12]}…; "
            f"the log ends at seq {events}: events after it were removed or the head was altered"
        )
        return ChainReport(tenant.slug, events, previous_hash, ChainBreak(events + 1, None, reason))
    return ChainReport(tenant.slug, events, previous_hash, None)


def _link_problem(prev_hash: str, previous_hash: str, stored_hash: str, recomputed: str) -> str:
    if prev_hash != previous_hash:
        return "its prev_hash is not the hash of the event before it"
    if stored_hash != recomputed:
        return "its content no longer matches its hash (changed after it was written)"
    return ""


def ledger_verify_all() -> list[ChainReport]:
    """Every tenant's chain; a broken one is logged as an error (the nightly job's alarm)."""
    reports = [chain_verify(tenant=tenant) for tenant in Tenant.objects.order_by("slug")]
    for report in reports:
        if report.intact:
            logger.info("ledger %s", report)
        else:
            logger.error("ledger %s", report)
    return reports

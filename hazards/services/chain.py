"""Tamper evidence for the event log: walk a tenant's hash chain and report its first broken link.

The chain itself is built by the database (hazards migration 0005): each event carries its tenant's
sequence number, the previous event's hash and its own SHA-256 over its canonical content. The walk is
core.chain's, shared with the audit log.
"""

from __future__ import annotations

import logging

from core.chain import GENESIS, ChainBreak, ChainHead, ChainReport, ChainTable, chain_walk
from core.rls import tenant_context
from organizations.models import Tenant

from ..models import EventChainHead

__all__ = ["GENESIS", "ChainBreak", "ChainReport", "chain_verify", "ledger_verify_all"]

logger = logging.getLogger(__name__)

EVENTS = ChainTable(table="hazards_hazardevent", digest_function="hazards_event_digest", noun="events")


def chain_verify(*, tenant: Tenant) -> ChainReport:
    """Walk the tenant's chain in sequence order, in batches, and stop at the first broken link."""

    def read_head() -> ChainHead | None:
        head = EventChainHead.objects.filter(tenant_id=tenant.pk).first()
        return ChainHead(head.seq, head.hash) if head else None

    with tenant_context(tenant):
        return chain_walk(
            EVENTS, name=tenant.slug, where="e.tenant_id = %s", params=[tenant.pk], read_head=read_head
        )


def ledger_verify_all() -> list[ChainReport]:
    """Every tenant's chain; a broken one is logged as an error (the nightly job's alarm)."""
    reports = [chain_verify(tenant=tenant) for tenant in Tenant.objects.order_by("slug")]
    for report in reports:
        if report.intact:
            logger.info("ledger %s", report)
        else:
            logger.error("ledger %s", report)
    return reports

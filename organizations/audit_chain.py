"""The audit log's hash chains: walking them (nightly, and `manage.py audit_log verify`) and pruning what
is older than AUDIT_RETENTION_DAYS (`manage.py audit_log prune`, run by the database owner only).

Pruning removes a chain's oldest entries as one prefix and records the last removed entry's sequence number
and hash in the chain head (its floor): the walk starts there, so what remains still verifies link by link,
and the head still says how many entries the chain ever had. The application role can do neither: it has no
DELETE on the entries, no write on the heads, and may not switch the append-only trigger off.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import AbstractContextManager

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.chain import ChainHead, ChainReport, ChainTable, chain_walk
from core.rls import tenant_context

from .models import AuditChainHead, Tenant

logger = logging.getLogger(__name__)

ENTRIES = ChainTable(
    table="organizations_auditentry", digest_function="organizations_audit_digest", noun="entries"
)
NO_TENANT = "(no tenant)"  # how reports name the chain of sign-ins that named no tenant's account


def _in_chain(tenant: Tenant | None) -> AbstractContextManager[None]:
    """The transaction a chain is read in: its tenant's (row-level security), or the owner's own for the
    chain of no tenant (only the owner sees it)."""
    return tenant_context(tenant) if tenant is not None else transaction.atomic()


def _head(chain: int) -> ChainHead | None:
    head = AuditChainHead.objects.filter(chain=chain).first()
    return ChainHead(head.seq, head.hash, head.floor_seq, head.floor_hash) if head else None


def audit_chain_verify(*, tenant: Tenant | None) -> ChainReport:
    """Walk one tenant's audit chain (None: the chain of no tenant, as the owner) to its first broken link."""
    chain = tenant.pk if tenant is not None else 0
    where, params = ("e.tenant_id = %s", [tenant.pk]) if tenant is not None else ("e.tenant_id IS NULL", [])
    with _in_chain(tenant):
        return chain_walk(
            ENTRIES,
            name=tenant.slug if tenant is not None else NO_TENANT,
            where=where,
            params=params,
            read_head=lambda: _head(chain),
        )


def audit_verify_all() -> list[ChainReport]:
    """Every tenant's audit chain; a broken one is logged as an error (the nightly job's alarm)."""
    reports = [audit_chain_verify(tenant=tenant) for tenant in Tenant.objects.order_by("slug")]
    for report in reports:
        (logger.info if report.intact else logger.error)("audit log %s", report)
    return reports


def audit_prune(*, tenant: Tenant | None, now: dt.datetime | None = None) -> int:
    """Remove the chain's entries older than AUDIT_RETENTION_DAYS; returns how many. Database owner only.

    The audit table is locked for the length of it (taken first, so that no insert waiting for a chain head
    can deadlock with it): run it in a quiet hour.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    chain = tenant.pk if tenant is not None else 0
    tenant_id = tenant.pk if tenant is not None else None
    with _in_chain(tenant), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE organizations_auditentry IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            "SELECT seq, hash FROM organizations_auditentry WHERE tenant_id IS NOT DISTINCT FROM %s "
            "AND created_at < %s ORDER BY seq DESC LIMIT 1",
            [tenant_id, cutoff],
        )
        last = cursor.fetchone()
        if last is None:
            return 0
        # ALTER TABLE waits for nothing of this transaction: checks still deferred run now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE organizations_auditentry DISABLE TRIGGER organizations_audit_no_change")
        cursor.execute(
            "DELETE FROM organizations_auditentry WHERE tenant_id IS NOT DISTINCT FROM %s AND seq <= %s",
            [tenant_id, last[0]],
        )
        removed = cursor.rowcount
        cursor.execute("ALTER TABLE organizations_auditentry ENABLE TRIGGER organizations_audit_no_change")
        cursor.execute(
            "UPDATE organizations_auditchainhead SET floor_seq = %s, floor_hash = %s WHERE chain = %s",
            [last[0], last[1], chain],
        )
    return removed


def runs_as_owner() -> bool:
    """Whether this connection may prune and read the chain of no tenant: the table's owner or a superuser."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(current_user, tableowner, 'USAGE') OR "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user) "
            "FROM pg_tables WHERE tablename = 'organizations_auditentry'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])

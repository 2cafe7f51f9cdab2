"""Thin Celery wrappers around the ledger services."""

from celery import shared_task

from .services.chain import ledger_verify_all
from .services.overdue import overdue_sweep_all_tenants
from .services.receipts import receipts_escalate_all_tenants


@shared_task(acks_late=True)
def sweep_overdue() -> dict[str, int]:
    result = overdue_sweep_all_tenants()
    return {"newly_overdue": result.newly_overdue, "notifications": result.notifications}


@shared_task(acks_late=True)
def escalate_receipts() -> dict[str, int]:
    """Daily: handover receipts past their deadline, unacknowledged, go up to the committee above (once)."""
    result = receipts_escalate_all_tenants()
    return {"escalated": result.escalated, "notifications": result.notifications}


@shared_task
def verify_ledger() -> dict[str, bool]:
    """Nightly: walk every tenant's event hash chain; a broken one is logged as an error."""
    return {report.tenant_slug: report.intact for report in ledger_verify_all()}

"""Thin Celery wrappers around the ledger services."""

from celery import shared_task
from django.utils import timezone

from .services.chain import ledger_verify_all
from .services.deliveries import deliveries_run, deliveries_run_all
from .services.notices import notices_enqueue
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


@shared_task(acks_late=True)
def deliver_notices(tenant_id: int, delivery_ids: list[int]) -> dict[str, list[int]]:
    """Send the named deliveries (enqueued when their event commits); the failed ones come back after their
    pause (and the periodic sweep catches any a lost message left behind)."""
    result = deliveries_run(tenant=tenant_id, delivery_ids=delivery_ids)
    if result.retry_soon and result.retry_at is not None:
        countdown = max((result.retry_at - timezone.now()).total_seconds(), 0) + 0.5
        notices_enqueue(tenant_id=tenant_id, delivery_ids=result.retry_soon, countdown=countdown)
    return {"sent": result.sent, "failed": result.failed}


@shared_task(acks_late=True)
def deliver_pending_notices() -> dict[str, int]:
    """Every minute: whatever waits in any tenant's notice outbox and is due is sent."""
    return {slug: len(result.sent) for slug, result in deliveries_run_all().items()}

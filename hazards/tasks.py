"""Thin Celery wrappers around the ledger services."""

from celery import shared_task


@shared_task(acks_late=True)
def sweep_overdue() -> dict[str, int]:
    from .services.overdue import overdue_sweep

    result = overdue_sweep()
    return {"newly_overdue": result.newly_overdue, "notifications": result.notifications}

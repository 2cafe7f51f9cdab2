"""Thin Celery wrappers: take ids, call a service."""

from celery import shared_task

from .services import export_expire_all_tenants, export_job_run, export_recover_stalled_all_tenants


@shared_task(acks_late=True)
def export_run_task(job_id: int, tenant_id: int) -> str:
    return export_job_run(job_id=job_id, tenant_id=tenant_id)


@shared_task(acks_late=True)
def expire_exports() -> dict[str, int]:
    """Daily: the files of exports older than EXPORT_KEEP_DAYS are deleted; their jobs stay, expired."""
    return {"expired": export_expire_all_tenants().expired}


@shared_task
def recover_stalled_exports() -> dict[str, int]:
    """Every five minutes: exports whose worker died while writing them are queued again (or failed)."""
    result = export_recover_stalled_all_tenants()
    return {"queued_again": result.queued_again, "failed": result.failed}

"""Thin Celery wrappers: take ids, call a service."""

from typing import Any

from axes.models import AccessAttempt
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.rls import tenant_context

from .imports import (
    enterprise_import_claim,
    enterprise_import_process,
    enterprise_import_recover_stalled_all_tenants,
)
from .models import EnterpriseImport


@shared_task(acks_late=True)
def enterprise_import_task(import_id: int, tenant_id: int) -> str:
    # The claim commits first; the import is then one transaction, its progress written beside it.
    with tenant_context(tenant_id):
        attempt = enterprise_import_claim(import_id=import_id)
        if attempt is None:
            return str(EnterpriseImport.objects.values_list("status", flat=True).get(pk=import_id))
    with tenant_context(tenant_id):
        return enterprise_import_process(import_id=import_id, attempt=attempt).status


@shared_task
def recover_stalled_imports() -> dict[str, int]:
    """Every five minutes: imports whose worker died while running them are queued again (or failed)."""
    result = enterprise_import_recover_stalled_all_tenants()
    return {"queued_again": result.queued_again, "failed": result.failed}


@shared_task
def verify_audit_log() -> dict[str, bool]:
    """Nightly: walk every tenant's audit chain; a broken one is logged as an error."""
    from .audit_chain import audit_verify_all

    return {report.tenant_slug: report.intact for report in audit_verify_all()}


@shared_task
def purge_expired_login_attempts() -> int:
    """Forget failed-login records older than the cool-off; they no longer lock anyone out."""
    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted


@shared_task
def recount_shared_reading(**message: Any) -> bool:
    """A landing number, wall chart or dashboard counted again before it expires (organizations/
    shared_readings.py); a lost or repeated message costs one count, never a wrong figure."""
    from .shared_readings import recount

    return recount(**message)

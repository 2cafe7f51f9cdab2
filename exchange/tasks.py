from typing import Any

from celery import shared_task

from organizations.models import Tenant

from .standards import pulling_tenants, standards_pull
from .upward import upward_send_all

# Pause before the n-th retry of a failed standards pull: 1, 2, 4 … minutes, at most an hour.
PULL_RETRIES = 8


@shared_task(acks_late=True)
def report_upward_all() -> dict[str, int]:
    """Send every province's waiting batches (idempotent: a batch the receiver has is accepted once)."""
    return {slug: result.sent_records for slug, result in upward_send_all().items()}


@shared_task(bind=True, acks_late=True, max_retries=PULL_RETRIES)
def pull_standards(self: Any, tenant_id: int) -> str:
    """Pull one province's national standards; a failure (the national system down, a bad answer) is
    recorded for its administrator and retried with growing pauses. Idempotent."""
    result = standards_pull(tenant=Tenant.objects.get(pk=tenant_id))
    if result.failed:
        raise self.retry(countdown=min(60 * 2**self.request.retries, 3600))
    return result.summary


@shared_task(acks_late=True)
def pull_standards_all() -> list[str]:
    """Daily: every province linked to a national system pulls what it has not applied."""
    tenants = pulling_tenants()
    for tenant in tenants:
        pull_standards.delay(tenant.pk)
    return [tenant.slug for tenant in tenants]

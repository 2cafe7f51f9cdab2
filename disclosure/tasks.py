"""Thin Celery wrappers: one tenant's monthly disclosure drafts on their own (beat runs them as part of the
monthly pipeline, config.monthly)."""

from celery import shared_task
from django.utils import timezone

from core.months import parse_month, previous_month
from core.rls import tenant_context
from organizations.models import Tenant

from .services import publication_build_month


@shared_task(acks_late=True)
def build_monthly_disclosures(tenant_id: int, month: str = "") -> dict[str, int]:
    """Drafts of `month` (YYYY-MM; default the previous month) for every region of the tenant."""
    target = parse_month(month) if month else previous_month(timezone.localdate())
    # One transaction for the tenant's month: a worker killed half-way leaves no draft at all.
    with tenant_context(tenant_id):
        run = publication_build_month(tenant=Tenant.objects.get(pk=tenant_id), month=target)
    return {"created": run.created, "existing": run.existing}

"""Thin Celery wrappers: the monthly scoring, fanned out per tenant, after the disclosure job."""

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True)
def score_month(tenant_id: int, month: str = "") -> int:
    from hazards.selectors import parse_month
    from organizations.models import Tenant
    from organizations.rls import tenant_context

    from .scoring import assessment_compute_month

    first = timezone.localdate().replace(day=1)
    target = parse_month(month) if month else (first - dt.timedelta(days=1)).replace(day=1)
    with tenant_context(tenant_id):
        return assessment_compute_month(tenant=Tenant.objects.get(pk=tenant_id), month=target)


@shared_task
def monthly_scores_for_all_tenants() -> int:
    from organizations.models import Tenant

    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        score_month.delay(tenant_id)
    return len(tenant_ids)

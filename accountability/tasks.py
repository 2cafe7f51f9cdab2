"""Thin Celery wrappers: one tenant's monthly scoring on its own (beat runs it in the monthly pipeline,
config.monthly, after the disclosure drafts)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from hazards.selectors import parse_month
from organizations.models import Tenant
from organizations.rls import tenant_context

from .scoring import assessment_compute_month


@shared_task(acks_late=True)
def score_month(tenant_id: int, month: str = "") -> int:
    first = timezone.localdate().replace(day=1)
    target = parse_month(month) if month else (first - dt.timedelta(days=1)).replace(day=1)
    with tenant_context(tenant_id):
        return assessment_compute_month(tenant=Tenant.objects.get(pk=tenant_id), month=target)

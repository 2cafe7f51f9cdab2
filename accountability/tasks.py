"""Thin Celery wrappers: one tenant's monthly scoring on its own (beat runs it in the monthly pipeline,
config.monthly, after the disclosure drafts)."""

from celery import shared_task
from django.utils import timezone

from core.months import parse_month, previous_month
from core.rls import tenant_context
from organizations.models import Tenant

from .scoring import assessment_compute_month


@shared_task(acks_late=True)
def score_month(tenant_id: int, month: str = "") -> int:
    target = parse_month(month) if month else previous_month(timezone.localdate())
    with tenant_context(tenant_id):
        return assessment_compute_month(tenant=Tenant.objects.get(pk=tenant_id), month=target)

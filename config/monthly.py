"""The monthly pipeline: the jobs every tenant's month goes through, in this order.

Celery beat starts it once on the 1st (`monthly_jobs_for_all_tenants`: one `monthly_jobs` task per tenant)
and `manage.py run_monthly_jobs` runs it by hand; both walk MONTHLY_JOBS through `monthly_jobs_run`, so a job
starts when the one before it has finished, never at a clock time chosen to come after it.

Each job is idempotent and takes (tenant, month). They are named by dotted path so that config, above every
app, holds the order: disclosure and accountability do not import each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from celery import shared_task
from django.utils import timezone
from django.utils.module_loading import import_string

from core.months import parse_month, previous_month
from core.rls import tenant_context
from organizations.models import Tenant

MONTHLY_JOBS: tuple[str, ...] = (
    # The month's disclosure drafts, one per region with a committee.
    "disclosure.services.publication_build_month",
    # The month's spot checks of self-inspections, drawn and assigned to departments (accountability).
    "accountability.spot_checks.spot_check_sample_month",
    # Then the month's indicators, scores and rankings of regions, departments and enterprises.
    "accountability.scoring.assessment_compute_month",
    # The month's re-checks after closure (回头看): a sample of each region's closed major hazards.
    "hazards.services.rechecks.recheck_sample_month",
    # Then the month's aggregate per region x industry, into the outbox to the national system.
    "exchange.aggregates.upward_aggregate_month",
)


def monthly_jobs_run(*, tenant: Tenant, month: dt.date) -> Iterator[tuple[str, object]]:
    """Every monthly job for the tenant's month, in order, each in one transaction scoped to the tenant;
    yields (job, outcome) as each one finishes."""
    for dotted in MONTHLY_JOBS:
        with tenant_context(tenant):
            outcome = import_string(dotted)(tenant=tenant, month=month)
        yield dotted, outcome


@shared_task(acks_late=True)
def monthly_jobs(tenant_id: int, month: str = "") -> dict[str, str]:
    """One tenant's month (YYYY-MM; default the previous month) through every monthly job, in order."""
    target = parse_month(month) if month else previous_month(timezone.localdate())
    tenant = Tenant.objects.get(pk=tenant_id)  # the tenant table is exempt from row-level security
    return {job: str(outcome) for job, outcome in monthly_jobs_run(tenant=tenant, month=target)}


@shared_task
def monthly_jobs_for_all_tenants() -> int:
    """Beat's entry on the 1st: one pipeline task per tenant, so a slow tenant does not hold up the others."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        monthly_jobs.delay(tenant_id)
    return len(tenant_ids)

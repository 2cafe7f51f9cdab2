"""The monthly aggregate a province reports upward: per region x industry, the month's hazards found and
closed, those overdue, self- against department-found, and accidents. One set-based statement (a step of
config.monthly.MONTHLY_JOBS); a month already reported is not reported again."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from core.months import month_bounds
from hazards.choices import OPEN_STATES
from organizations.models import Tenant

AGGREGATE_SQL = """
INSERT INTO exchange_upwardrecord (tenant_id, kind, payload, created_at)
SELECT %(tenant)s, 'monthly_aggregate', jsonb_build_object(
           'kind', 'monthly_aggregate', 'month', %(month)s, 'region', region, 'industry', industry,
           'found', sum(found), 'closed', sum(closed), 'overdue', sum(overdue),
           'self_found', sum(self_found), 'department_found', sum(department_found),
           'accidents', sum(accidents)),
       now()
FROM (
    SELECT r.code AS region, i.code AS industry,
           (h.discovered_at >= %(start)s AND h.discovered_at < %(end)s)::int AS found,
           ((h.closed_at >= %(start)s AND h.closed_at < %(end)s) IS TRUE)::int AS closed,
           (h.is_overdue AND h.state = ANY(%(open)s))::int AS overdue,
           (h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
            AND h.source = 'self_inspection')::int AS self_found,
           (h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
            AND h.source <> 'self_inspection')::int AS department_found,
           0 AS accidents
    FROM hazards_hazard h
    JOIN organizations_region r ON r.id = h.region_id
    JOIN organizations_industry i ON i.id = h.industry_id
    WHERE h.tenant_id = %(tenant)s
      AND ((h.discovered_at >= %(start)s AND h.discovered_at < %(end)s)
           OR (h.closed_at >= %(start)s AND h.closed_at < %(end)s)
           OR (h.is_overdue AND h.state = ANY(%(open)s)))
    UNION ALL
    -- An accident counts under its enterprise's region and first industry.
    SELECT r.code, COALESCE((SELECT i.code FROM organizations_enterprise_industries ei
                             JOIN organizations_industry i ON i.id = ei.industry_id
                             WHERE ei.enterprise_id = a.enterprise_id ORDER BY i.id LIMIT 1), ''),
           0, 0, 0, 0, 0, 1
    FROM accountability_accident a
    JOIN organizations_enterprise e ON e.id = a.enterprise_id
    JOIN organizations_region r ON r.id = e.region_id
    WHERE a.tenant_id = %(tenant)s AND a.occurred_at >= %(start)s AND a.occurred_at < %(end)s
) cells
WHERE NOT EXISTS (
    SELECT 1 FROM exchange_upwardrecord done
    WHERE done.tenant_id = %(tenant)s AND done.kind = 'monthly_aggregate'
      AND done.payload->>'month' = %(month)s
)
GROUP BY region, industry
"""


def upward_aggregate_month(*, tenant: Tenant, month: dt.date) -> int:
    """Put the month's aggregate in the tenant's outbox; returns the records written (0 when done before)."""
    start, end = month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(
            AGGREGATE_SQL,
            {
                "tenant": tenant.pk,
                "month": month.strftime("%Y-%m"),
                "start": start,
                "end": end,
                "open": sorted(OPEN_STATES),
            },
        )
        return cursor.rowcount

"""What the product is measured against: bare Django views doing one raw SQL query and json.dumps, a bare
page, and hand-written SQL lower bounds for the jobs. None of this is used by the product.

The bare views set the tenant for their transaction themselves (the web connects as the row-level-security
role, which sees no row without it): a signed-in request pays it twice, an anonymous one once, as any
public page that reads a tenant's rows does."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accountability.indicators import DEPARTMENT_SQL, ENTERPRISE_SQL, REGION_SQL, month_params
from accountability.scoring import SCORING_WORK_MEM
from core.months import month_bounds
from core.rls import tenant_context
from hazards.choices import OPEN_STATES
from organizations.models import Tenant

# The fields a ledger API row carries, no more and no fewer, in the cheapest shape we know: the one join
# the page needs for every row (the enterprise's name) and scalar subqueries for the small lookups, which
# PostgreSQL plans in a fraction of the time of five joins.
LEDGER_SQL = """
SELECT h.id, h.code, h.title, h.state, h.level, h.source, e.id, e.name,
       (SELECT r.code FROM organizations_region r WHERE r.id = h.region_id),
       (SELECT i.code FROM organizations_industry i WHERE i.id = h.industry_id),
       (SELECT json_build_object('id', c.id, 'standard', s.key, 'number', c.number, 'text', c.text)
        FROM hazards_criterion c JOIN hazards_standard s ON s.id = c.standard_id WHERE c.id = h.criterion_id),
       h.location, h.discovered_at, h.deadline, h.is_overdue, h.listed, h.closed_at
FROM hazards_hazard h
JOIN organizations_enterprise e ON e.id = h.enterprise_id
WHERE h.tenant_id = %(tenant)s AND h.region_path LIKE %(path)s AND h.level = %(level)s
  AND (h.discovered_at, h.id) < (%(before)s, %(before_id)s)
ORDER BY h.discovered_at DESC, h.id DESC
LIMIT 50
"""

DETAIL_SQL = """
SELECT h.*, e.name AS enterprise_name, r.name AS region_name, i.name AS industry_name
FROM hazards_hazard h
JOIN organizations_enterprise e ON e.id = h.enterprise_id
JOIN organizations_region r ON r.id = h.region_id
JOIN organizations_industry i ON i.id = h.industry_id
WHERE h.id = %s
"""
EVENTS_SQL = """
SELECT ev.action, ev.from_state, ev.to_state, ev.note, ev.created_at, u.full_name
FROM hazards_hazardevent ev LEFT JOIN organizations_user u ON u.id = ev.actor_id
WHERE ev.tenant_id = %s AND ev.hazard_id = %s ORDER BY ev.created_at, ev.id
"""


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def bare_ledger(request: HttpRequest) -> HttpResponse:
    params: dict[str, Any] = {
        "tenant": int(request.GET["tenant"]),
        "path": request.GET["path"] + "%",
        "level": request.GET["level"],
        "before": request.GET.get("before") or dt.datetime.max.replace(tzinfo=dt.UTC).isoformat(),
        "before_id": int(request.GET.get("before_id") or 2**62),
    }
    with tenant_context(params["tenant"]), connection.cursor() as cursor:
        cursor.execute(LEDGER_SQL, params)
        rows = cursor.fetchall()
    return HttpResponse(json.dumps({"results": rows}, default=str), content_type="application/json")


def bare_detail(request: HttpRequest, pk: int) -> HttpResponse:
    with tenant_context(int(request.GET["tenant"])), connection.cursor() as cursor:
        cursor.execute(DETAIL_SQL, [pk])
        hazard = _dicts(cursor)[0]
        cursor.execute(EVENTS_SQL, [hazard["tenant_id"], pk])
        hazard["events"] = _dicts(cursor)
    return HttpResponse(json.dumps(hazard, default=str), content_type="application/json")


BARE_PAGE = ("<!doctype html><title>bare</title><p>" + "公开" * 2000 + "</p>").encode()


def bare_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_PAGE, content_type="text/html; charset=utf-8")


def transition_lower_bound(*, hazard_id: int, actor_id: int, tenant_id: int) -> None:
    """Lock, write, event — the same three statements a transition needs, with nothing around them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT state FROM hazards_hazard WHERE id = %s FOR UPDATE", [hazard_id])
        cursor.execute(
            "UPDATE hazards_hazard SET state = 'confirmed', level = 'general', updated_at = now()"
            " WHERE id = %s",
            [hazard_id],
        )
        cursor.execute(
            "INSERT INTO hazards_hazardevent (tenant_id, hazard_id, actor_id, action, from_state, to_state,"
            " note,"
            " data, created_at) VALUES (%s, %s, %s, 'confirm', 'reported', 'confirmed', '', '{}', now())",
            [tenant_id, hazard_id, actor_id],
        )


# The scoring job's irreducible part. Reading: one statement, every indicator of every region, department
# and enterprise read from the ledger through the job's own indicator queries, one row per unit into a
# temporary table (as the job reads them: CREATE TABLE AS may use parallel workers). Storing: those rows into
# the job's own tables, one plain INSERT … SELECT per level, committed — the results must land where the
# rankings read them, with the keys, indexes and foreign keys those tables have, or the work is not done.
# No scaling, ranking, comparison with rows stored before or removal of stale ones (the stored score and
# rank are placeholders): those are the job's own overhead, measured against this. The bench removes what
# this stores (untimed) before the job runs.
SCORING_LOWER_BOUND_SQL = f"""
CREATE TEMPORARY TABLE scoring_lower_bound ON COMMIT DROP AS
SELECT 'region' AS level, to_jsonb(r) AS indicators FROM ({REGION_SQL}) r
UNION ALL SELECT 'department', to_jsonb(d) FROM ({DEPARTMENT_SQL}) d
UNION ALL SELECT 'enterprise', to_jsonb(e) FROM ({ENTERPRISE_SQL}) e
"""
_STORE_UNIT = """
INSERT INTO accountability_{level}assessment
  (tenant_id, month, {level}_id{peer_column}, region_path, indicators, groups, score, rank, rank_of,
   computed_at)
SELECT %(tenant)s, %(first_day)s, (indicators->>'unit_id')::bigint{peer_value}, indicators->>'region_path',
  indicators, '{{}}', 0, 1, 1, now()
FROM scoring_lower_bound WHERE level = '{level}'
"""
SCORING_LOWER_BOUND_STORE = [
    _STORE_UNIT.format(level="region", peer_column="", peer_value=""),
    *(
        _STORE_UNIT.format(
            level=level, peer_column=", region_id", peer_value=", (indicators->>'peer_id')::bigint"
        )
        for level in ("department", "enterprise")
    ),
]


@dataclass
class LowerBound:
    rows: int
    read: float  # seconds reading (the first statement); the rest of the call stores and commits


def scoring_lower_bound(*, tenant_id: int, month: dt.date, zone: dt.tzinfo) -> LowerBound:
    """Run in a month that holds no assessment rows of the tenant (the bench clears it first)."""
    # The job's own parameters (accountability.indicators.month_params), in the zone the bench names.
    with timezone.override(zone):
        params: dict[str, Any] = month_params(Tenant(pk=tenant_id), month)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SCORING_WORK_MEM)  # the same memory the job gets
        started = time.perf_counter()
        cursor.execute(SCORING_LOWER_BOUND_SQL, params)
        read = time.perf_counter() - started
        rows = int(cursor.rowcount)
        for statement in SCORING_LOWER_BOUND_STORE:
            cursor.execute(statement, params)
    return LowerBound(rows, read)


# The upward report of a province's month (exchange.aggregates) read by hand: the same hazards and accidents,
# the same cells (region x industry) and figures, as one SELECT; then the report's bytes (json.dumps) and
# their HMAC. No outbox, no batches, no HTTP, nothing stored on either side: those are the report's own cost.
UPWARD_REPORT_SQL = """
SELECT region, industry, SUM(found), SUM(closed), SUM(overdue), SUM(self_found), SUM(department_found),
       SUM(accidents)
FROM (
    SELECT r.code AS region, i.code AS industry,
           COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s) AS found,
           COUNT(*) FILTER (WHERE h.closed_at >= %(start)s AND h.closed_at < %(end)s) AS closed,
           COUNT(*) FILTER (WHERE h.is_overdue AND h.state = ANY(%(open)s)) AS overdue,
           COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                            AND h.source = 'self_inspection') AS self_found,
           COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                            AND h.source <> 'self_inspection') AS department_found,
           0 AS accidents
    FROM hazards_hazard h
    JOIN organizations_region r ON r.id = h.region_id
    JOIN organizations_industry i ON i.id = h.industry_id
    WHERE h.tenant_id = %(tenant)s
      AND ((h.discovered_at >= %(start)s AND h.discovered_at < %(end)s)
           OR (h.closed_at >= %(start)s AND h.closed_at < %(end)s)
           OR (h.is_overdue AND h.state = ANY(%(open)s)))
    GROUP BY r.code, i.code
    UNION ALL
    SELECT r.code, COALESCE(first.code, ''), 0, 0, 0, 0, 0, 1
    FROM accountability_accident a
    JOIN organizations_enterprise e ON e.id = a.enterprise_id
    JOIN organizations_region r ON r.id = e.region_id
    LEFT JOIN LATERAL (SELECT i.code FROM organizations_enterprise_industries ei
                       JOIN organizations_industry i ON i.id = ei.industry_id
                       WHERE ei.enterprise_id = a.enterprise_id ORDER BY i.id LIMIT 1) first ON true
    WHERE a.tenant_id = %(tenant)s AND a.occurred_at >= %(start)s AND a.occurred_at < %(end)s
) cells
GROUP BY region, industry
"""


# The month's changes of major hazards as the outbox holds them (bench.rows.MONTH_CHANGES_SQL), read by hand.
UPWARD_CHANGES_SQL = """
SELECT hz.code, r.code, r.name, COALESCE(i.code, ''), COALESCE(i.name, ''), hz.level, hz.state, hz.source,
       hz.listed, hz.listing_level, hz.listing_lifted_at IS NOT NULL, hz.discovered_at, hz.deadline,
       hz.closed_at, hz.is_overdue, ev.action, ev.created_at
FROM hazards_hazardevent ev
JOIN hazards_hazard hz ON hz.id = ev.hazard_id
JOIN organizations_region r ON r.id = hz.region_id
LEFT JOIN organizations_industry i ON i.id = hz.industry_id
WHERE ev.tenant_id = %(tenant)s AND ev.created_at >= %(start)s AND ev.created_at < %(end)s
  AND (hz.level = 'major' OR ev.action = 'confirm')
ORDER BY ev.created_at, ev.id
"""
CELL_FIELDS = (
    "region",
    "industry",
    "found",
    "closed",
    "overdue",
    "self_found",
    "department_found",
    "accidents",
)
CHANGE_FIELDS = (
    "hazard",
    "region",
    "region_name",
    "industry",
    "industry_name",
    "level",
    "state",
    "source",
    "listed",
    "listing_level",
    "listing_lifted",
    "discovered_at",
    "deadline",
    "closed_at",
    "overdue",
    "action",
    "at",
)


def upward_report_bare(*, tenant_id: int, province: str, month: dt.date, key: str) -> tuple[int, int]:
    """The month's cells and changes, one raw SQL each; their JSON document and its HMAC. Returns the number
    of cells and of changes."""
    start, end = month_bounds(month)
    params: dict[str, Any] = {"tenant": tenant_id, "start": start, "end": end, "open": sorted(OPEN_STATES)}
    with connection.cursor() as cursor:
        cursor.execute(UPWARD_REPORT_SQL, params)
        cells = cursor.fetchall()
        cursor.execute(UPWARD_CHANGES_SQL, params)
        changes = cursor.fetchall()
    records = [{"kind": "hazard_change", **dict(zip(CHANGE_FIELDS, row, strict=True))} for row in changes]
    records += [{"kind": "monthly_aggregate", **dict(zip(CELL_FIELDS, cell, strict=True))} for cell in cells]
    document = {"province": province, "month": f"{month:%Y-%m}", "records": records}
    body = json.dumps(document, ensure_ascii=False, default=str).encode()
    hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
    return len(cells), len(changes)

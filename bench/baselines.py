"""What the product is measured against: bare Django views doing one raw SQL query and json.dumps, a bare
page, and hand-written SQL lower bounds for the jobs. None of this is used by the product."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

LEDGER_SQL = """
SELECT h.id, h.code, h.title, h.state, h.level, h.source, h.discovered_at, h.deadline, h.is_overdue, h.listed,
       e.id, e.name, r.id, r.code, r.name, i.code, i.name
FROM hazards_hazard h
JOIN organizations_enterprise e ON e.id = h.enterprise_id
JOIN organizations_region r ON r.id = h.region_id
JOIN organizations_industry i ON i.id = h.industry_id
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
    with connection.cursor() as cursor:
        cursor.execute(LEDGER_SQL, params)
        rows = cursor.fetchall()
    return HttpResponse(json.dumps({"results": rows}, default=str), content_type="application/json")


def bare_detail(request: HttpRequest, pk: int) -> HttpResponse:
    with connection.cursor() as cursor:
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


# The hazard indicators of every region in one statement: count each hazard once at its own region, then
# roll the counts up the tree by path. What the scoring job's hazard part cannot beat.
SCORING_LOWER_BOUND_SQL = """
WITH per_region AS MATERIALIZED (
  SELECT h.region_path,
    COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                     AND h.source = 'self_inspection') AS found_self,
    COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                     AND h.source = 'inspection') AS found_department,
    COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                     AND h.level = 'major') AS major_found,
    COUNT(*) FILTER (WHERE h.discovered_at < %(end)s AND h.state <> 'withdrawn') AS found_to_date,
    COUNT(*) FILTER (WHERE h.closed_at < %(end)s) AS closed_to_date,
    COUNT(*) FILTER (WHERE h.closed_at >= %(start)s AND h.closed_at < %(end)s) AS closed_in_month,
    COUNT(*) FILTER (WHERE h.closed_at >= %(start)s AND h.closed_at < %(end)s AND h.deadline IS NOT NULL
                     AND (h.closed_at AT TIME ZONE %(zone)s)::date <= h.deadline) AS closed_on_time,
    COUNT(*) FILTER (WHERE h.discovered_at < %(end)s AND h.state <> 'withdrawn' AND h.deadline < %(last_day)s
                     AND (h.closed_at IS NULL OR h.closed_at >= %(end)s)) AS overdue
  FROM hazards_hazard h WHERE h.tenant_id = %(tenant)s GROUP BY h.region_path
),
inspections AS (
  SELECT i.region_path, COUNT(*) AS inspections, COUNT(*) FILTER (WHERE i.kind = 'unannounced') AS unannounced
  FROM hazards_inspection i
  WHERE i.tenant_id = %(tenant)s AND i.date >= %(first_day)s AND i.date <= %(last_day)s
  GROUP BY i.region_path
),
filing AS (
  SELECT e.region_path, COUNT(*) AS enterprises, COUNT(s.id) AS filed
  FROM organizations_enterprise e
  LEFT JOIN hazards_selfinspection s ON s.tenant_id = e.tenant_id AND s.enterprise_id = e.id
       AND s.period = %(first_day)s AND s.status = 'submitted'
  WHERE e.tenant_id = %(tenant)s AND e.status = 'operating'
  GROUP BY e.region_path
)
SELECT r.id,
  COALESCE(SUM(p.found_self), 0), COALESCE(SUM(p.found_department), 0), COALESCE(SUM(p.major_found), 0),
  COALESCE(SUM(p.found_to_date), 0), COALESCE(SUM(p.closed_to_date), 0), COALESCE(SUM(p.closed_in_month), 0),
  COALESCE(SUM(p.closed_on_time), 0), COALESCE(SUM(p.overdue), 0),
  (SELECT COALESCE(SUM(x.inspections), 0) FROM inspections x WHERE x.region_path LIKE r.path || '%%'),
  (SELECT COALESCE(SUM(x.unannounced), 0) FROM inspections x WHERE x.region_path LIKE r.path || '%%'),
  (SELECT COALESCE(SUM(f.enterprises), 0) FROM filing f WHERE f.region_path LIKE r.path || '%%'),
  (SELECT COALESCE(SUM(f.filed), 0) FROM filing f WHERE f.region_path LIKE r.path || '%%')
FROM organizations_region r
LEFT JOIN per_region p ON p.region_path LIKE r.path || '%%'
WHERE r.tenant_id = %(tenant)s
GROUP BY r.id, r.path
"""


def scoring_lower_bound(*, tenant_id: int, month: dt.date, zone: dt.tzinfo) -> int:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "first_day": first,
        "last_day": following - dt.timedelta(days=1),
        "start": dt.datetime(first.year, first.month, 1, tzinfo=zone),
        "end": dt.datetime(following.year, following.month, 1, tzinfo=zone),
        "zone": str(zone),
    }
    with connection.cursor() as cursor:
        cursor.execute(SCORING_LOWER_BOUND_SQL, params)
        return len(cursor.fetchall())

"""The monthly indicators of regions, departments and enterprises, each level as one set-based SQL query.

Every query yields one row per unit with the same leading columns — `unit_id`, `peer_id` (the units ranked
together share it), `sort_key` (breaks score ties), `region_path` (scope) — followed by the indicators.
Hazards are aggregated once per region path or enterprise and only then rolled up, so the cost grows with
the ledger once, not once per ancestor region (MATERIALIZED: with stale statistics the planner would
otherwise re-run a per-path aggregate for every region). Parameters: see `month_params`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.months import first_of_month, last_day_of_month, month_bounds, previous_month
from hazards.enforcement import HAS_ORDER_SQL, SUSPENDED_IN_MONTH_SQL
from organizations.models import Tenant


def month_params(tenant: Tenant, month: dt.date) -> dict[str, Any]:
    first = first_of_month(month)
    start, end = month_bounds(first)
    return {
        "tenant": tenant.pk,
        "previous_first_day": previous_month(first),
        "first_day": first,
        "last_day": last_day_of_month(first),
        "start": start,
        "end": end,
        "zone": str(timezone.get_current_timezone()),
        "verification_days": settings.VERIFICATION_DAYS,
    }


# Open at the end of the month and past its deadline (closed later, or never, counts as open then).
OVERDUE_AT_END = """h.discovered_at < %(end)s AND h.state <> 'withdrawn' AND h.deadline < %(last_day)s
  AND (h.closed_at IS NULL OR h.closed_at >= %(end)s)"""

# Per-group hazard counts; the caller adds FROM/WHERE/GROUP BY.
HAZARD_COUNTS = f"""
  COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                   AND h.source = 'self_inspection') AS found_self,
  COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                   AND h.source = 'inspection') AS found_department,
  COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                   AND h.level = 'major') AS major_found,
  COUNT(*) FILTER (WHERE h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
                   AND h.proposed_level = 'major') AS major_self_reported,
  COUNT(*) FILTER (WHERE h.discovered_at < %(end)s AND h.state <> 'withdrawn') AS found_to_date,
  COUNT(*) FILTER (WHERE h.closed_at < %(end)s) AS closed_to_date,
  COUNT(*) FILTER (WHERE h.closed_at >= %(start)s AND h.closed_at < %(end)s) AS closed_in_month,
  COUNT(*) FILTER (WHERE h.closed_at >= %(start)s AND h.closed_at < %(end)s AND h.deadline IS NOT NULL
                   AND (h.closed_at AT TIME ZONE %(zone)s)::date <= h.deadline) AS closed_on_time,
  COUNT(*) FILTER (WHERE {OVERDUE_AT_END}) AS overdue,
  COALESCE(SUM(%(last_day)s - h.deadline) FILTER (WHERE {OVERDUE_AT_END}), 0) AS overdue_days
"""

REOPENED = """
  SELECT h.{key} AS key, COUNT(*) AS reopened
  FROM hazards_hazardevent ev JOIN hazards_hazard h ON h.id = ev.hazard_id
  WHERE ev.tenant_id = %(tenant)s AND ev.action = 'reopen' AND ev.created_at >= %(start)s
    AND ev.created_at < %(end)s
  GROUP BY h.{key}
"""

# Operating enterprises with whether they filed the month's self-inspection and their self-inspection gap:
# major hazards a department found that month while the enterprise's submitted self-inspection reported none.
ENTERPRISE_FILING = f"""
  SELECT e.id, e.region_id, e.region_path, e.credit_code, (s.id IS NOT NULL) AS filed,
    CASE WHEN s.id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM hazards_hazard h2 WHERE h2.self_inspection_id = s.id)
      THEN (SELECT COUNT(*) FROM hazards_hazard g WHERE g.tenant_id = e.tenant_id AND g.enterprise_id = e.id
              AND g.level = 'major' AND g.source = 'inspection'
              AND g.discovered_at >= %(start)s AND g.discovered_at < %(end)s)
      ELSE 0 END AS gap
  FROM organizations_enterprise e
  LEFT JOIN hazards_selfinspection s ON s.tenant_id = e.tenant_id AND s.enterprise_id = e.id
    AND s.period = %(first_day)s AND s.status = 'submitted'
  WHERE e.tenant_id = %(tenant)s AND (e.status = 'operating' OR {HAS_ORDER_SQL})
    AND NOT {SUSPENDED_IN_MONTH_SQL}
"""


MEASURE = "(i.rectification_order OR i.stop_production <> 'none' OR i.fine_amount > 0)"
FOUND_ANY = "EXISTS (SELECT 1 FROM hazards_hazard x WHERE x.inspection_id = i.id AND x.state <> 'withdrawn')"
FOUND_MAJOR = """EXISTS (SELECT 1 FROM hazards_hazard x WHERE x.inspection_id = i.id AND x.level = 'major'
    AND x.state <> 'withdrawn')"""
# Precise enforcement: inspections that found something (aimed where the hazards are); strict: inspections
# that found a major hazard and imposed a measure (order, stop-production, fine) rather than let it pass.
INSPECTION_COUNTS = f"""COUNT(*) AS inspections,
    COUNT(*) FILTER (WHERE i.kind = 'unannounced') AS unannounced,
    COUNT(*) FILTER (WHERE {MEASURE}) AS measures,
    COUNT(*) FILTER (WHERE {FOUND_ANY}) AS productive,
    COUNT(*) FILTER (WHERE {FOUND_MAJOR}) AS with_major,
    COUNT(*) FILTER (WHERE {FOUND_MAJOR} AND {MEASURE}) AS major_measured"""

ACCIDENT_GRADES = ("general", "larger", "major", "especially_major")
ACCIDENT_COUNTS = ", ".join(f"COUNT(*) FILTER (WHERE a.grade = '{g}') AS acc_{g}" for g in ACCIDENT_GRADES)


def _rate(part: str, whole: str) -> str:
    """A percentage with one decimal, NULL when there is nothing to divide by."""
    return f"ROUND(100.0 * ({part}) / NULLIF({whole}, 0), 1)"


def _hazard_indicators(alias: str) -> str:
    return f"""
  COALESCE({alias}.found_self, 0) AS found_self,
  COALESCE({alias}.found_department, 0) AS found_department,
  COALESCE({alias}.major_found, 0) AS major_found,
  COALESCE({alias}.major_self_reported, 0) AS major_self_reported,
  COALESCE({alias}.closed_in_month, 0) AS closed_in_month,
  {_rate(f"{alias}.closed_to_date", f"{alias}.found_to_date")} AS rectification_rate,
  {_rate(f"{alias}.closed_on_time", f"{alias}.closed_in_month")} AS on_time_rate,
  COALESCE({alias}.overdue, 0) AS overdue,
  COALESCE(ROUND(1.0 * {alias}.overdue_days / NULLIF({alias}.overdue, 0), 1), 0) AS overdue_age
"""


REGION_SQL = f"""
WITH hz AS MATERIALIZED (
  SELECT h.region_path, {HAZARD_COUNTS} FROM hazards_hazard h WHERE h.tenant_id = %(tenant)s
  GROUP BY h.region_path),
reopen AS MATERIALIZED ({REOPENED.format(key="region_path")}),
insp AS MATERIALIZED (
  SELECT i.region_path, {INSPECTION_COUNTS}
  FROM hazards_inspection i
  WHERE i.tenant_id = %(tenant)s AND i.date >= %(first_day)s AND i.date <= %(last_day)s
  GROUP BY i.region_path),
ent AS MATERIALIZED (
  SELECT f.region_path, COUNT(*) AS enterprises, COUNT(*) FILTER (WHERE f.filed) AS filed, SUM(f.gap) AS gap
  FROM ({ENTERPRISE_FILING}) f GROUP BY f.region_path),
spot AS MATERIALIZED (
  SELECT c.region_path, COUNT(*) AS checked, COUNT(*) FILTER (WHERE c.missed_count = 0) AS clean
  FROM accountability_spotcheck c
  WHERE c.tenant_id = %(tenant)s AND c.result_at >= %(start)s AND c.result_at < %(end)s
  GROUP BY c.region_path),
acc AS MATERIALIZED (
  SELECT a.region_path, {ACCIDENT_COUNTS}
  FROM accountability_accident a
  WHERE a.tenant_id = %(tenant)s AND a.occurred_at >= %(start)s AND a.occurred_at < %(end)s
  GROUP BY a.region_path),
-- Leadership from activity records: lines of the campaigns' task tables assigned to the region and due this
-- month, done on time (a 100 %% progress report of the region by the due date); and the follow-up it gave its
-- subordinate regions (warning interviews held, sanctions decided in the month, below the region).
tasks AS MATERIALIZED (
  SELECT tr.region_id, COUNT(*) AS due,
    COUNT(*) FILTER (WHERE EXISTS (
      SELECT 1 FROM campaigns_progressreport pr WHERE pr.task_id = t.id AND pr.region_id = tr.region_id
        AND pr.percent = 100 AND (pr.created_at AT TIME ZONE %(zone)s)::date <= t.due_date)) AS done
  FROM campaigns_task t JOIN campaigns_task_regions tr ON tr.task_id = t.id
  WHERE t.tenant_id = %(tenant)s AND t.due_date >= %(first_day)s AND t.due_date <= %(last_day)s
  GROUP BY tr.region_id),
follow AS MATERIALIZED (
  SELECT w.region_path, COUNT(*) AS n FROM accountability_warninginterview w
  WHERE w.tenant_id = %(tenant)s AND w.held_on >= %(first_day)s AND w.held_on <= %(last_day)s
  GROUP BY w.region_path
  UNION ALL
  SELECT x.region_path, COUNT(*) FROM accountability_sanction x
  WHERE x.tenant_id = %(tenant)s AND x.decided_on >= %(first_day)s AND x.decided_on <= %(last_day)s
  GROUP BY x.region_path),
regions AS (SELECT r.id, r.parent_id, r.code, r.path FROM organizations_region r
            WHERE r.tenant_id = %(tenant)s),
rh AS (
  SELECT r.id, SUM(x.found_self) AS found_self, SUM(x.found_department) AS found_department,
    SUM(x.major_found) AS major_found, SUM(x.major_self_reported) AS major_self_reported,
    SUM(x.found_to_date) AS found_to_date,
    SUM(x.closed_to_date) AS closed_to_date, SUM(x.closed_in_month) AS closed_in_month,
    SUM(x.closed_on_time) AS closed_on_time, SUM(x.overdue) AS overdue, SUM(x.overdue_days) AS overdue_days
  FROM regions r LEFT JOIN hz x ON x.region_path LIKE r.path || '%%' GROUP BY r.id),
rr AS (SELECT r.id, SUM(x.reopened) AS reopened
       FROM regions r LEFT JOIN reopen x ON x.key LIKE r.path || '%%' GROUP BY r.id),
ri AS (SELECT r.id, SUM(x.inspections) AS inspections, SUM(x.unannounced) AS unannounced,
         SUM(x.measures) AS measures, SUM(x.productive) AS productive, SUM(x.with_major) AS with_major,
         SUM(x.major_measured) AS major_measured
       FROM regions r LEFT JOIN insp x ON x.region_path LIKE r.path || '%%' GROUP BY r.id),
re AS (SELECT r.id, SUM(x.enterprises) AS enterprises, SUM(x.filed) AS filed, SUM(x.gap) AS gap
       FROM regions r LEFT JOIN ent x ON x.region_path LIKE r.path || '%%' GROUP BY r.id),
rs AS (SELECT r.id, SUM(x.checked) AS checked, SUM(x.clean) AS clean
       FROM regions r LEFT JOIN spot x ON x.region_path LIKE r.path || '%%' GROUP BY r.id),
ra AS (SELECT r.id, {", ".join(f"COALESCE(SUM(x.acc_{g}), 0) AS acc_{g}" for g in ACCIDENT_GRADES)}
       FROM regions r LEFT JOIN acc x ON x.region_path LIKE r.path || '%%' GROUP BY r.id),
rf AS (SELECT r.id, COALESCE(SUM(x.n), 0) AS follow_up
       FROM regions r LEFT JOIN follow x ON x.region_path LIKE r.path || '_%%' GROUP BY r.id)
SELECT r.id AS unit_id, r.parent_id AS peer_id, r.code AS sort_key, r.path AS region_path,
  {_hazard_indicators("rh")},
  COALESCE(rr.reopened, 0) AS reopened,
  {_rate("re.filed", "re.enterprises")} AS filing_rate,
  COALESCE(re.gap, 0) AS self_inspection_gap,
  COALESCE(rs.checked, 0) AS spot_checks,
  {_rate("rs.clean", "rs.checked")} AS spot_check_pass_rate,
  COALESCE(ri.inspections, 0) AS inspections,
  {_rate("ri.unannounced", "ri.inspections")} AS unannounced_share,
  COALESCE(ri.measures, 0) AS enforcement_measures,
  {_rate("ri.productive", "ri.inspections")} AS precise_rate,
  {_rate("ri.major_measured", "ri.with_major")} AS strict_rate,
  COALESCE(l.leader_inspections + l.meetings, 0) AS leadership,
  {_rate("tasks.done", "tasks.due")} AS task_completion,
  rf.follow_up,
  {", ".join(f"ra.acc_{g} AS accidents_{g}" for g in ACCIDENT_GRADES)}
FROM regions r
JOIN rh ON rh.id = r.id JOIN rr ON rr.id = r.id JOIN ri ON ri.id = r.id JOIN re ON re.id = r.id
JOIN rs ON rs.id = r.id JOIN ra ON ra.id = r.id JOIN rf ON rf.id = r.id
LEFT JOIN tasks ON tasks.region_id = r.id
LEFT JOIN accountability_leadershipinput l ON l.tenant_id = %(tenant)s AND l.region_id = r.id
  AND l.month = %(first_day)s
"""

ENTERPRISE_SQL = f"""
WITH eh AS (SELECT h.enterprise_id, {HAZARD_COUNTS} FROM hazards_hazard h WHERE h.tenant_id = %(tenant)s
            GROUP BY h.enterprise_id),
reopen AS ({REOPENED.format(key="enterprise_id")})
SELECT f.id AS unit_id, f.region_id AS peer_id, f.credit_code AS sort_key, f.region_path,
  {_hazard_indicators("eh")},
  COALESCE(reopen.reopened, 0) AS reopened,
  CASE WHEN f.filed THEN 100.0 ELSE 0.0 END AS filing_rate,
  f.gap AS self_inspection_gap
FROM ({ENTERPRISE_FILING}) f
LEFT JOIN eh ON eh.enterprise_id = f.id
LEFT JOIN reopen ON reopen.key = f.id
"""

# Hazards handed over to a department are the ones it supervises (receipts name the departments).
DEPARTMENT_SQL = f"""
WITH handed AS (
  SELECT DISTINCT rc.department_id, ho.hazard_id
  FROM hazards_handoverreceipt rc JOIN hazards_handover ho ON ho.id = rc.handover_id
  WHERE rc.tenant_id = %(tenant)s),
di AS (
  SELECT i.department_id, {INSPECTION_COUNTS}
  FROM hazards_inspection i
  WHERE i.tenant_id = %(tenant)s AND i.date >= %(first_day)s AND i.date <= %(last_day)s
  GROUP BY i.department_id),
df AS (
  SELECT i.department_id, COUNT(*) AS found
  FROM hazards_hazard h JOIN hazards_inspection i ON i.id = h.inspection_id
  WHERE h.tenant_id = %(tenant)s AND h.discovered_at >= %(start)s AND h.discovered_at < %(end)s
  GROUP BY i.department_id),
receipts AS (
  SELECT rc.department_id, COUNT(*) AS due,
    COUNT(*) FILTER (WHERE (rc.acknowledged_at AT TIME ZONE %(zone)s)::date <= rc.receipt_deadline) AS on_time
  FROM hazards_handoverreceipt rc
  WHERE rc.tenant_id = %(tenant)s
    AND rc.receipt_deadline >= %(first_day)s AND rc.receipt_deadline <= %(last_day)s
  GROUP BY rc.department_id),
verified AS (
  SELECT hd.department_id, COUNT(*) AS done,
    COUNT(*) FILTER (
      WHERE v.verified_at <= report.submitted_at + make_interval(days => %(verification_days)s)) AS on_time
  FROM handed hd
  JOIN hazards_verification v ON v.hazard_id = hd.hazard_id AND v.verified_at >= %(start)s
    AND v.verified_at < %(end)s
  CROSS JOIN LATERAL (SELECT MAX(rp.submitted_at) AS submitted_at FROM hazards_rectificationreport rp
                      WHERE rp.hazard_id = v.hazard_id AND rp.submitted_at <= v.verified_at) report
  GROUP BY hd.department_id),
supervised AS (
  SELECT hd.department_id, COUNT(*) FILTER (WHERE {OVERDUE_AT_END}) AS overdue
  FROM handed hd JOIN hazards_hazard h ON h.id = hd.hazard_id
  GROUP BY hd.department_id),
reopen AS (
  SELECT hd.department_id, COUNT(*) AS reopened
  FROM handed hd JOIN hazards_hazardevent ev ON ev.hazard_id = hd.hazard_id AND ev.action = 'reopen'
    AND ev.created_at >= %(start)s AND ev.created_at < %(end)s
  GROUP BY hd.department_id),
-- Last month's draw is this month's re-inspection work: done when its result came in before the month ended.
spot AS (
  SELECT c.department_id, COUNT(*) AS assigned, COUNT(*) FILTER (WHERE c.result_at < %(end)s) AS done
  FROM accountability_spotcheck c
  WHERE c.tenant_id = %(tenant)s AND c.month = %(previous_first_day)s AND c.department_id IS NOT NULL
  GROUP BY c.department_id)
SELECT d.id AS unit_id, d.region_id AS peer_id, d.name AS sort_key, r.path AS region_path,
  COALESCE(di.inspections, 0) AS inspections,
  {_rate("di.unannounced", "di.inspections")} AS unannounced_share,
  COALESCE(di.measures, 0) AS enforcement_measures,
  {_rate("di.productive", "di.inspections")} AS precise_rate,
  {_rate("di.major_measured", "di.with_major")} AS strict_rate,
  COALESCE(spot.assigned, 0) AS spot_checks_assigned,
  {_rate("spot.done", "spot.assigned")} AS spot_checks_done,
  COALESCE(df.found, 0) AS found_department,
  {_rate("receipts.on_time", "receipts.due")} AS receipt_timeliness,
  {_rate("verified.on_time", "verified.done")} AS verification_timeliness,
  COALESCE(supervised.overdue, 0) AS overdue,
  COALESCE(reopen.reopened, 0) AS reopened
FROM organizations_department d
JOIN organizations_region r ON r.id = d.region_id
LEFT JOIN di ON di.department_id = d.id
LEFT JOIN df ON df.department_id = d.id
LEFT JOIN receipts ON receipts.department_id = d.id
LEFT JOIN verified ON verified.department_id = d.id
LEFT JOIN supervised ON supervised.department_id = d.id
LEFT JOIN reopen ON reopen.department_id = d.id
LEFT JOIN spot ON spot.department_id = d.id
WHERE d.tenant_id = %(tenant)s AND d.is_active
"""

LEADING_COLUMNS = ("unit_id", "peer_id", "sort_key", "region_path")


def indicator_columns(sql: str, params: dict[str, Any]) -> list[str]:
    """The indicator names a level's query yields (after the leading columns)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) q LIMIT 0", params)
        return [column.name for column in cursor.description][len(LEADING_COLUMNS) :]


def indicator_rows(sql: str, params: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """unit id → {indicator: value} — for tests and drill-down; the scoring job never loads these."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = {}
        for row in cursor.fetchall():
            values = dict(zip(names, row, strict=True))
            rows[values["unit_id"]] = {
                name: _plain(value) for name, value in values.items() if name not in LEADING_COLUMNS
            }
        return rows


def _plain(value: Any) -> Any:
    """Counts as int, rates as float — as they read back from the stored JSON."""
    if isinstance(value, Decimal):
        return int(value) if value.as_tuple().exponent == 0 else float(value)
    return value

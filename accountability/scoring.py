"""Monthly indicators and scores of every region ("scoring and queuing").

Indicators are computed set-based: one grouped query per source table, joining each region to every row of
its subtree by the materialised path — never a Python loop over hazards. Scores are then normalised among
sibling regions (0 to 100, best 100), combined per group, weighted by the campaign's scheme and ranked.

Departments and enterprises are not scored yet (next step of the assessment issue).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from campaigns.models import Campaign
from organizations.models import Region, Tenant

from .models import LeadershipInput, RegionAssessment, ScoringScheme

DEFAULT_WEIGHTS = {
    "progress": Decimal("40"),
    "self_inspection": Decimal("20"),
    "enforcement": Decimal("25"),
    "leadership": Decimal("15"),
}
# Each group averages normalised indicators; (indicator, higher is better).
GROUPS: dict[str, list[tuple[str, bool]]] = {
    "progress": [("rectification_rate", True), ("on_time_rate", True), ("overdue", False)],
    "self_inspection": [("filing_rate", True), ("self_inspection_gap", False)],
    "enforcement": [("inspections", True), ("unannounced_share", True)],
    "leadership": [("leadership", True)],
}

# Each query counts every row once, grouped by the region path it sits at (a few hundred groups at most),
# and only then rolls the groups up the region tree by path prefix. Joining each region to every row of its
# subtree instead reads each row once per ancestor: several times the work on a province-sized ledger.
ROLL_UP = """
SELECT r.id, {sums}
FROM organizations_region r
LEFT JOIN per_path p ON p.region_path LIKE r.path || '%%'
WHERE r.tenant_id = %(tenant)s
GROUP BY r.id
"""


def _rolled_up(per_path: str, columns: list[str]) -> str:
    sums = ", ".join(f"COALESCE(SUM(p.{name}), 0)::bigint AS {name}" for name in columns)
    # MATERIALIZED: the groups are counted once, whatever the planner guesses about the region table (with
    # stale statistics for a new tenant it would recount them for every region).
    return f"WITH per_path AS MATERIALIZED ({per_path})" + ROLL_UP.replace("{sums}", sums)


HAZARD_SQL = _rolled_up(
    """
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
  COUNT(*) FILTER (WHERE h.closed_at >= %(start)s AND h.closed_at < %(end)s
                   AND h.deadline IS NOT NULL AND (h.closed_at AT TIME ZONE %(zone)s)::date <= h.deadline)
                   AS closed_on_time,
  COUNT(*) FILTER (WHERE h.discovered_at < %(end)s AND h.state <> 'withdrawn' AND h.deadline < %(last_day)s
                   AND (h.closed_at IS NULL OR h.closed_at >= %(end)s)) AS overdue
FROM hazards_hazard h
WHERE h.tenant_id = %(tenant)s
GROUP BY h.region_path
""",
    [
        "found_self",
        "found_department",
        "major_found",
        "found_to_date",
        "closed_to_date",
        "closed_in_month",
        "closed_on_time",
        "overdue",
    ],
)

INSPECTION_SQL = _rolled_up(
    """
SELECT i.region_path, COUNT(*) AS inspections, COUNT(*) FILTER (WHERE i.kind = 'unannounced') AS unannounced
FROM hazards_inspection i
WHERE i.tenant_id = %(tenant)s AND i.date >= %(first_day)s AND i.date <= %(last_day)s
GROUP BY i.region_path
""",
    ["inspections", "unannounced"],
)

# Per operating enterprise: did it file the month's self-inspection, and how many major hazards did inspectors
# find that month at an enterprise whose filed self-inspection reported none (the self-inspection gap).
FILING_SQL = _rolled_up(
    """
SELECT e.region_path,
  COUNT(*) AS enterprises,
  COUNT(s.id) AS filed,
  SUM(CASE WHEN s.id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM hazards_hazard h2 WHERE h2.self_inspection_id = s.id)
           THEN found.majors ELSE 0 END) AS self_inspection_gap
FROM organizations_enterprise e
LEFT JOIN hazards_selfinspection s ON s.tenant_id = e.tenant_id AND s.enterprise_id = e.id
  AND s.period = %(first_day)s AND s.status = 'submitted'
LEFT JOIN (
  SELECT g.enterprise_id, COUNT(*) AS majors FROM hazards_hazard g
  WHERE g.tenant_id = %(tenant)s AND g.level = 'major' AND g.source = 'inspection'
    AND g.discovered_at >= %(start)s AND g.discovered_at < %(end)s
  GROUP BY g.enterprise_id
) found ON found.enterprise_id = e.id
WHERE e.tenant_id = %(tenant)s AND e.status = 'operating'
GROUP BY e.region_path
""",
    ["enterprises", "filed", "self_inspection_gap"],
)


def _rows(sql: str, params: dict[str, Any]) -> dict[int, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return {row[0]: dict(zip(names[1:], row[1:], strict=True)) for row in cursor.fetchall()}


def _ratio(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def region_indicators(*, tenant: Tenant, month: dt.date) -> dict[int, dict[str, Any]]:
    """Every region's indicators for the month, from three grouped queries."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    params = {
        "tenant": tenant.pk,
        "first_day": first,
        "last_day": following - dt.timedelta(days=1),
        "start": dt.datetime(first.year, first.month, 1, tzinfo=zone),
        "end": dt.datetime(following.year, following.month, 1, tzinfo=zone),
        "zone": str(zone),
    }
    hazards, inspections, filing = (_rows(sql, params) for sql in (HAZARD_SQL, INSPECTION_SQL, FILING_SQL))
    leadership = {li.region_id: li for li in LeadershipInput.objects.filter(tenant=tenant, month=first)}
    result = {}
    for region_id, h in hazards.items():
        i, f = inspections[region_id], filing[region_id]
        lead = leadership.get(region_id)
        result[region_id] = {
            "found_self": h["found_self"],
            "found_department": h["found_department"],
            "major_found": h["major_found"],
            "closed_in_month": h["closed_in_month"],
            "rectification_rate": _ratio(h["closed_to_date"], h["found_to_date"]),
            "on_time_rate": _ratio(h["closed_on_time"], h["closed_in_month"]),
            "overdue": h["overdue"],
            "filing_rate": _ratio(f["filed"], f["enterprises"]),
            "self_inspection_gap": f["self_inspection_gap"],
            "inspections": i["inspections"],
            "unannounced_share": _ratio(i["unannounced"], i["inspections"]),
            "leadership": (lead.leader_inspections + lead.meetings) if lead else 0,
        }
    return result


def _normalise(values: dict[int, float | None], higher_is_better: bool) -> dict[int, float]:
    """0 to 100 among siblings; a missing value counts as the worst; all equal → 100."""
    known = [v for v in values.values() if v is not None]
    if not known:
        return dict.fromkeys(values, 100.0)
    low, high = min(known), max(known)
    scaled = {}
    for key, value in values.items():
        if value is None:
            scaled[key] = 0.0
        elif high == low:
            scaled[key] = 100.0
        else:
            share = (value - low) / (high - low)
            scaled[key] = 100 * (share if higher_is_better else 1 - share)
    return scaled


def scheme_weights(tenant: Tenant, month: dt.date) -> dict[str, Decimal]:
    """The weights of the province-level campaign running that month, or the defaults."""
    campaign = (
        Campaign.objects.filter(
            tenant=tenant,
            parent__isnull=True,
            start_date__lte=month.replace(day=28),
            end_date__gte=month.replace(day=1),
        )
        .order_by("region_path")
        .first()
    )
    scheme = ScoringScheme.objects.filter(campaign=campaign).first() if campaign else None
    return scheme.weights() if scheme else dict(DEFAULT_WEIGHTS)


@transaction.atomic
def assessment_compute_month(*, tenant: Tenant, month: dt.date) -> int:
    """Compute and store every region's assessment for the month; re-running replaces it (idempotent)."""
    first = month.replace(day=1)
    indicators = region_indicators(tenant=tenant, month=first)
    weights = scheme_weights(tenant, first)
    total_weight = sum(weights.values()) or Decimal(1)
    regions = {r.pk: r for r in Region.objects.filter(tenant=tenant)}
    siblings: dict[int | None, list[int]] = defaultdict(list)
    for region in regions.values():
        siblings[region.parent_id].append(region.pk)
    rows: list[RegionAssessment] = []
    for members in siblings.values():
        groups: dict[int, dict[str, float]] = {member: {} for member in members}
        for group, parts in GROUPS.items():
            per_part = [
                _normalise({m: indicators[m][name] for m in members}, better) for name, better in parts
            ]
            for member in members:
                groups[member][group] = round(sum(part[member] for part in per_part) / len(per_part), 1)
        scores = {
            member: (
                sum(Decimal(str(groups[member][g])) * w for g, w in weights.items()) / total_weight
            ).quantize(Decimal("0.01"))
            for member in members
        }
        ordered = sorted(members, key=lambda m: (-scores[m], regions[m].code))
        rows += [
            RegionAssessment(
                tenant=tenant,
                month=first,
                region_id=member,
                region_path=regions[member].path,
                indicators=indicators[member],
                groups=groups[member],
                score=scores[member],
                rank=rank,
                rank_of=len(members),
            )
            for rank, member in enumerate(ordered, start=1)
        ]
    # One upsert for the whole tenant rather than a read and a write per region.
    RegionAssessment.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["tenant", "month", "region"],
        update_fields=["region_path", "indicators", "groups", "score", "rank", "rank_of", "computed_at"],
    )
    return len(rows)

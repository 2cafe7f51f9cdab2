"""Monthly scores and ranks of regions, departments and enterprises ("scoring and queuing").

For each level one statement does everything inside PostgreSQL: the level's indicator query
(`indicators.py`), each indicator scaled 0 to 100 among the units ranked together (window functions) or
against the fixed bounds the campaign's scheme sets, the group means, the weighted score and the rank; then
one UPDATE stores the rows that changed and one INSERT the new ones. Nothing loops over hazards or units in
Python, so the job grows with the ledger, not with its square. Re-running a month brings its rows up to date
and rewrites only those that changed (idempotent).

Scaling rule (the ranking page says it in words): "relative" — the best of the peers 100, the worst 0, all
equal 100, a unit without a value 0 (finding nothing is not rewarded); "absolute" — 100 at or beyond
`best`, 0 at or beyond `worst`, linear between.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from organizations.models import Tenant

from .indicators import (
    ACCIDENT_GRADES,
    DEPARTMENT_SQL,
    ENTERPRISE_SQL,
    REGION_SQL,
    indicator_columns,
    indicator_rows,
    month_params,
)
from .models import ScoringScheme
from .permissions import GOVERNING_CAMPAIGN

DEFAULT_WEIGHTS = {
    "progress": Decimal("40"),
    "self_inspection": Decimal("20"),
    "enforcement": Decimal("25"),
    "leadership": Decimal("15"),
}
# Points off a region's score per accident in its subtree that month, by grade: an especially major accident
# takes the whole score ("one-vote veto"). A campaign's scheme may set its own.
DEFAULT_DEDUCTIONS = {
    "general": Decimal("2"),
    "larger": Decimal("10"),
    "major": Decimal("30"),
    "especially_major": Decimal("100"),
}
Groups = dict[str, list[tuple[str, bool]]]  # group → [(indicator, higher is better)]


@dataclass(frozen=True)
class Level:
    name: str
    sql: str
    table: str
    unit_column: str
    groups: Groups
    stores_peer_region: bool  # departments and enterprises keep the region they are ranked in
    accidents: bool = False  # the month's accidents in the unit's subtree take points off its score


HAZARD_PROGRESS = [
    ("rectification_rate", True),
    ("on_time_rate", True),
    ("overdue", False),
    ("reopened", False),
]
# Major hazards the enterprises reported themselves (hazards/services/majors.py): finding one's own is what
# self-inspection is for, so more is better, like the filing rate.
SELF_INSPECTION = [("filing_rate", True), ("self_inspection_gap", False), ("major_self_reported", True)]
ENFORCEMENT = [
    ("inspections", True),
    ("unannounced_share", True),
    ("enforcement_measures", True),
    ("precise_rate", True),
    ("strict_rate", True),
]
REGION_GROUPS: Groups = {
    "progress": HAZARD_PROGRESS,
    # The second assessment: filing, the gap departments found, and the monthly spot checks' clean share.
    "self_inspection": [*SELF_INSPECTION, ("spot_check_pass_rate", True)],
    "enforcement": ENFORCEMENT,
    # The fourth: from activity records — leader-led work, task lines done on time, the follow-up given to the
    # regions below, and the territorial government's part of the two handovers (两移交): the committee's
    # receipts acknowledged in time, measured as a department's are. When the campaign's leading group and
    # measures checklist land (campaigns), their meetings and the share of measures adopted join this group.
    "leadership": [
        ("leadership", True),
        ("task_completion", True),
        ("follow_up", True),
        ("receipt_timeliness", True),
    ],
}
LEVELS = {
    "region": Level(
        "region",
        REGION_SQL,
        "accountability_regionassessment",
        "region_id",
        REGION_GROUPS,
        False,
        accidents=True,
    ),
    "department": Level(
        "department",
        DEPARTMENT_SQL,
        "accountability_departmentassessment",
        "department_id",
        {
            "progress": [
                ("receipt_timeliness", True),
                ("verification_timeliness", True),
                ("overdue", False),
                ("reopened", False),
            ],
            "enforcement": [*ENFORCEMENT, ("spot_checks_done", True)],
        },
        True,
    ),
    "enterprise": Level(
        "enterprise",
        ENTERPRISE_SQL,
        "accountability_enterpriseassessment",
        "enterprise_id",
        {
            "progress": HAZARD_PROGRESS,
            "self_inspection": SELF_INSPECTION,
        },
        True,
    ),
}
SCORED_INDICATORS = sorted(
    {name for level in LEVELS.values() for parts in level.groups.values() for name, _better in parts}
)


def normalisation_cleaned(rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Check a scheme's per-indicator scaling rules; a ValidationError names each bad indicator.

    A rule is {"method": "relative"} (the default, not stored) or {"method": "absolute", "best": number,
    "worst": number} with best ≠ worst (worst above best for indicators where fewer is better).
    """
    errors: dict[str, str] = {}
    cleaned: dict[str, dict[str, Any]] = {}
    for name, rule in rules.items():
        if name not in SCORED_INDICATORS:
            errors[name] = _("“%(name)s” is not a scored indicator.") % {"name": name}
            continue
        method = rule.get("method") if isinstance(rule, dict) else None
        if method == "relative":
            continue
        if method != "absolute":
            errors[name] = _("Choose relative or absolute scaling for “%(name)s”.") % {"name": name}
            continue
        try:
            best, worst = Decimal(str(rule.get("best"))), Decimal(str(rule.get("worst")))
        except InvalidOperation:
            errors[name] = _("Give numbers for the best and worst values of “%(name)s”.") % {"name": name}
            continue
        if not (best.is_finite() and worst.is_finite()) or best == worst:
            errors[name] = _("The best and worst values of “%(name)s” must be different numbers.") % {
                "name": name
            }
            continue
        cleaned[name] = {"method": "absolute", "best": float(best), "worst": float(worst)}
    if errors:
        raise ValidationError({"normalisation": [f"{message}" for message in errors.values()]})
    return cleaned


@dataclass(frozen=True)
class Scheme:
    weights: dict[str, Decimal]
    normalisation: dict[str, dict[str, Any]]
    campaign: Campaign | None = None  # whose scheme this is; None: the defaults
    deductions: dict[str, Decimal] = field(default_factory=lambda: dict(DEFAULT_DEDUCTIONS))


def scheme_for(tenant: Tenant, month: dt.date) -> Scheme:
    """The scheme of the campaign of the whole tenant running that month (the latest started when several
    do), or the defaults. A city's or county's campaign never governs: see accountability/permissions.py."""
    campaign = (
        Campaign.objects.filter(
            GOVERNING_CAMPAIGN,
            tenant=tenant,
            start_date__lte=month.replace(day=28),
            end_date__gte=month.replace(day=1),
        )
        .order_by("region_path", "-start_date", "-pk")
        .first()
    )
    scheme = ScoringScheme.objects.filter(campaign=campaign).first() if campaign else None
    if scheme is None:
        return Scheme(dict(DEFAULT_WEIGHTS), {}, campaign)
    return Scheme(scheme.weights(), scheme.normalisation or {}, campaign, scheme.deductions())


def region_indicators(*, tenant: Tenant, month: dt.date) -> dict[int, dict[str, Any]]:
    """Every region's indicators for the month (the scoring job computes the same inside its query)."""
    return indicator_rows(REGION_SQL, month_params(tenant, month))


def unit_indicators(*, level: str, tenant: Tenant, month: dt.date) -> dict[int, dict[str, Any]]:
    return indicator_rows(LEVELS[level].sql, month_params(tenant, month))


def _scaled(name: str, higher_is_better: bool, rule: dict[str, Any] | None, params: dict[str, Any]) -> str:
    value = f"q.{name}"
    if rule and rule.get("method") == "absolute":
        params[f"best_{name}"] = Decimal(str(rule["best"]))
        params[f"worst_{name}"] = Decimal(str(rule["worst"]))
        best, worst = f"%(best_{name})s", f"%(worst_{name})s"
        return (
            f"CASE WHEN {value} IS NULL THEN 0 "
            f"ELSE GREATEST(0, LEAST(100, 100.0 * ({value} - {worst}) / ({best} - {worst}))) END"
        )
    low, high = f"MIN({value}) OVER peers", f"MAX({value}) OVER peers"
    share = f"({value} - {low})" if higher_is_better else f"({high} - {value})"
    return (
        f"CASE WHEN {high} IS NULL THEN 100 WHEN {value} IS NULL THEN 0 WHEN {high} = {low} THEN 100 "
        f"ELSE 100.0 * {share} / ({high} - {low}) END"
    )


def _score_sql(level: Level, scheme: Scheme, params: dict[str, Any], indicators: list[str]) -> str:
    scaled = [
        f"{_scaled(name, better, scheme.normalisation.get(name), params)} AS n_{name}"
        for parts in level.groups.values()
        for name, better in parts
    ]
    group_means = [
        f"ROUND((({' + '.join(f'n_{name}' for name, _ in parts)}) / {len(parts)}.0)::numeric, 1) AS g_{group}"
        for group, parts in level.groups.items()
    ]
    for group in level.groups:
        params[f"w_{group}"] = scheme.weights.get(group, Decimal(0))
    params["w_total"] = sum((params[f"w_{group}"] for group in level.groups), Decimal(0))
    weighted = " + ".join(f"g_{group} * %(w_{group})s" for group in level.groups)
    peer_value = ", peer_id" if level.stores_peer_region else ""
    indicator_json = ", ".join(f"'{name}', {name}" for name in indicators)
    deduction = "0"
    if level.accidents:
        for grade in ACCIDENT_GRADES:
            params[f"d_{grade}"] = scheme.deductions.get(grade, Decimal(0))
        deduction = " + ".join(f"accidents_{grade} * %(d_{grade})s" for grade in ACCIDENT_GRADES)
        indicator_json += ", 'accident_deduction', deduction, 'weighted_score', weighted"
    group_json = ", ".join(f"'{group}', g_{group}" for group in level.groups)
    # Only identifiers from LEVELS and this module reach the text; every value is a bound parameter.
    # Computed into a temporary table first: CREATE TABLE AS may read the ledger with parallel workers,
    # an INSERT … SELECT may not (PostgreSQL 16); the upsert (_store_sql) then only copies rows.
    return f"""
CREATE TEMPORARY TABLE scored ON COMMIT DROP AS
WITH q AS ({level.sql}),
n AS (SELECT q.*, {", ".join(scaled)} FROM q WINDOW peers AS (PARTITION BY q.peer_id)),
g AS (SELECT n.*, {", ".join(group_means)} FROM n),
w AS (SELECT g.*, COALESCE(ROUND(({weighted}) / NULLIF(%(w_total)s, 0), 2), 0) AS weighted,
  ({deduction})::numeric AS deduction FROM g),
s AS (SELECT w.*, GREATEST(0, w.weighted - w.deduction) AS score FROM w),
ranked AS (
  SELECT s.*, ROW_NUMBER() OVER (PARTITION BY peer_id ORDER BY score DESC, sort_key) AS rank,
    COUNT(*) OVER (PARTITION BY peer_id) AS rank_of
  FROM s)
SELECT unit_id{peer_value}, region_path, jsonb_build_object({indicator_json}) AS indicators,
  jsonb_build_object({group_json}) AS groups, score, rank, rank_of
FROM ranked"""


# Each stored column a re-run may change: its value in the scored table, and that value as stored (cast to
# the column's type), which is what is compared.
_STORED = {
    "region_path": ("region_path", "region_path"),
    "indicators": ("indicators", "indicators"),
    "groups": ("groups", "groups"),
    "score": ("score", "score::numeric(6, 2)"),
    "rank": ("rank", "rank::integer"),
    "rank_of": ("rank_of", "rank_of::integer"),
}


def _store_sql(level: Level) -> tuple[str, str]:
    """Copy the scored rows into the level's table: the changed rows of units stored before are updated (a
    row whose values did not change is left as it is: a re-run that changes nothing writes nothing), and
    the new ones inserted (plain inserts: on the 1st every row of the month is new). The caller holds the
    tenant's scoring lock, so no other run inserts the same units meanwhile."""
    columns = dict(_STORED)
    if level.stores_peer_region:
        columns["region_id"] = ("peer_id", "peer_id")
    update = f"""
UPDATE {level.table} AS stored
SET {", ".join(f"{column} = scored.{value}" for column, (value, _cast) in columns.items())},
  computed_at = %(now)s
FROM scored
WHERE stored.tenant_id = %(tenant)s AND stored.month = %(first_day)s
  AND stored.{level.unit_column} = scored.unit_id AND ({", ".join(f"stored.{column}" for column in columns)})
  IS DISTINCT FROM ({", ".join(f"scored.{cast}" for _value, cast in columns.values())})
"""
    peer_column = ", region_id" if level.stores_peer_region else ""
    peer_value = ", peer_id" if level.stores_peer_region else ""
    insert = f"""
INSERT INTO {level.table}
  (tenant_id, month, {level.unit_column}{peer_column}, region_path, indicators, groups, score, rank, rank_of,
   computed_at)
SELECT %(tenant)s, %(first_day)s, unit_id{peer_value}, region_path, indicators, groups, score, rank, rank_of,
  %(now)s
FROM scored
WHERE scored.unit_id NOT IN (
  SELECT stored.{level.unit_column} FROM {level.table} AS stored
  WHERE stored.tenant_id = %(tenant)s AND stored.month = %(first_day)s)
"""
    return update, insert


def _stale_sql(level: Level) -> str:
    """The month's rows of units no longer scored (an enterprise that closed since). A row a sanction cites
    stays: the evidence of a decision is never deleted."""
    keep = ""
    if level.name in ("region", "department"):
        cited = "region_assessment_id" if level.name == "region" else "department_assessment_id"
        keep = (
            f"AND stored.id NOT IN (SELECT {cited} FROM accountability_sanctionevidence "
            f"WHERE {cited} IS NOT NULL)"
        )
    return f"""
DELETE FROM {level.table} AS stored
WHERE stored.tenant_id = %(tenant)s AND stored.month = %(first_day)s
  AND NOT EXISTS (SELECT 1 FROM scored WHERE scored.unit_id = stored.{level.unit_column}) {keep}
"""


# The indicator names of each level's query: they depend on its text only, not on the month.
_COLUMNS: dict[str, list[str]] = {}


def _indicator_columns(level: Level, params: dict[str, Any]) -> list[str]:
    if level.sql not in _COLUMNS:
        _COLUMNS[level.sql] = indicator_columns(level.sql, params)
    return _COLUMNS[level.sql]


# The enterprise level groups the month's ledger by enterprise and sorts ~100k units for the window
# functions: in PostgreSQL's default 4 MB both spill to disk. For this transaction only.
SCORING_WORK_MEM = "SET LOCAL work_mem = '64MB'"
# A transaction-level advisory lock on (this job, the tenant).
SCORING_LOCK = "SELECT pg_advisory_xact_lock(%s, %s)"
SCORING_LOCK_KEY = 0x5C0E  # "scoring"; the second key is the tenant's id


@transaction.atomic
def assessment_compute_month(*, tenant: Tenant, month: dt.date) -> int:
    """Score and rank every region, department and enterprise of the tenant for the month.

    Re-running brings the month's rows up to date: a row whose values changed is replaced, one whose values
    did not is left as it was (with the computed_at of when they were first computed), and units no longer
    scored (an enterprise that closed since) lose their row for that month, which is derived data, not
    ledger. Returns the number of units scored.
    """
    first = month.replace(day=1)
    scheme = scheme_for(tenant, first)
    stored = 0
    with connection.cursor() as cursor:
        # One run per tenant at a time (the Celery pipeline and a `run_monthly_jobs` by hand may meet): the
        # second waits for the first to commit, then finds its rows.
        cursor.execute(SCORING_LOCK, [SCORING_LOCK_KEY, tenant.pk])
        cursor.execute(SCORING_WORK_MEM)
        for level in LEVELS.values():
            params = {**month_params(tenant, first), "now": timezone.now()}
            cursor.execute(_score_sql(level, scheme, params, _indicator_columns(level, params)), params)
            stored += cursor.rowcount
            for statement in _store_sql(level):
                cursor.execute(statement, params)
            cursor.execute(_stale_sql(level), params)
            cursor.execute("DROP TABLE scored")
    return stored

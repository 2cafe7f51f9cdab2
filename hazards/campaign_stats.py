"""The ledger seen through a campaign: which records it covers, the wall chart and the dashboard series.

A hazard belongs to a campaign when its region lies in the campaign's region, its industry is one of
the campaign's key industries and it was found within the campaign period; a city's campaign therefore
rolls up into its province's, whose region contains the city's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr, TruncWeek
from django.utils import timezone
from django.utils.translation import get_language

from campaigns.choices import TaskStatus
from campaigns.models import Campaign
from organizations.choices import EnterpriseStatus
from organizations.models import Enterprise, Region, User
from organizations.shared_readings import cached_for_scope, shared_reading

from .choices import (
    OPEN_STATES,
    HazardCategory,
    HazardLevel,
    HazardSource,
    HazardState,
    SelfInspectionStatus,
)
from .listing_selectors import listing_counts
from .models import Hazard, Inspection, SelfInspection


def _period(campaign: Campaign) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(campaign.start_date, dt.time.min))
    return start, start + dt.timedelta(days=(campaign.end_date - campaign.start_date).days + 1)


def industry_ids(campaign: Campaign) -> list[int]:
    """The campaign's key industries as ids, for `industry_id IN (…)`: a literal list lets PostgreSQL plan by
    the region index and estimate the rows; a subquery on the industries made it walk the industry index
    through every hazard of those industries in the tenant (EXPLAIN: ~9,000 buffers a count at 20k hazards,
    where the region index reads the campaign's ~2,000 rows). Uses the campaign's prefetched industries."""
    return [industry.pk for industry in campaign.industries.all()]


def campaign_hazards(*, actor: User, campaign: Campaign) -> QuerySet[Hazard]:
    """The ledger rows the campaign covers, within the actor's scope."""
    start, end = _period(campaign)
    return Hazard.objects.visible_to(actor).filter(
        region_path__startswith=campaign.region_path,
        industry_id__in=industry_ids(campaign),
        discovered_at__gte=start,
        discovered_at__lt=end,
    )


def on_campaign_lists(campaign: Campaign) -> Q:
    """The ledger rows a campaign's problems and major-hazards lists hold: those it covers (region, key
    industries) found within its period, and those found before it that were still outstanding when it
    began (a three-year action inherits the open hazards of the year before). Withdrawn records hold none."""
    start, end = _period(campaign)
    return (
        Q(region_path__startswith=campaign.region_path, industry_id__in=industry_ids(campaign))
        & Q(discovered_at__lt=end)
        & (Q(discovered_at__gte=start) | Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        & ~Q(state=HazardState.WITHDRAWN)
    )


def campaign_inspections(*, actor: User, campaign: Campaign) -> QuerySet[Inspection]:
    return Inspection.objects.visible_to(actor).filter(
        region_path__startswith=campaign.region_path, date__range=(campaign.start_date, campaign.end_date)
    )


def campaign_self_inspections(*, actor: User, campaign: Campaign) -> QuerySet[SelfInspection]:
    return SelfInspection.objects.visible_to(actor).filter(
        region_path__startswith=campaign.region_path,
        period__range=(campaign.start_date.replace(day=1), campaign.end_date),
    )


def campaign_for(hazard: Hazard) -> Campaign | None:
    """The most local campaign covering the hazard (its region, industry and date)."""
    day = timezone.localtime(hazard.discovered_at).date()
    candidates = Campaign.objects.filter(
        tenant_id=hazard.tenant_id, start_date__lte=day, end_date__gte=day, industries=hazard.industry_id
    ).order_by("-region_path")
    return next((c for c in candidates if hazard.region_path.startswith(c.region_path)), None)


def ledger_query(campaign: Campaign, **extra: Any) -> str:
    """The ledger filter (as a query string) behind a wall-chart cell."""
    params: dict[str, Any] = {
        "found_from": campaign.start_date.isoformat(),
        "found_to": campaign.end_date.isoformat(),
    }
    params.update({key: value for key, value in extra.items() if value not in (None, "")})
    return urlencode(params, doseq=True)


CELL_MEASURES = {
    "found_major": Q(level=HazardLevel.MAJOR),
    "found_general": Q(level=HazardLevel.GENERAL),
    "closed": Q(state=HazardState.CLOSED),
    "overdue": Q(is_overdue=True, state__in=OPEN_STATES),
    "self_found": Q(source=HazardSource.SELF_INSPECTION),
    "department_found": Q(source=HazardSource.INSPECTION),
}
# The ledger filter that shows exactly the rows counted by each measure.
MEASURE_FILTERS: dict[str, dict[str, Any]] = {
    "found_major": {"level": "major"},
    "found_general": {"level": "general"},
    "closed": {"state": "closed"},
    "overdue": {"overdue": "true", "state": sorted(OPEN_STATES)},
    "self_found": {"source": "self_inspection"},
    "department_found": {"source": "inspection"},
}


def wall_chart(*, actor: User, campaign: Campaign) -> dict[str, Any]:
    """The campaign's wall chart, shared for LANDING_CACHE_SECONDS by the users of one scope (a city's
    three-year campaign counts a hundred thousand ledger rows several ways); the user's own change shows at
    once."""
    return cached_for_scope("wall-chart", actor, campaign_id=campaign.pk)


@shared_reading("wall-chart")
def _wall_chart_of(actor: User, *, campaign_id: int) -> dict[str, Any]:
    return _wall_chart(actor=actor, campaign=Campaign.objects.visible_to(actor).get(pk=campaign_id))


def _wall_chart(*, actor: User, campaign: Campaign) -> dict[str, Any]:
    """Sub-regions by key industries, each cell counting the campaign's hazards, in one grouped query."""
    children = list(Region.objects.visible_to(actor).filter(parent_id=campaign.region_id).order_by("code"))
    rows = children or [campaign.region]
    depth = len(rows[0].path)
    industries = list(campaign.industries.order_by("id"))
    counts = (
        campaign_hazards(actor=actor, campaign=campaign)
        .annotate(branch=Substr("region_path", 1, depth))
        .values("branch", "industry_id")
        .annotate(total=Count("pk"), **{name: Count("pk", filter=q) for name, q in CELL_MEASURES.items()})
    )
    by_cell: dict[tuple[str, int], dict[str, Any]] = {
        (row["branch"], row["industry_id"]): dict(row) for row in counts
    }
    matrix = []
    for region in rows:
        cells = []
        for industry in industries:
            found: dict[str, Any] = by_cell.get((region.path, industry.pk), {})
            cell = {"industry": industry.code, "total": found.get("total", 0)}
            for name in CELL_MEASURES:
                cell[name] = found.get(name, 0)
            place = {"region": region.pk, "industry": industry.code}
            cell["links"] = {"total": ledger_query(campaign, **place)}
            cell["links"].update(
                {name: ledger_query(campaign, **place, **MEASURE_FILTERS[name]) for name in CELL_MEASURES}
            )
            cell["level"] = _heat(cell)
            cells.append(cell)
        matrix.append(
            {"region": {"id": region.pk, "code": region.code, "name": region.display_name}, "cells": cells}
        )
    return {
        "campaign": {"id": campaign.pk, "name": campaign.name, "region": campaign.region.code},
        "industries": [{"code": i.code, "name": i.display_name} for i in industries],
        "rows": matrix,
        "categories": category_matrix(actor=actor, campaign=campaign, regions=rows),
        "stages": stage_completion(campaign),
        # Standing listed supervision (not lifted) among the campaign's hazards, by listing level.
        "listings": listing_counts(campaign_hazards(actor=actor, campaign=campaign)),
        "inspections": campaign_inspections(actor=actor, campaign=campaign).count(),
        "self_inspections": campaign_self_inspections(actor=actor, campaign=campaign)
        .filter(status=SelfInspectionStatus.SUBMITTED)
        .count(),
        "suspended_enterprises": campaign_suspended_enterprises(actor=actor, campaign=campaign),
    }


def campaign_suspended_enterprises(*, actor: User, campaign: Campaign) -> int:
    """Enterprises of the campaign's regions and key industries suspended now (orders in force)."""
    in_industries = Enterprise.industries.through.objects.filter(
        industry_id__in=campaign.industries.values("pk")
    ).values("enterprise_id")
    return (
        Enterprise.objects.visible_to(actor)
        .filter(
            region_path__startswith=campaign.region_path,
            status=EnterpriseStatus.SUSPENDED,
            pk__in=in_industries,
        )
        .count()
    )


def category_matrix(*, actor: User, campaign: Campaign, regions: list[Region]) -> dict[str, Any]:
    """The same sub-regions by hazard category (equipment, behaviour, management, environment), in one
    grouped query; each count links to its ledger rows. Hazards recorded before categories existed have
    none and are counted apart (`uncategorised`)."""
    depth = len(regions[0].path)
    counts = (
        campaign_hazards(actor=actor, campaign=campaign)
        .annotate(branch=Substr("region_path", 1, depth))
        .values_list("branch", "category")
        .annotate(n=Count("pk"))
    )
    by_cell = {(branch, category): n for branch, category, n in counts}
    result = []
    for region in regions:
        cells = [
            {
                "category": category.value,
                "count": by_cell.get((region.path, category.value), 0),
                "link": ledger_query(campaign, region=region.pk, category=category.value),
            }
            for category in HazardCategory
        ]
        result.append(
            {
                "region": {"id": region.pk, "code": region.code, "name": region.display_name},
                "cells": cells,
                "uncategorised": by_cell.get((region.path, ""), 0),
            }
        )
    return {
        "columns": [{"code": category.value, "name": str(category.label)} for category in HazardCategory],
        "rows": result,
    }


def _heat(cell: dict[str, Any]) -> str:
    """Colour class: red with overdue records, amber with open major ones, green when all closed."""
    if cell["overdue"]:
        return "danger"
    if cell["found_major"] > 0 and cell["closed"] < cell["total"]:
        return "warning"
    if cell["total"] and cell["closed"] == cell["total"]:
        return "good"
    return "neutral"


def stage_completion(campaign: Campaign) -> list[dict[str, Any]]:
    """Per stage: tasks due in it, done, and overdue (derived)."""
    today = timezone.localdate()
    result = []
    for stage in campaign.stages.all():
        tasks = campaign.tasks.filter(due_date__range=(stage.start_date, stage.end_date))
        numbers = tasks.aggregate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            overdue=Count("pk", filter=~Q(status=TaskStatus.DONE) & Q(due_date__lt=today)),
        )
        result.append(
            {"stage": stage.display_name, "start": stage.start_date, "end": stage.end_date, **numbers}
        )
    return result


def dashboard_series(*, actor: User, campaign: Campaign) -> dict[str, Any]:
    """The dashboard's series, shared as the wall chart is (`wall_chart`)."""
    return cached_for_scope("dashboard", actor, campaign_id=campaign.pk)


@shared_reading("dashboard")
def _dashboard_series_of(actor: User, *, campaign_id: int) -> dict[str, Any]:
    return _dashboard_series(actor=actor, campaign=Campaign.objects.visible_to(actor).get(pk=campaign_id))


def _dashboard_series(*, actor: User, campaign: Campaign) -> dict[str, Any]:
    """Series for the campaign dashboard charts: weekly found vs closed, by source, industry and stage."""
    hazards = campaign_hazards(actor=actor, campaign=campaign)
    found = dict(
        hazards.annotate(week=TruncWeek("discovered_at")).values_list("week").annotate(n=Count("pk"))
    )
    closed = dict(
        hazards.filter(closed_at__isnull=False)
        .annotate(week=TruncWeek("closed_at"))
        .values_list("week")
        .annotate(n=Count("pk"))
    )
    weeks = sorted(set(found) | set(closed))
    by_source = dict(hazards.values_list("source").annotate(n=Count("pk")))
    by_category = dict(hazards.exclude(category="").values_list("category").annotate(n=Count("pk")))
    by_industry = list(
        hazards.values("industry__name", "industry__name_en").annotate(n=Count("pk")).order_by("-n")
    )
    stages = []
    for stage in campaign.stages.all():
        start = timezone.make_aware(dt.datetime.combine(stage.start_date, dt.time.min))
        end = start + dt.timedelta(days=(stage.end_date - stage.start_date).days + 1)
        stages.append(
            {
                "stage": stage.display_name,
                "found": hazards.filter(discovered_at__gte=start, discovered_at__lt=end).count(),
            }
        )
    english = (get_language() or "").startswith("en")
    return {
        "weekly": {
            "labels": [timezone.localtime(w).date().isoformat() for w in weeks],
            "found": [found.get(w, 0) for w in weeks],
            "closed": [closed.get(w, 0) for w in weeks],
        },
        "by_source": {str(HazardSource(key).label): value for key, value in by_source.items()},
        "by_category": {
            str(category.label): by_category[category.value]
            for category in HazardCategory
            if category.value in by_category
        },
        "by_industry": {
            (
                row["industry__name_en"] if english and row["industry__name_en"] else row["industry__name"]
            ): row["n"]
            for row in by_industry
        },
        "by_stage": {row["stage"]: row["found"] for row in stages},
    }

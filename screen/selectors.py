"""What the committee's big screen shows for one region, and the cache that lets a wall of screens read it.

`screen_data` reads the ledger, the campaigns and the publications of the region's subtree (a handful of
grouped queries); `screen_for` serves it from the cache, keyed by tenant, region and language, so that every
screen showing the same region within SCREEN_CACHE_SECONDS shares one computation and the database sees none
of the others. A stale entry is served while one request (the one that wins a short lock) computes the next,
so a wall whose screens refresh together never asks the database all at once.

Who may look: committee staff, at their regions and below, and the system administrator (role value
`tenant_admin`), at the whole tenant. Both see every ledger row of the regions they may put on the screen, so
the numbers depend only on the region and can be shared between them.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from campaigns.choices import CampaignStatus
from campaigns.models import Campaign
from core.errors import NotFoundError
from core.scoping import ancestor_paths
from disclosure.choices import PublicationStatus
from disclosure.models import Publication
from hazards.choices import OPEN_STATES, HazardLevel, HazardState, ListingLevel
from hazards.listing_selectors import listing_counts, listings_among
from hazards.models import Hazard
from organizations.choices import RegionLevel, Role
from organizations.models import Industry, Region, User
from organizations.scoping import Scope, require_role

from .geo import province_map

SCREEN_ROLES = frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})
LISTED_ROWS = 8  # listed hazards shown by name (the soonest deadlines); the rest are counted
DISCLOSURES = 5
HEAT_STEPS = 4  # map colours for regions with open major hazards, by share of the busiest region
LOCK_SECONDS = 30


def may_show(scope: Scope, region_path: str) -> bool:
    """Whether the region may be put on this user's screen: every row below it must be theirs to see."""
    return scope.is_tenant_admin or any(region_path.startswith(path) for path in scope.committee_paths)


def _month_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(following, dt.time.min))


def _measures(today: dt.date) -> dict[str, Q]:
    """What is counted, everywhere on the screen: found and closed this month (withdrawn records never count),
    and what stands open now."""
    start, end = _month_bounds(today)
    open_q = Q(state__in=sorted(OPEN_STATES))
    found_q = Q(discovered_at__gte=start, discovered_at__lt=end) & ~Q(state=HazardState.WITHDRAWN)
    return {
        "found": found_q,
        "found_major": found_q & Q(level=HazardLevel.MAJOR),
        "closed": Q(state=HazardState.CLOSED, closed_at__gte=start, closed_at__lt=end),
        "overdue": open_q & Q(is_overdue=True),
        "open": open_q,
        "major_open": open_q & Q(level=HazardLevel.MAJOR),
        "listed": open_q & Q(listed=True, listing_lifted_at__isnull=True),
    }


def _counted(hazards: QuerySet[Hazard], measures: dict[str, Q], *group: str) -> Any:
    counts = {name: Count("pk", filter=q) for name, q in measures.items()}
    if not group:
        return hazards.aggregate(**counts)
    return hazards.values(*group).annotate(**counts).order_by()


def _heat(value: int, busiest: int) -> int:
    return 0 if not value or not busiest else max(1, math.ceil(HEAT_STEPS * value / busiest))


def screen_data(*, actor: User, region: Region) -> dict[str, Any]:
    """The screen of one region (the caller has checked may_show): this month's numbers, the sub-regions and
    the province's cities with their major hazards, key industries, listed hazards, the campaign under way
    and the latest disclosures. Plain JSON values only: it is cached and served by the API as it is."""
    today = timezone.localdate()
    measures = _measures(today)
    hazards = Hazard.objects.visible_to(actor, within_path=region.path)
    totals = _counted(hazards, measures)

    # Sub-regions (or the region itself when it has none), one grouped query.
    children = list(Region.objects.visible_to(actor).filter(parent=region).order_by("code"))
    depth = len(children[0].path) if children else len(region.path)
    by_branch = {
        row["branch"]: row
        for row in _counted(hazards.annotate(branch=Substr("region_path", 1, depth)), measures, "branch")
    }
    busiest = max((by_branch.get(child.path, {}).get("major_open", 0) for child in children), default=0)
    sub_regions = []
    for child in children or [region]:
        row = by_branch.get(child.path, {})
        sub_regions.append(
            {
                "code": child.code,
                "name": child.display_name,
                "major_open": row.get("major_open", 0),
                "overdue": row.get("overdue", 0),
                "found": row.get("found", 0),
                "heat": _heat(row.get("major_open", 0), busiest),
            }
        )

    return {
        "generated_at": timezone.localtime().isoformat(timespec="seconds"),
        "today": today.isoformat(),
        "month": today.strftime("%Y-%m"),
        "region": {
            "code": region.code,
            "name": region.display_name,
            "path": region.path,
            "level": region.level,
        },
        "numbers": totals,
        "sub_regions": sub_regions,
        "map": _map(actor=actor, region=region, by_branch=by_branch, totals=totals),
        "industries": _industries(actor=actor, hazards=hazards, measures=measures),
        "listed": _listed(hazards, today),
        "campaign": _campaign(actor=actor, region=region, today=today),
        "disclosures": _disclosures(actor=actor, region=region),
    }


def _map(
    *, actor: User, region: Region, by_branch: dict[str, dict[str, int]], totals: dict[str, int]
) -> dict[str, Any] | None:
    """The province's cities that the tenant has, each with its open major hazards when it lies in the
    screen's region (or the region in it); the others are drawn without numbers. None without vendored
    boundaries."""
    province_code = region.path.split("/")[0]
    drawing = province_map(province_code)
    if drawing is None:
        return None
    drawn = {city.code for city in drawing.cities}
    cities = Region.objects.visible_to(actor).filter(
        level=RegionLevel.CITY, path__startswith=f"{province_code}/", code__in=drawn
    )
    result = []
    for city in cities.order_by("code"):
        if city.path.startswith(region.path):  # the city lies in the screen's region: its branches add up
            rows = [row for branch, row in by_branch.items() if branch.startswith(city.path)]
            major_open = sum(row["major_open"] for row in rows)
            overdue = sum(row["overdue"] for row in rows)
        elif region.path.startswith(city.path):  # the screen is of the city or a part of it
            major_open, overdue = totals["major_open"], totals["overdue"]
        else:
            result.append({"code": city.code, "name": city.display_name, "in_scope": False})
            continue
        result.append(
            {
                "code": city.code,
                "name": city.display_name,
                "in_scope": True,
                "major_open": major_open,
                "overdue": overdue,
            }
        )
    busiest = max((city.get("major_open", 0) for city in result), default=0)
    for city in result:
        city["heat"] = _heat(city.get("major_open", 0), busiest)
    return {"province": province_code, "cities": result}


def _industries(*, actor: User, hazards: QuerySet[Hazard], measures: dict[str, Q]) -> list[dict[str, Any]]:
    """The tenant's key industries, the busiest (open major, then open) first."""
    counted = {row["industry_id"]: row for row in _counted(hazards, measures, "industry_id")}
    rows = []
    for industry in Industry.objects.visible_to(actor).filter(is_key=True).order_by("id"):
        row = counted.get(industry.pk, {})
        rows.append(
            {
                "code": industry.code,
                "name": industry.display_name,
                "open": row.get("open", 0),
                "major_open": row.get("major_open", 0),
                "overdue": row.get("overdue", 0),
                "found": row.get("found", 0),
            }
        )
    rows.sort(key=lambda row: (-row["major_open"], -row["open"], row["code"]))
    return rows


def _listed(hazards: QuerySet[Hazard], today: dt.date) -> dict[str, Any]:
    """Open hazards under listed supervision (挂牌督办), not lifted: by level, and the soonest deadlines."""
    standing = hazards.filter(state__in=sorted(OPEN_STATES))
    rows = listings_among(standing, lifted=False, today=today)[:LISTED_ROWS]
    counts = listing_counts(standing)
    return {
        "by_level": [
            {"level": level.value, "name": str(level.label), "count": counts[level.value]}
            for level in ListingLevel
        ],
        "rows": [
            {
                "code": hazard.code,
                "enterprise": hazard.enterprise.name,
                "region": hazard.region.display_name,
                "level": hazard.get_listing_level_display(),
                "deadline": hazard.listing_deadline.isoformat() if hazard.listing_deadline else None,
                "overdue": bool(hazard.listing_overdue),  # type: ignore[attr-defined]
            }
            for hazard in rows
        ],
    }


def _campaign(*, actor: User, region: Region, today: dt.date) -> dict[str, Any] | None:
    """The campaign under way for the region: the most local one run at or above it, else the broadest one
    run inside it (a province's screen shows a city's campaign when the province runs none)."""
    candidates = list(
        Campaign.objects.visible_to(actor)
        .filter(
            Q(region_path__in=ancestor_paths(region.path)) | Q(region_path__startswith=region.path),
            status=CampaignStatus.ACTIVE,
            department__isnull=True,  # a department's sub-plan is part of its campaign
            start_date__lte=today,
            end_date__gte=today,
        )
        .select_related("region")
        .prefetch_related("stages")
    )
    if not candidates:
        return None

    def rank(campaign: Campaign) -> tuple[int, int, dt.date]:
        above = region.path.startswith(campaign.region_path)
        return (
            (0, -len(campaign.region_path), campaign.end_date)
            if above
            else (1, len(campaign.region_path), campaign.end_date)
        )

    campaign = min(candidates, key=rank)
    current = campaign.current_stage(today)
    total_days = (campaign.end_date - campaign.start_date).days + 1
    return {
        "name": campaign.name,
        "region": campaign.region.display_name,
        "start": campaign.start_date.isoformat(),
        "end": campaign.end_date.isoformat(),
        "days_left": (campaign.end_date - today).days,
        "percent_elapsed": round(100 * ((today - campaign.start_date).days + 1) / total_days),
        "stage": (
            {
                "name": current.display_name,
                "start": current.start_date.isoformat(),
                "end": current.end_date.isoformat(),
                "days_left": (current.end_date - today).days,
            }
            if current is not None
            else None
        ),
        "stages": [
            {
                "name": stage.display_name,
                "start": stage.start_date.isoformat(),
                "end": stage.end_date.isoformat(),
                "current": current is not None and stage.pk == current.pk,
                "done": stage.end_date < today,
            }
            for stage in campaign.stages.all()
        ],
        "others": len(candidates) - 1,
    }


def _disclosures(*, actor: User, region: Region) -> list[dict[str, Any]]:
    published = (
        Publication.objects.visible_to(actor)
        .filter(status=PublicationStatus.PUBLISHED, region_path__startswith=region.path)
        .select_related("region")
        .defer("pdf")
        .order_by("-published_at", "-pk")[:DISCLOSURES]
    )
    return [
        {
            "month": item.month.strftime("%Y-%m"),
            "region": item.region.display_name,
            "version": item.version,
            "major_hazards": len(item.content.get("major_hazards", [])),
            "published_at": timezone.localtime(item.published_at).isoformat(timespec="seconds")
            if item.published_at
            else None,
            "public_id": item.public_id,
        }
        for item in published
    ]


# ------------------------------------------------------------------ the cache


def _key(tenant_id: int, code: str) -> str:
    return f"screen:{tenant_id}:{code}:{get_language() or settings.LANGUAGE_CODE}"


def _root_code(actor: User, tenant_id: int) -> str:
    """The code of the tenant's top region (kept: a tenant's region tree never loses its root)."""
    key = f"screen-root:{tenant_id}"
    code = cache.get(key)
    if code is None:
        root = Region.objects.visible_to(actor).filter(parent__isnull=True).order_by("path").first()
        if root is None:
            raise NotFoundError()
        code = root.code
        cache.set(key, code, timeout=None)
    return str(code)


def default_region_code(actor: User, scope: Scope) -> str:
    """The region a screen shows when none is asked for: the committee's own (the first, for staff of
    several), the whole tenant for its system administrator."""
    if scope.is_tenant_admin or not scope.committee_paths:
        return _root_code(actor, scope.tenant_id or 0)
    return sorted(scope.committee_paths)[0].rstrip("/").rpartition("/")[2]


def screen_for(*, actor: User, region_code: str | None = None) -> dict[str, Any]:
    """The screen of the region (by code; the user's own by default), from the cache when it is there: then
    without a database query. 403 for a role that has no screen, 404 for a region outside the user's."""
    scope = require_role(actor, SCREEN_ROLES, _("The big screen is for committee staff and administrators."))
    assert scope.tenant_id is not None  # roles are held in a tenant
    code = region_code or default_region_code(actor, scope)
    key = _key(scope.tenant_id, code)
    entry = cache.get(key)
    if entry is not None:
        if not may_show(scope, entry["data"]["region"]["path"]):
            raise NotFoundError()
        if entry["fresh_until"] > time.time() or not cache.add(f"{key}:lock", 1, timeout=LOCK_SECONDS):
            return dict(entry["data"])
    region = Region.objects.visible_to(actor).filter(code=code).first()
    if region is None or not may_show(scope, region.path):
        raise NotFoundError()
    data = screen_data(actor=actor, region=region)
    seconds = settings.SCREEN_CACHE_SECONDS
    # Kept ten times as long as it is fresh: the stale copy is what the other screens get while one refreshes.
    cache.set(key, {"fresh_until": time.time() + seconds, "data": data}, timeout=seconds * 10)
    cache.delete(f"{key}:lock")
    return data

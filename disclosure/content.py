"""What a monthly disclosure says: major hazards, rectification progress and results, redacted by policy.

Only fields listed here ever leave the ledger, and none of them is free text typed into it: no titles,
descriptions, locations, plans, reports, notes, names, phone numbers or photos, whatever the policy says.
A hazard is named by its *public title*: the words committee staff wrote for it in a draft review, else
the wording of the criterion it cites (every major hazard cites one), else its industry's name.
The rest is reference and directory data (codes, the registered enterprise name and credit code, region,
industry and criterion names), dates, states and counts.

The monthly job drafts every region with a committee (a province has over a hundred), so the contents are
built together: one read of each kind over the tenant's month (the month's found and closed counts by hazard
region and industry, the open overdue hazards and the approved extensions by hazard region, the disclosed
major hazards), and each region gets the rows whose region path lies in its subtree. A single region's
content (a correction) is the same build for one region, so the two never drift.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core.months import month_bounds
from hazards.choices import OPEN_STATES, ExtensionStatus, HazardLevel, HazardState, ListingLevel
from hazards.models import Extension, Hazard
from organizations.models import Region

from .models import DisclosurePolicy, PublicHazardId


def default_title(hazard: Hazard) -> str:
    """Words nobody typed into the ledger: the cited criterion's wording, else the industry's name."""
    if hazard.criterion is not None:
        return hazard.criterion.text
    return f"{hazard.industry.name}重大事故隐患"


def reviewed_titles(public_ids: list[str]) -> dict[str, str]:
    """The public title of each disclosed hazard as it stands now (what publishing freezes)."""
    records = PublicHazardId.objects.filter(public_id__in=public_ids).select_related(
        "hazard__criterion", "hazard__industry"
    )
    return {record.public_id: record.title or default_title(record.hazard) for record in records}


def build_content(*, region: Region, month: dt.date) -> dict[str, Any]:
    """One region's content for the month (a correction rebuilds one): the monthly build, for one region."""
    return build_contents(tenant_id=region.tenant_id, month=month, regions=[region])[region.pk]


def build_contents(*, tenant_id: int, month: dt.date, regions: Sequence[Region]) -> dict[int, dict[str, Any]]:
    """Each region's content for the month, by region id, from one read of each kind over the tenant's month
    (a fixed number of queries however many regions), rolled up to each region's subtree here."""
    if any(region.tenant_id != tenant_id for region in regions):
        raise ValueError("Every region of a tenant's monthly disclosures belongs to that tenant.")
    if not regions:
        return {}
    start, end = month_bounds(month)
    policy, _created = DisclosurePolicy.objects.get_or_create(tenant_id=tenant_id)
    under = _Subtrees(regions)
    hazards = Hazard.objects.filter(tenant_id=tenant_id)
    extensions = Extension.objects.filter(tenant_id=tenant_id)
    if under.common_prefix:  # only the part of the tenant the regions lie in (one region: its subtree)
        hazards = hazards.filter(region_path__startswith=under.common_prefix)
        extensions = extensions.filter(hazard__region_path__startswith=under.common_prefix)
    tallies = [_Tally() for _region in regions]

    disclosed = [hazard for hazard in _majors(hazards, start, end) if under.of(hazard.region_path)]
    ids = _public_ids(disclosed)
    for hazard in disclosed:
        public_id, title = ids[hazard.pk]
        row = _row(hazard, public_id, title, policy)
        for index in under.of(hazard.region_path):
            tallies[index].majors.append((hazard, row))

    found_in_month = Q(discovered_at__gte=start, discovered_at__lt=end)
    closed_in_month = Q(closed_at__gte=start, closed_at__lt=end)
    counts = (
        hazards.filter(found_in_month | closed_in_month)
        .values_list("region_path", "region__name", "industry__name")
        .annotate(found=Count("pk", filter=found_in_month), closed=Count("pk", filter=closed_in_month))
        .order_by()
    )
    for path, region_name, industry_name, found, closed in counts:
        for index in under.of(path):
            tally = tallies[index]
            if found:
                tally.found_by_region[region_name] += found
                tally.found_by_industry[industry_name] += found
            if closed:
                tally.closed_by_region[region_name] += closed
                tally.closed_by_industry[industry_name] += closed
                tally.closed += closed
    overdue = (
        hazards.filter(state__in=OPEN_STATES, is_overdue=True, discovered_at__lt=end)
        .values_list("region_path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, count in overdue:
        for index in under.of(path):
            tallies[index].overdue += count
    granted = (
        extensions.filter(status=ExtensionStatus.APPROVED, decided_at__gte=start, decided_at__lt=end)
        .values_list("hazard__region_path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for path, count in granted:
        for index in under.of(path):
            tallies[index].extensions += count

    return {
        region.pk: _content(region, month, start, end, policy, tally)
        for region, tally in zip(regions, tallies, strict=True)
    }


class _Subtrees:
    """Which of the regions (by position) a hazard's region path lies under: its own region or one above."""

    def __init__(self, regions: Sequence[Region]) -> None:
        self._paths = [region.path for region in regions]
        self._of: dict[str, list[int]] = {}
        # The deepest region path that every region's path starts with (hence every hazard of their subtrees).
        first, last = min(self._paths), max(self._paths)
        size = 0
        while size < min(len(first), len(last)) and first[size] == last[size]:
            size += 1
        self.common_prefix = first[: first.rfind("/", 0, size) + 1]

    def of(self, path: str) -> list[int]:
        regions = self._of.get(path)
        if regions is None:
            # The database's `region_path ^@ region.path` (core/lookups.py): a literal prefix.
            regions = self._of[path] = [
                index for index, prefix in enumerate(self._paths) if path.startswith(prefix)
            ]
        return regions


@dataclass
class _Tally:
    """What one region's content counts: the rows of the tenant's month that lie in its subtree."""

    majors: list[tuple[Hazard, dict[str, Any]]] = field(default_factory=list)
    found_by_region: Counter[str] = field(default_factory=Counter)
    closed_by_region: Counter[str] = field(default_factory=Counter)
    found_by_industry: Counter[str] = field(default_factory=Counter)
    closed_by_industry: Counter[str] = field(default_factory=Counter)
    closed: int = 0
    overdue: int = 0
    extensions: int = 0


def _majors(hazards: QuerySet[Hazard], start: dt.datetime, end: dt.datetime) -> list[Hazard]:
    """Major hazards found in the month, or found before it and still open at some point of it; each with its
    public id record, when it has one."""
    open_in_month = Q(discovered_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=start))
    return list(
        hazards.filter(level=HazardLevel.MAJOR)
        .exclude(state=HazardState.WITHDRAWN)
        .filter(open_in_month)
        .select_related("enterprise", "region", "industry", "criterion__standard", "public_id")
        .order_by("discovered_at", "id")
    )


def _public_ids(hazards: list[Hazard]) -> dict[int, tuple[str, str]]:
    """(public id, public title) per hazard; the random ids of the hazards disclosed for the first time are
    made in one insert (a run beside this one may make some first: theirs are kept)."""
    known: dict[int, tuple[str, str]] = {}
    for hazard in hazards:
        record = getattr(hazard, "public_id", None)  # select_related: None when the hazard has none yet
        if record is not None:
            known[hazard.pk] = (record.public_id, record.title)
    missing = [hazard for hazard in hazards if hazard.pk not in known]
    if missing:
        PublicHazardId.objects.bulk_create(
            [PublicHazardId(tenant_id=hazard.tenant_id, hazard=hazard) for hazard in missing],
            ignore_conflicts=True,
        )
        made = PublicHazardId.objects.filter(hazard__in=missing).values_list(
            "hazard_id", "public_id", "title"
        )
        known.update({hazard_id: (public_id, title) for hazard_id, public_id, title in made})
    return {
        hazard.pk: (known[hazard.pk][0], known[hazard.pk][1] or default_title(hazard)) for hazard in hazards
    }


def _row(hazard: Hazard, public_id: str, title: str, policy: DisclosurePolicy) -> dict[str, Any]:
    row: dict[str, Any] = {
        "public_id": public_id,
        "code": hazard.code,
        "enterprise": hazard.enterprise.name,
        "credit_code": hazard.enterprise.credit_code,
        "region": hazard.region.name,
        "region_code": hazard.region.code,
        "industry": hazard.industry.code,
        "industry_name": hazard.industry.name,
        "title": title,
        "found": timezone.localtime(hazard.discovered_at).date().isoformat(),
        "state": hazard.state,
        "closed": timezone.localtime(hazard.closed_at).date().isoformat() if hazard.closed_at else None,
    }
    if policy.show_criterion and hazard.criterion:
        standard = hazard.criterion.standard
        row["criterion"] = f"{standard.name} {standard.document_number} 第{hazard.criterion.number}项"
    if policy.show_deadline:
        row["deadline"] = hazard.deadline.isoformat() if hazard.deadline else None
    if policy.show_listing:
        # The level of the listing (a ListingLevel code), never the supervising body's name typed by hand.
        row["listed"] = (hazard.listing_level or None) if hazard.listed else None
    return row


def _content(
    region: Region,
    month: dt.date,
    start: dt.datetime,
    end: dt.datetime,
    policy: DisclosurePolicy,
    tally: _Tally,
) -> dict[str, Any]:
    majors = [hazard for hazard, _row in tally.majors]
    rows = [dict(row) for _hazard, row in tally.majors]  # each draft its own rows
    results_extra: dict[str, Any] = {}
    if policy.show_listing:
        # Counts only: the disclosed major hazards under listed supervision at some point of the month, by
        # the level of the listing (never the body's name, nor anything typed).
        results_extra["listed_by_level"] = {
            level.value: sum(
                1
                for hazard in majors
                if hazard.listed
                and hazard.listing_level == level.value
                and (hazard.listing_lifted_at is None or hazard.listing_lifted_at >= start)
            )
            for level in ListingLevel
        }
    return {
        "region": {"code": region.code, "name": region.name, "name_en": region.name_en},
        "month": month.strftime("%Y-%m"),
        "major_hazards": rows,
        "progress": {
            "by_region": _progress(
                tally.found_by_region, tally.closed_by_region, majors, lambda hazard: hazard.region.name
            ),
            "by_industry": _progress(
                tally.found_by_industry, tally.closed_by_industry, majors, lambda hazard: hazard.industry.name
            ),
        },
        "results": {
            "closed_in_month": tally.closed,
            "major_closed_in_month": [
                r["public_id"]
                for r in rows
                if r["closed"] and start.date().isoformat() <= r["closed"] < end.date().isoformat()
            ],
            "overdue": tally.overdue,
            "extensions_granted": tally.extensions,
            **results_extra,
        },
        "policy": {
            "criterion": policy.show_criterion,
            "deadline": policy.show_deadline,
            "listing": policy.show_listing,
        },
    }


def _progress(
    found: Counter[str], closed: Counter[str], majors: list[Hazard], group_of: Callable[[Hazard], str]
) -> list[dict[str, Any]]:
    """Found and closed in the month per group, and the rectification rate of the disclosed major hazards."""
    major_total: dict[str, int] = {}
    major_closed: dict[str, int] = {}
    for hazard in majors:
        key = group_of(hazard)
        major_total[key] = major_total.get(key, 0) + 1
        major_closed[key] = major_closed.get(key, 0) + (hazard.state == HazardState.CLOSED)
    groups = sorted(set(found) | set(closed) | set(major_total))
    return [
        {
            "name": group,
            "found": found.get(group, 0),
            "closed": closed.get(group, 0),
            "major": major_total.get(group, 0),
            "major_closed": major_closed.get(group, 0),
            "major_rate": round(100 * major_closed.get(group, 0) / major_total[group])
            if major_total.get(group)
            else None,
        }
        for group in groups
    ]

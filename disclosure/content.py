"""What a monthly disclosure says: major hazards, rectification progress and results, redacted by policy.

Only fields listed here ever leave the ledger, and none of them is free text typed into it: no titles,
descriptions, locations, plans, reports, notes, names, phone numbers or photos, whatever the policy says.
A hazard is named by its *public title*: the words committee staff wrote for it in a draft review, else
the wording of the criterion it cites (every major hazard cites one), else its industry's name.
The rest is reference and directory data (codes, the registered enterprise name and credit code, region,
industry and criterion names), dates, states and counts.
"""

from __future__ import annotations

import datetime as dt
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


def _public_ids(hazards: list[Hazard]) -> dict[int, tuple[str, str]]:
    """(public id, public title) per hazard; the random id is made the first time the hazard is disclosed."""

    def known() -> dict[int, tuple[str, str]]:
        rows = PublicHazardId.objects.filter(hazard__in=hazards)
        return {
            hazard_id: (public_id, title)
            for hazard_id, public_id, title in rows.values_list("hazard_id", "public_id", "title")
        }

    existing = known()
    missing = [PublicHazardId(tenant_id=h.tenant_id, hazard=h) for h in hazards if h.pk not in existing]
    PublicHazardId.objects.bulk_create(missing, ignore_conflicts=True)
    if missing:
        existing = known()
    return {h.pk: (existing[h.pk][0], existing[h.pk][1] or default_title(h)) for h in hazards}


def reviewed_titles(public_ids: list[str]) -> dict[str, str]:
    """The public title of each disclosed hazard as it stands now (what publishing freezes)."""
    records = PublicHazardId.objects.filter(public_id__in=public_ids).select_related(
        "hazard__criterion", "hazard__industry"
    )
    return {record.public_id: record.title or default_title(record.hazard) for record in records}


def _majors(in_region: QuerySet[Hazard], start: dt.datetime, end: dt.datetime) -> list[Hazard]:
    """Major hazards found in the month, or found before it and still open at some point of it."""
    open_in_month = Q(discovered_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=start))
    return list(
        in_region.filter(level=HazardLevel.MAJOR)
        .exclude(state=HazardState.WITHDRAWN)
        .filter(open_in_month)
        .select_related("enterprise", "region", "industry", "criterion__standard")
        .order_by("discovered_at", "id")
    )


def build_content(*, region: Region, month: dt.date) -> dict[str, Any]:
    start, end = month_bounds(month)
    policy, _created = DisclosurePolicy.objects.get_or_create(tenant_id=region.tenant_id)
    in_region = Hazard.objects.filter(tenant_id=region.tenant_id, region_path__startswith=region.path)
    majors = _majors(in_region, start, end)
    ids = _public_ids(majors)
    rows = []
    for hazard in majors:
        public_id, title = ids[hazard.pk]
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
        rows.append(row)
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
    found_in_month = in_region.filter(discovered_at__gte=start, discovered_at__lt=end)
    closed_in_month = in_region.filter(closed_at__gte=start, closed_at__lt=end)
    return {
        "region": {"code": region.code, "name": region.name, "name_en": region.name_en},
        "month": month.strftime("%Y-%m"),
        "major_hazards": rows,
        "progress": {
            "by_region": _progress(found_in_month, closed_in_month, majors, "region__name"),
            "by_industry": _progress(found_in_month, closed_in_month, majors, "industry__name"),
        },
        "results": {
            "closed_in_month": closed_in_month.count(),
            "major_closed_in_month": [
                r["public_id"]
                for r in rows
                if r["closed"] and start.date().isoformat() <= r["closed"] < end.date().isoformat()
            ],
            "overdue": in_region.filter(
                state__in=OPEN_STATES, is_overdue=True, discovered_at__lt=end
            ).count(),
            "extensions_granted": Extension.objects.filter(
                tenant_id=region.tenant_id,
                hazard__region_path__startswith=region.path,
                status=ExtensionStatus.APPROVED,
                decided_at__gte=start,
                decided_at__lt=end,
            ).count(),
            **results_extra,
        },
        "policy": {
            "criterion": policy.show_criterion,
            "deadline": policy.show_deadline,
            "listing": policy.show_listing,
        },
    }


def _progress(
    found: QuerySet[Hazard], closed: QuerySet[Hazard], majors: list[Hazard], field: str
) -> list[dict[str, Any]]:
    """Found and closed in the month per group, and the rectification rate of the disclosed major hazards."""
    found_counts = dict(found.values_list(field).annotate(n=Count("pk")))
    closed_counts = dict(closed.values_list(field).annotate(n=Count("pk")))
    major_total: dict[str, int] = {}
    major_closed: dict[str, int] = {}
    for hazard in majors:
        key = hazard.region.name if field == "region__name" else hazard.industry.name
        major_total[key] = major_total.get(key, 0) + 1
        major_closed[key] = major_closed.get(key, 0) + (hazard.state == HazardState.CLOSED)
    groups = sorted(set(found_counts) | set(closed_counts) | set(major_total))
    return [
        {
            "name": group,
            "found": found_counts.get(group, 0),
            "closed": closed_counts.get(group, 0),
            "major": major_total.get(group, 0),
            "major_closed": major_closed.get(group, 0),
            "major_rate": round(100 * major_closed.get(group, 0) / major_total[group])
            if major_total.get(group)
            else None,
        }
        for group in groups
    ]

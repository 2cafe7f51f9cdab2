"""What the national tenant knows: the provinces' reported major hazards and monthly aggregates, read by its
committee staff and administrator. Every figure comes from what provinces reported, never their tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import PermissionDeniedError
from core.months import first_of_month, months_before
from hazards.choices import OPEN_STATES
from organizations.models import Region, User
from organizations.scoping import scope_for
from organizations.validators import COUNTRY_CODE

from .models import ExchangePartner, ReportedAggregate, ReportedHazard, StandardRelease, StandardsPull

COUNTRY_PATH = f"{COUNTRY_CODE}/"


def require_national_reader(actor: User) -> None:
    """403 unless the actor is the national tenant's committee staff or administrator."""
    scope = scope_for(actor)
    national = (
        scope.tenant_id is not None
        and Region.objects.filter(tenant_id=scope.tenant_id, code=COUNTRY_CODE).exists()
    )
    if not national or not (scope.is_tenant_admin or scope.committee_paths):
        raise PermissionDeniedError(_("Only the national tenant's staff see the national view."))


def national_major_hazards(*, actor: User, filters: dict[str, str]) -> QuerySet[ReportedHazard]:
    require_national_reader(actor)
    rows = ReportedHazard.objects.visible_to(actor).filter(level="major")
    if filters.get("province"):
        rows = rows.filter(province_code=filters["province"])
    if filters.get("industry"):
        rows = rows.filter(industry_code=filters["industry"])
    if filters.get("state") == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif filters.get("state"):
        rows = rows.filter(state=filters["state"])
    if filters.get("listed") in ("true", "false"):
        standing = Q(listed=True, listing_lifted=False)
        rows = rows.filter(standing) if filters["listed"] == "true" else rows.exclude(standing)
    if filters.get("overdue") in ("true", "false"):
        rows = rows.filter(is_overdue=filters["overdue"] == "true")
    return rows.order_by("province_code", "-changed_at", "id")


@dataclass(frozen=True)
class ProvinceSummary:
    code: str
    name: str
    open_majors: int
    closed_majors: int
    overdue_majors: int
    listed_majors: int
    last_received_at: dt.datetime | None
    last_seq: int


def national_provinces(*, actor: User) -> list[ProvinceSummary]:
    """One line per province of the country: its reported major hazards and when it last reported."""
    require_national_reader(actor)
    open_states = sorted(OPEN_STATES)
    counts = {
        row["province_code"]: row
        for row in ReportedHazard.objects.visible_to(actor)
        .filter(level="major")
        .values("province_code")
        .annotate(
            open=Count("id", filter=Q(state__in=open_states)),
            closed=Count("id", filter=Q(state="closed")),
            overdue=Count("id", filter=Q(state__in=open_states, is_overdue=True)),
            listed=Count("id", filter=Q(state__in=open_states, listed=True, listing_lifted=False)),
        )
    }
    partners = {partner.province_code: partner for partner in ExchangePartner.objects.visible_to(actor)}
    provinces = Region.objects.visible_to(actor).filter(level="province").order_by("code")
    summaries = []
    for province in provinces:
        row: dict[str, Any] = counts.get(province.code, {})
        partner = partners.get(province.code)
        summaries.append(
            ProvinceSummary(
                code=province.code,
                name=province.display_name,
                open_majors=row.get("open", 0),
                closed_majors=row.get("closed", 0),
                overdue_majors=row.get("overdue", 0),
                listed_majors=row.get("listed", 0),
                last_received_at=partner.last_received_at if partner else None,
                last_seq=partner.last_seq if partner else 0,
            )
        )
    return summaries


@dataclass(frozen=True)
class NationalDashboard:
    provinces: list[ProvinceSummary]
    industries: list[str]
    # province code -> industry code -> open major hazards
    by_industry: dict[str, dict[str, int]]
    # (month, found, closed), oldest first
    months: list[tuple[dt.date, int, int]]


def national_dashboard(*, actor: User, months: int = 12) -> NationalDashboard:
    provinces = national_provinces(actor=actor)
    by_industry: dict[str, dict[str, int]] = {}
    industries: set[str] = set()
    for row in (
        ReportedHazard.objects.visible_to(actor)
        .filter(level="major", state__in=sorted(OPEN_STATES))
        .values("province_code", "industry_name")
        .annotate(n=Count("id"))
    ):
        industries.add(row["industry_name"])
        by_industry.setdefault(row["province_code"], {})[row["industry_name"]] = row["n"]
    this_month = first_of_month(timezone.localdate())
    wanted = sorted([this_month, *months_before(this_month, months - 1)])
    sums = {
        row["month"]: (row["found"], row["closed"])
        for row in ReportedAggregate.objects.visible_to(actor)
        .filter(month__gte=wanted[0])
        .values("month")
        .annotate(found=Sum("found"), closed=Sum("closed"))
    }
    return NationalDashboard(
        provinces=provinces,
        industries=sorted(industries),
        by_industry=by_industry,
        months=[(month, *sums.get(month, (0, 0))) for month in wanted],
    )


# The provinces' monthly assessment: (indicator, weight, higher is better). Shown with the ranking.
NATIONAL_FORMULA = [
    ("rectification_rate", 40, True),
    ("overdue_major_share", 30, False),
    ("self_found_share", 20, True),
    ("reported", 10, True),
]


@dataclass(frozen=True)
class ProvinceAssessment:
    code: str
    name: str
    indicators: dict[str, float | None]
    score: float
    rank: int


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def national_assessment(*, actor: User, month: dt.date) -> list[ProvinceAssessment]:
    """Rank the provinces for the month from what they reported: the month's rectification rate (closed /
    found, aggregates), the share of open major hazards overdue (lower is better), the share of hazards the
    enterprises found themselves, and whether the month's aggregate arrived at all. A missing value scores
    0, as a province that reports nothing must not rank above one that does."""
    require_national_reader(actor)
    sums = {
        row["province_code"]: row
        for row in ReportedAggregate.objects.visible_to(actor)
        .filter(month=first_of_month(month))
        .values("province_code")
        .annotate(found=Sum("found"), closed=Sum("closed"), self_found=Sum("self_found"))
    }
    rows = []
    for province in national_provinces(actor=actor):
        month_row: dict[str, Any] = sums.get(province.code, {})
        open_majors = province.open_majors
        indicators: dict[str, float | None] = {
            "rectification_rate": _share(month_row.get("closed", 0), month_row.get("found", 0)),
            "overdue_major_share": _share(province.overdue_majors, open_majors) if open_majors else 0.0,
            "self_found_share": _share(month_row.get("self_found", 0), month_row.get("found", 0)),
            "reported": 100.0 if month_row else 0.0,
        }
        score = 0.0
        for name, weight, higher_better in NATIONAL_FORMULA:
            value = indicators[name]
            if value is None:
                continue
            score += weight * (value if higher_better else 100 - value) / 100
        rows.append((province, indicators, round(score, 2)))
    rows.sort(key=lambda row: (-row[2], row[0].code))
    return [
        ProvinceAssessment(code=p.code, name=p.name, indicators=ind, score=score, rank=index + 1)
        for index, (p, ind, score) in enumerate(rows)
    ]


def standard_releases(*, actor: User) -> QuerySet[StandardRelease]:
    """The national standards releases, newest first (the national tenant's staff)."""
    require_national_reader(actor)
    return StandardRelease.objects.visible_to(actor).order_by("-seq")


def standards_pull_status(*, actor: User) -> StandardsPull | None:
    """How the tenant's standards pulls went (its administrator only)."""
    if not scope_for(actor).is_tenant_admin:
        raise PermissionDeniedError(_("Only the system administrator sees the exchange's bookkeeping."))
    return StandardsPull.objects.visible_to(actor).first()

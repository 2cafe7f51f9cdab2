"""The monthly drafts of every region with a committee, on a small province's month: what each draft says, and
what building them all costs in queries.

`reference_build_content` below is the per-region build as it stood before the month's drafts were built in
one pass over the tenant (commit 73397e6, disclosure/content.py), kept here for this comparison only: every
region's draft must say exactly what that code said, whatever the drafts are built with now.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.months import month_bounds
from disclosure.content import build_content, build_contents
from disclosure.models import DisclosurePolicy, Publication, PublicHazardId
from disclosure.services import publication_build_month, regions_with_committee
from hazards.choices import OPEN_STATES, ExtensionStatus, HazardLevel, HazardSource, HazardState, ListingLevel
from hazards.models import Criterion, Extension, Hazard
from organizations.choices import Role
from organizations.models import Enterprise, Region, User
from organizations.services import region_create
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory

MONTH = dt.date(2026, 3, 1)

# ------------------------------------------------------------------ the per-region build, as it was


def _reference_default_title(hazard: Hazard) -> str:
    if hazard.criterion is not None:
        return hazard.criterion.text
    return f"{hazard.industry.name}重大事故隐患"


def _reference_public_ids(hazards: list[Hazard]) -> dict[int, tuple[str, str]]:
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
    return {h.pk: (existing[h.pk][0], existing[h.pk][1] or _reference_default_title(h)) for h in hazards}


def _reference_majors(in_region: QuerySet[Hazard], start: dt.datetime, end: dt.datetime) -> list[Hazard]:
    open_in_month = Q(discovered_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=start))
    return list(
        in_region.filter(level=HazardLevel.MAJOR)
        .exclude(state=HazardState.WITHDRAWN)
        .filter(open_in_month)
        .select_related("enterprise", "region", "industry", "criterion__standard")
        .order_by("discovered_at", "id")
    )


def reference_build_content(*, region: Region, month: dt.date) -> dict[str, Any]:
    start, end = month_bounds(month)
    policy, _created = DisclosurePolicy.objects.get_or_create(tenant_id=region.tenant_id)
    in_region = Hazard.objects.filter(tenant_id=region.tenant_id, region_path__startswith=region.path)
    majors = _reference_majors(in_region, start, end)
    ids = _reference_public_ids(majors)
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
            row["listed"] = (hazard.listing_level or None) if hazard.listed else None
        rows.append(row)
    results_extra: dict[str, Any] = {}
    if policy.show_listing:
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
            "by_region": _reference_progress(found_in_month, closed_in_month, majors, "region__name"),
            "by_industry": _reference_progress(found_in_month, closed_in_month, majors, "industry__name"),
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


def _reference_progress(
    found: QuerySet[Hazard], closed: QuerySet[Hazard], majors: list[Hazard], field: str
) -> list[dict[str, Any]]:
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


# ------------------------------------------------------------------ a province's month, row by row

_codes = itertools.count(1)


def at(day: str, time: str = "10:00") -> dt.datetime:
    """A moment of the tenant's local day ("2026-03-05", "23:59")."""
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{time}"))


def hazard(
    enterprise: Enterprise,
    industry_code: str,
    found: dt.datetime,
    *,
    by: User,
    state: str = HazardState.RECTIFYING,
    criterion: Criterion | None = None,
    closed: dt.datetime | None = None,
    **fields: Any,
) -> Hazard:
    """A ledger row as the services leave it at some point of the loop (the content reads only columns)."""
    return Hazard.objects.create(
        tenant_id=enterprise.tenant_id,
        code=f"T{enterprise.region.code}-{next(_codes):05d}",
        enterprise=enterprise,
        region=enterprise.region,
        region_path=enterprise.region_path,
        industry=enterprise.industries.get(code=industry_code),
        source=HazardSource.INSPECTION,
        title="现场发现的问题（录入原文，不公开）",
        description="录入的描述，不公开",
        location="录入的位置，不公开",
        level=HazardLevel.MAJOR if criterion else HazardLevel.GENERAL,
        criterion=criterion,
        discovered_by=by,
        discovered_at=found,
        state=HazardState.CLOSED if closed and state == HazardState.RECTIFYING else state,
        closed_at=closed,
        **fields,
    )


def committee_on(region: Region, name: str) -> User:
    user = UserFactory.create(username=name, tenant=region.tenant)
    MembershipFactory.create(user=user, role=Role.COMMITTEE_STAFF, region=region)
    return user


def extension(target: Hazard, status: str, decided: dt.datetime | None, by: User) -> Extension:
    return Extension.objects.create(
        tenant_id=target.tenant_id,
        hazard=target,
        requested_by=by,
        requested_at=(decided or at("2026-03-20")) - dt.timedelta(days=2),
        previous_deadline=dt.date(2026, 3, 20),
        new_deadline=dt.date(2026, 4, 20),
        reason="设备到货延迟",
        status=status,
        decided_by=by if decided else None,
        decided_at=decided,
    )


@pytest.fixture
def province_month(world, standards):
    """Tenant A's March 2026: committees on the province, the first city, its county 甲区, the second city,
    the second city's own 甲区 (the same name as the first city's) and its empty 丙区; none on 乙区.
    Hazards of five industries found, closed and overdue in and around the month, majors listed and lifted,
    extensions approved, refused and pending. Tenant B has a month of its own in the same database."""
    w = world.a
    twin = region_create(
        tenant=w.tenant, code="210102", name="甲区", name_en="County A2", parent=w.other_city
    )
    empty = region_create(
        tenant=w.tenant, code="210103", name="丙区", name_en="County C", parent=w.other_city
    )
    for region, name in [(w.province, "p"), (w.county, "c"), (w.other_city, "o"), (twin, "t"), (empty, "e")]:
        committee_on(region, f"alpha-committee-{name}")
    coal = EnterpriseFactory.create(
        region=twin, name="甲区煤业有限公司", industries=[w.industries["coal_mines"]]
    )
    gas = EnterpriseFactory.create(
        region=w.city, name="一市燃气有限公司", industries=[w.industries["town_gas"]]
    )
    chem = Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="3")
    chem_other = (
        Criterion.objects.filter(standard__key="hazardous-chemicals-2017").exclude(pk=chem.pk).first()
    )
    building = Criterion.objects.filter(standard__key="construction-2022").first()
    mine = Criterion.objects.filter(standard__key="coal-mines-2020").first()
    officer, chemicals = w.officer, "hazardous_chemicals"

    # The first city's county 甲区 (hazardous chemicals).
    overdue = hazard(
        w.enterprise, chemicals, at("2026-03-05"), by=officer, deadline=dt.date(2026, 3, 20), is_overdue=True
    )
    hazard(w.enterprise, chemicals, at("2026-02-10"), by=officer, closed=at("2026-03-03"))
    hazard(w.enterprise, chemicals, at("2026-03-31", "23:30"), by=officer, state=HazardState.REPORTED)
    hazard(w.enterprise, chemicals, at("2026-04-01", "00:00"), by=officer, is_overdue=True)  # the next month
    hazard(
        w.enterprise, chemicals, at("2025-12-01"), by=officer, state="pending_verification", is_overdue=True
    )
    hazard(w.enterprise, chemicals, at("2025-12-02"), by=officer, closed=at("2026-01-10"), is_overdue=True)
    hazard(w.enterprise, chemicals, at("2026-03-06"), by=officer, closed=at("2026-04-01", "00:00"))
    listed = hazard(
        w.enterprise,
        chemicals,
        at("2026-01-15"),
        by=officer,
        criterion=chem,
        deadline=dt.date(2026, 3, 30),
        listed=True,
        listing_level=ListingLevel.CITY,
        listing_committee=w.city,
        listed_at=at("2026-01-20"),
    )
    PublicHazardId.objects.create(tenant=w.tenant, hazard=listed, title="储罐区紧急切断装置缺失")
    twins = at("2026-03-02", "09:00")  # two majors found at the same moment: listed by id
    hazard(
        w.enterprise,
        chemicals,
        twins,
        by=officer,
        criterion=chem_other,
        closed=at("2026-03-25"),
        deadline=dt.date(2026, 3, 28),
        listed=True,
        listing_level=ListingLevel.COUNTY,
        listing_department=w.department,
        listing_lifted_at=at("2026-03-26"),
    )
    hazard(w.enterprise, chemicals, twins, by=officer, criterion=chem, state=HazardState.HANDED_OVER)
    hazard(w.enterprise, chemicals, at("2025-11-01"), by=officer, criterion=chem, closed=at("2026-02-27"))
    hazard(w.enterprise, chemicals, at("2026-03-10"), by=officer, criterion=chem, state=HazardState.WITHDRAWN)
    hazard(
        w.enterprise,
        chemicals,
        at("2025-12-01"),
        by=officer,
        criterion=chem,
        closed=at("2026-03-01", "00:00"),
        listed=True,
        listing_level=ListingLevel.PROVINCE,
        listing_committee=w.province,
        listing_lifted_at=at("2026-03-05"),
    )
    hazard(  # closed in January, its listing lifted then, reopened since: listed, but not in the month
        w.enterprise,
        chemicals,
        at("2025-10-01"),
        by=officer,
        criterion=chem,
        listed=True,
        listing_level=ListingLevel.PROVINCE,
        listing_committee=w.province,
        listing_lifted_at=at("2026-01-12"),
    )
    extension(overdue, ExtensionStatus.APPROVED, at("2026-02-25"), w.inspector)
    extension(overdue, ExtensionStatus.REFUSED, at("2026-03-19"), w.inspector)
    extension(overdue, ExtensionStatus.APPROVED, at("2026-03-31", "23:59"), w.inspector)
    extension(overdue, ExtensionStatus.PENDING, None, w.inspector)

    # 乙区 (construction), no committee of its own: in the first city's and the province's drafts.
    handed = hazard(
        w.construction_enterprise,
        "construction",
        at("2026-03-15"),
        by=officer,
        criterion=building,
        state=HazardState.HANDED_OVER,
    )
    extension(handed, ExtensionStatus.APPROVED, at("2026-03-18"), w.inspector)
    hazard(w.construction_enterprise, "construction", at("2026-03-20"), by=officer, closed=at("2026-03-28"))

    # The first city itself (town gas).
    hazard(gas, "town_gas", at("2026-03-03"), by=officer, closed=at("2026-03-04"))
    hazard(gas, "town_gas", at("2026-01-05"), by=officer, is_overdue=True)

    # The second city (hazardous chemicals) and its 甲区 (coal mines).
    hazard(w.other_city_enterprise, chemicals, at("2026-03-08"), by=officer, closed=at("2026-03-09"))
    hazard(
        w.other_city_enterprise,
        chemicals,
        at("2026-03-11"),
        by=officer,
        criterion=chem,
        state=HazardState.CONFIRMED,
        listed=True,
        listing_level=ListingLevel.CITY,
        listing_committee=w.other_city,
    )
    hazard(coal, "coal_mines", at("2026-03-12"), by=officer)
    hazard(coal, "coal_mines", at("2026-03-13"), by=officer, criterion=mine)
    hazard(coal, "coal_mines", at("2026-03-01", "00:00"), by=officer, is_overdue=True)

    # Tenant B's month: never in A's drafts.
    b = world.b
    hazard(b.enterprise, chemicals, at("2026-03-05"), by=b.officer, criterion=chem, is_overdue=True)
    hazard(b.enterprise, chemicals, at("2026-03-06"), by=b.officer, closed=at("2026-03-07"))
    return w


def twin_of(w: Any) -> Region:
    return Region.objects.get(tenant=w.tenant, code="210102")


def _content_of(publications: QuerySet[Publication]) -> dict[int, dict[str, Any]]:
    return {publication.region_id: publication.content for publication in publications}


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"show_criterion": False, "show_deadline": False, "show_listing": False},
        {"show_criterion": True, "show_deadline": False, "show_listing": True},
    ],
    ids=["every-field", "no-optional-field", "no-deadline"],
)
def test_every_regions_draft_says_what_the_per_region_build_said(province_month, policy) -> None:
    w = province_month
    DisclosurePolicy.objects.create(tenant=w.tenant, **policy)
    regions = regions_with_committee(w.tenant)
    assert [region.code for region in regions] == ["210000", "210100", "210102", "210103", "210200", "210211"]

    # Two counties of different cities: the tenant's month is read, only their hazards get a public id.
    build_contents(tenant_id=w.tenant.pk, month=MONTH, regions=[w.county, twin_of(w)])
    assert PublicHazardId.objects.filter(tenant=w.tenant).count() == 6

    publication_build_month(tenant=w.tenant, month=MONTH)
    drafts = _content_of(Publication.objects.filter(tenant=w.tenant, month=MONTH, status="draft"))
    assert set(drafts) == {region.pk for region in regions}
    # One public id per disclosed major hazard of the tenant (and the reviewed one kept), made by the build.
    made = dict(PublicHazardId.objects.filter(tenant=w.tenant).values_list("hazard__code", "public_id"))
    assert len(made) == 8

    expected = {region.pk: reference_build_content(region=region, month=MONTH) for region in regions}
    assert (
        dict(PublicHazardId.objects.filter(tenant=w.tenant).values_list("hazard__code", "public_id")) == made
    )
    contents = build_contents(tenant_id=w.tenant.pk, month=MONTH, regions=regions)
    for region in regions:
        assert drafts[region.pk] == expected[region.pk], region.code
        # The same dictionaries, key order and all, from the build itself and from its one-region form.
        assert json.dumps(contents[region.pk]) == json.dumps(expected[region.pk]), region.code
        assert json.dumps(build_content(region=region, month=MONTH)) == json.dumps(expected[region.pk])

    # A committee set up on 乙区 since: the next run drafts it alone, and keeps the others' drafts.
    committee_on(w.sibling_county, "alpha-committee-s")
    run = publication_build_month(tenant=w.tenant, month=MONTH)
    assert (run.created, run.existing) == (1, 6)
    late = Publication.objects.get(tenant=w.tenant, month=MONTH, region=w.sibling_county)
    assert late.content == reference_build_content(region=w.sibling_county, month=MONTH)
    assert _content_of(Publication.objects.filter(tenant=w.tenant, month=MONTH).exclude(pk=late.pk)) == drafts

    # The month exercises what the content says: checked by hand on the province's and the counties' drafts.
    province = expected[w.province.pk]
    assert [row["name"] for row in province["progress"]["by_region"]] == ["一市", "乙区", "二市", "甲区"]
    twin_a = next(row for row in province["progress"]["by_region"] if row["name"] == "甲区")
    # Both 甲区 (the first city's and the second's) under one name, as the per-region build grouped them.
    assert (twin_a["found"], twin_a["closed"], twin_a["major"], twin_a["major_closed"]) == (9, 3, 6, 2)
    assert province["results"]["closed_in_month"] == 6
    assert province["results"]["overdue"] == 4
    assert province["results"]["extensions_granted"] == 2
    assert len(province["major_hazards"]) == 8 and len(province["results"]["major_closed_in_month"]) == 2
    if policy.get("show_listing", True):
        assert province["results"]["listed_by_level"] == {"provincial": 1, "municipal": 2, "county_level": 1}
    county = expected[w.county.pk]
    assert "储罐区紧急切断装置缺失" in [row["title"] for row in county["major_hazards"]]  # the reviewed title
    assert "录入" not in json.dumps(expected, ensure_ascii=False)  # nothing typed into the ledger
    assert county["results"]["extensions_granted"] == 1 and county["results"]["overdue"] == 2
    assert expected[Region.objects.get(tenant=w.tenant, code="210103").pk]["major_hazards"] == []


def test_building_a_month_costs_the_same_queries_for_3_regions_as_for_12(world, standards) -> None:
    criterion = Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="3")

    def province_with(w: Any, counties: int) -> None:
        """`counties` new counties under the first city, each with a committee, a major and a general hazard
        of the month (the city's committee makes one region more)."""
        prefix = w.city.code[:4]
        for number in range(counties):
            county = region_create(
                tenant=w.tenant, code=f"{prefix}{81 + number}", name=f"新区{number}", parent=w.city
            )
            committee_on(county, f"{w.tenant.slug}-committee-{number}")
            enterprise = EnterpriseFactory.create(
                region=county, industries=[w.industries["hazardous_chemicals"]]
            )
            hazard(enterprise, "hazardous_chemicals", at("2026-03-04"), by=w.officer, criterion=criterion)
            hazard(enterprise, "hazardous_chemicals", at("2026-03-05"), by=w.officer, closed=at("2026-03-06"))

    def queries(w: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            publication_build_month(tenant=w.tenant, month=MONTH)
        return len(captured.captured_queries)

    province_with(world.a, 2)  # 3 regions with a committee: the city and two new counties
    province_with(world.b, 11)  # 12
    assert (
        len(regions_with_committee(world.a.tenant)) == 3 and len(regions_with_committee(world.b.tenant)) == 12
    )
    few, many = queries(world.a), queries(world.b)
    assert Publication.objects.filter(tenant=world.b.tenant, month=MONTH).count() == 12
    assert many == few, f"{few} queries for 3 regions, {many} for 12"
    # The regions, the month's publications, the policy, the majors with their public ids, the new public
    # ids and a read of them, the found and closed counts, the overdue, the extensions, the drafts; savepoints
    assert many <= 15

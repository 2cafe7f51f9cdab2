"""The load tenant's directory: a full region tree, departments with staff, enterprises with officers.

Regions are the real codes of the province from organizations/data/regions.csv, filled out with further
county codes under each city (as a province really has ~100 county-level units). Departments follow the
demo world's plan (the usual committee members of a city, emergency management and construction in each
county); every region gets committee staff (so every region gets a monthly disclosure) and every
department an inspector. Enterprises and their officers go in by COPY.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from organizations.choices import EnterpriseScale, EnterpriseStatus, Role
from organizations.demo import (
    CITY_DEPARTMENTS,
    COUNTY_DEPARTMENTS,
    INDUSTRY_WORDS,
    MINE_WORDS,
    REGIONS_CSV,
    STEMS,
)
from organizations.models import Department, Industry, Membership, Region, Tenant, User
from organizations.services import region_create, tenant_create
from organizations.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

from .copying import copy_lines, line, reserve_ids

PROVINCE = ("210000", "辽宁省（负载）", "Liaoning (load)")
# The 31 provinces the national tenant knows (exchange/national.py reads the same file). Read by its path, not
# imported: the ledger's apps sit below exchange (tests/core/test_import_direction.py).
PROVINCES_CSV = Path(__file__).resolve().parents[2] / "exchange" / "data" / "provinces.csv"
COUNTIES_PER_CITY = 7
# A province with no cities in regions.csv gets this many, with codes xx0100, xx0200 … (as a province has).
SYNTHETIC_CITIES = 14
COUNTY_NAMES = [
    "东城",
    "西城",
    "南山",
    "北湖",
    "河口",
    "新区",
    "高新",
    "开发",
    "临港",
    "山前",
    "青云",
    "石桥",
]
# Enterprises per industry differ a lot in a real province: many shops and sites, few mines.
INDUSTRY_WEIGHTS = {
    "fire_safety": 18,
    "construction": 16,
    "industry_trade": 16,
    "road_traffic": 10,
    "special_equipment": 9,
    "hazardous_chemicals": 8,
    "town_gas": 6,
    "tourism": 6,
    "mines": 4,  # coal mines and non-coal mines, by the word of the name (organizations.demo.MINE_WORDS)
    "water_traffic": 4,
    "fishing_vessels": 3,
}
# An unusable password hash ("!" prefix, as set_unusable_password writes): nobody signs in with these.
UNUSABLE_PASSWORD = "!load-test-account"  # noqa: S105


@dataclass
class Directory:
    tenant: Tenant
    regions: list[Region]
    industries: dict[str, Industry]
    admin: User
    committee: dict[int, int]  # region id -> committee user id
    # (region id, industry id) -> user id of an inspector of the nearest covering department
    inspector_for: dict[tuple[int, int], int] = field(default_factory=dict)
    department_for: dict[tuple[int, int], int] = field(default_factory=dict)
    inspector_for_department: dict[int, int] = field(default_factory=dict)
    # enterprise rows: (id, region id, region path, region code, industry id, officer user id)
    enterprises: list[tuple[int, int, str, str, int, int]] = field(default_factory=list)


def province_names(code: str) -> tuple[str, str, str]:
    """(code, name, English name) of the load tenant's province: one of the 31 of exchange/data/provinces.csv
    (the national tenant's children), so that several load provinces report upward as different provinces."""
    if code == PROVINCE[0]:
        return PROVINCE
    with PROVINCES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["code"] == code:
                return code, f"{row['name_zh']}（负载）", f"{row['name_en']} (load)"
    raise ValueError(f"{code} is no province code of exchange/data/provinces.csv")


def _region_rows(province: str) -> list[dict[str, str]]:
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["code"][:2] == province[:2]]
    if any(row["level"] == "city" for row in rows):
        return rows
    # Not in regions.csv: numbered cities (their counties are filled in below, as for the real ones).
    short = province_names(province)[1].split("（")[0].rstrip("省市")
    english = province_names(province)[2].removesuffix(" (load)")
    return [
        {
            "code": f"{province[:2]}{number:02d}00",
            "parent_code": province,
            "level": "city",
            "name_zh": f"{short}第{number}市",
            "name_en": f"{english} city {number}",
        }
        for number in range(1, SYNTHETIC_CITIES + 1)
    ]


def _build_regions(tenant: Tenant, counties_per_city: int, code: str = PROVINCE[0]) -> list[Region]:
    code, name, name_en = province_names(code)
    rows = _region_rows(code)
    if not any(row["level"] == "county" for row in rows):
        counties_per_city = max(counties_per_city, 1)  # enterprises sit in counties: every city needs one
    province = region_create(tenant=tenant, code=code, name=name, name_en=name_en)
    regions = [province]
    cities = {}
    for row in rows:
        if row["level"] == "city":
            cities[row["code"]] = region_create(
                tenant=tenant, code=row["code"], name=row["name_zh"], name_en=row["name_en"], parent=province
            )
            regions.append(cities[row["code"]])
    for code, city in cities.items():
        known = [row for row in rows if row["level"] == "county" and row["parent_code"] == code]
        for row in known:
            regions.append(
                region_create(
                    tenant=tenant, code=row["code"], name=row["name_zh"], name_en=row["name_en"], parent=city
                )
            )
        taken = {row["code"] for row in known}
        number = 2  # xxxx01 is the city's own districts as a whole (市辖区): never a county of its own
        while len(taken) < counties_per_city:
            county_code = f"{code[:4]}{number:02d}"
            number += 1
            if county_code in taken:
                continue
            taken.add(county_code)
            stem = COUNTY_NAMES[(number + int(code[2:4])) % len(COUNTY_NAMES)]
            regions.append(
                region_create(
                    tenant=tenant,
                    code=county_code,
                    name=f"{city.name.rstrip('市')}{stem}区",
                    name_en=f"{city.name_en} {county_code}",
                    parent=city,
                )
            )
    return regions


def _staff_user(tenant: Tenant, username: str, full_name: str) -> User:
    return User(
        tenant=tenant,
        username=username,
        full_name=full_name,
        password=UNUSABLE_PASSWORD,
        email=f"{username}@example.gov.cn",
    )


def _build_staff(tenant: Tenant, regions: list[Region], industries: dict[str, Industry]) -> Directory:
    slug = tenant.slug
    admin = _staff_user(tenant, f"{slug}-admin", "负载管理员")
    admin.save()
    Membership.objects.create(tenant=tenant, user=admin, role=Role.TENANT_ADMIN)
    committee_users = User.objects.bulk_create(
        [_staff_user(tenant, f"{slug}-committee-{r.code}", f"{r.name}安委办") for r in regions]
    )
    Membership.objects.bulk_create(
        [
            Membership(tenant=tenant, user=user, role=Role.COMMITTEE_STAFF, region=region)
            for user, region in zip(committee_users, regions, strict=True)
        ]
    )
    plan: list[tuple[Region, str, str, str, list[str]]] = []
    for region in regions:
        if region.level == "province":
            plan.append(
                (region, "yj", "应急管理厅", "Emergency Management Department", CITY_DEPARTMENTS[0][3])
            )
        elif region.level == "city":
            plan += [(region, *entry) for entry in CITY_DEPARTMENTS]
        else:
            plan += [(region, *entry) for entry in COUNTY_DEPARTMENTS]
    departments = Department.objects.bulk_create(
        [
            Department(
                tenant=tenant, region=region, name=f"{region.name}{zh}", name_en=f"{region.name_en} {en}"
            )
            for region, _key, zh, en, _codes in plan
        ]
    )
    Department.industries.through.objects.bulk_create(
        [
            Department.industries.through(department_id=department.pk, industry_id=industries[code].pk)
            for department, (_r, _k, _zh, _en, codes) in zip(departments, plan, strict=True)
            for code in codes
        ]
    )
    inspectors = User.objects.bulk_create(
        [_staff_user(tenant, f"{slug}-inspector-{d.pk}", f"{d.name}检查员") for d in departments]
    )
    Membership.objects.bulk_create(
        [
            Membership(tenant=tenant, user=user, role=Role.INSPECTOR, department=department)
            for user, department in zip(inspectors, departments, strict=True)
        ]
    )
    directory = Directory(
        tenant=tenant,
        regions=regions,
        industries=industries,
        admin=admin,
        committee={region.pk: user.pk for region, user in zip(regions, committee_users, strict=True)},
    )
    directory.inspector_for_department = {
        department.pk: inspector.pk for department, inspector in zip(departments, inspectors, strict=True)
    }
    # The nearest covering department: the county's own, else the city's, else the province's.
    covering: dict[tuple[int, str], tuple[int, int]] = {}
    for department, inspector, (region, _k, _zh, _en, codes) in zip(
        departments, inspectors, plan, strict=True
    ):
        for code in codes:
            covering.setdefault((region.pk, code), (department.pk, inspector.pk))
    by_pk = {region.pk: region for region in regions}
    for region in regions:
        for code, industry in industries.items():
            node: Region | None = region
            while node is not None and (node.pk, code) not in covering:
                node = by_pk.get(node.parent_id) if node.parent_id else None
            if node is not None:
                department_id, inspector_id = covering[(node.pk, code)]
            else:  # nobody regulates it here: the region's committee follows it
                department_id, inspector_id = departments[0].pk, directory.committee[region.pk]
            directory.inspector_for[(region.pk, industry.pk)] = inspector_id
            directory.department_for[(region.pk, industry.pk)] = department_id
    return directory


def credit_code(rng: random.Random, region_code: str) -> str:
    body = "91" + region_code + "".join(rng.choices(CREDIT_CODE_ALPHABET, k=9))
    return body + credit_code_check_character(body)


def _build_enterprises(directory: Directory, count: int, rng: random.Random) -> None:
    tenant = directory.tenant
    counties = [r for r in directory.regions if r.level == "county"]
    cities = [r for r in directory.regions if r.level == "city"]
    # Nine in ten enterprises sit in a county; the rest are registered at city level.
    places = rng.choices(counties, k=count * 9 // 10) + rng.choices(cities, k=count - count * 9 // 10)
    codes = list(INDUSTRY_WEIGHTS)
    chosen = rng.choices(codes, weights=list(INDUSTRY_WEIGHTS.values()), k=count)
    first = reserve_ids("organizations_enterprise", count)
    first_user = reserve_ids("organizations_user", count)
    now = timezone.now()
    seen: set[str] = set()
    rows: list[str] = []
    links: list[str] = []
    officers: list[str] = []
    memberships: list[str] = []
    for index in range(count):
        region, code = places[index], chosen[index]
        pk, user_pk = first + index, first_user + index
        words, suffix = INDUSTRY_WORDS[code]
        place = region.name.rstrip("市区县") or region.name
        first_stem, second_stem, word = rng.choice(STEMS), rng.choice(STEMS), rng.choice(words)
        name = f"{place}{first_stem}{second_stem}{word}{suffix}"
        credit = credit_code(rng, region.code)
        while credit in seen:
            credit = credit_code(rng, region.code)
        seen.add(credit)
        scale = rng.choices(EnterpriseScale.values, weights=[1, 3, 8, 20][: len(EnterpriseScale.values)])[0]
        status = EnterpriseStatus.OPERATING if rng.random() < 0.97 else rng.choice(EnterpriseStatus.values)
        address = f"{region.name}{rng.choice(STEMS)}路{rng.randint(1, 999)}号"
        rows.append(line(pk, tenant.pk, name, credit, region.pk, region.path, address, scale, status, now))
        industry = directory.industries[MINE_WORDS.get(word, code)]  # "mines": coal or non-coal by the word
        links.append(line(pk, industry.pk))
        username = f"{tenant.slug}-officer-{index + 1}"
        officers.append(
            line(user_pk, UNUSABLE_PASSWORD, False, username, "", "", "", False, True, now, tenant.pk, "", "")
        )
        memberships.append(line(tenant.pk, user_pk, Role.ENTERPRISE_OFFICER, pk, None, None, True, now))
        directory.enterprises.append((pk, region.pk, region.path, region.code, industry.pk, user_pk))
    copy_lines(
        "organizations_enterprise",
        [
            "id",
            "tenant_id",
            "name",
            "credit_code",
            "region_id",
            "region_path",
            "address",
            "scale",
            "status",
            "created_at",
        ],
        rows,
    )
    copy_lines("organizations_enterprise_industries", ["enterprise_id", "industry_id"], links)
    copy_lines(
        "organizations_user",
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "tenant_id",
            "full_name",
            "phone",
        ],
        officers,
    )
    copy_lines(
        "organizations_membership",
        [
            "tenant_id",
            "user_id",
            "role",
            "enterprise_id",
            "department_id",
            "region_id",
            "is_active",
            "created_at",
        ],
        memberships,
    )


@transaction.atomic
def build_directory(
    *,
    slug: str,
    enterprises: int,
    rng: random.Random,
    counties_per_city: int = COUNTIES_PER_CITY,
    province: str = PROVINCE[0],
) -> Directory:
    _code, name, name_en = province_names(province)
    tenant = tenant_create(slug=slug, name=f"{name}·{slug}", name_en=f"{name_en} {slug}")
    industries = {industry.code: industry for industry in Industry.objects.filter(tenant=tenant)}
    regions = _build_regions(tenant, counties_per_city, province)
    directory = _build_staff(tenant, regions, industries)
    _build_enterprises(directory, enterprises, rng)
    return directory

"""The demo world's directory: two provinces, their departments, ~200 enterprises and the demo accounts.

Deterministic (fixed seed) and idempotent: running it twice changes nothing but resetting demo passwords.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from .choices import EnterpriseScale, Role
from .models import Department, Enterprise, Industry, Membership, Region, Tenant, User
from .services import region_create, tenant_create
from .validators import CREDIT_CODE_ALPHABET, credit_code_check_character

REGIONS_CSV = Path(__file__).resolve().parent / "data" / "regions.csv"

TENANTS = [("liaoning", "210000", "辽宁省", "Liaoning"), ("shanxi", "140000", "山西省", "Shanxi")]

# The usual committee member departments of a city, with the industries each regulates.
CITY_DEPARTMENTS: list[tuple[str, str, str, list[str]]] = [
    ("yj", "应急管理局", "Emergency Management Bureau", ["hazardous_chemicals", "mines", "industry_trade"]),
    ("zj", "住房和城乡建设局", "Housing and Urban-Rural Development Bureau", ["construction", "town_gas"]),
    ("jt", "交通运输局", "Transport Bureau", ["road_traffic", "water_traffic"]),
    ("xf", "消防救援支队", "Fire and Rescue Detachment", ["fire_safety"]),
    ("sj", "市场监督管理局", "Market Regulation Administration", ["special_equipment"]),
    ("hy", "海洋发展局", "Ocean Development Bureau", ["fishing_vessels"]),
    ("wl", "文化和旅游局", "Culture and Tourism Bureau", ["tourism"]),
    ("gx", "工业和信息化局", "Industry and Information Technology Bureau", ["industry_trade"]),
    ("cg", "城市管理局", "Urban Management Bureau", ["town_gas"]),
]
# Inland provinces follow fishing vessels through agriculture and rural affairs.
INLAND_FISHERIES = ("hy", "农业农村局", "Agriculture and Rural Affairs Bureau", ["fishing_vessels"])
COUNTY_DEPARTMENTS = [CITY_DEPARTMENTS[0], CITY_DEPARTMENTS[1]]

INDUSTRY_WORDS: dict[str, tuple[list[str], str]] = {
    "mines": (["煤业", "矿业", "石料"], "有限公司"),
    "hazardous_chemicals": (["化工", "石化储运", "精细化工", "气体"], "有限公司"),
    "road_traffic": (["客运", "物流运输", "危货运输"], "有限公司"),
    "construction": (["建设工程", "建筑安装", "市政工程"], "有限公司"),
    "town_gas": (["燃气", "液化气供应"], "有限公司"),
    "fire_safety": (["商业广场", "购物中心", "酒店管理"], "有限公司"),
    "water_traffic": (["轮渡", "港口作业"], "有限公司"),
    "fishing_vessels": (["远洋渔业", "水产捕捞"], "有限公司"),
    "tourism": (["旅游开发", "景区管理"], "有限公司"),
    "industry_trade": (["钢铁", "机械制造", "食品加工", "冷链仓储"], "有限公司"),
    "special_equipment": (["电梯工程", "起重设备", "锅炉"], "有限公司"),
}
STEMS = [
    "恒泰",
    "宏达",
    "金源",
    "海昌",
    "北方",
    "长兴",
    "联合",
    "新华",
    "瑞丰",
    "东方",
    "振兴",
    "盛世",
    "鑫源",
    "华信",
    "永安",
    "晋能",
    "汾河",
    "龙城",
    "滨海",
    "辽南",
]

ENTERPRISE_PLAN: list[tuple[str, int]] = [
    # (region code, number of enterprises) — ~200 in all, weighted to the cities the demo accounts work in.
    ("210211", 24),
    ("210202", 8),
    ("210203", 6),
    ("210204", 8),
    ("210212", 6),
    ("210213", 10),
    ("210214", 5),
    ("210224", 4),
    ("210281", 6),
    ("210283", 5),
    ("210100", 14),
    ("210300", 6),
    ("210400", 4),
    ("210500", 3),
    ("210600", 3),
    ("210700", 3),
    ("210800", 4),
    ("210900", 2),
    ("211000", 2),
    ("211100", 4),
    ("211200", 2),
    ("211300", 2),
    ("211400", 2),
    ("140105", 8),
    ("140106", 4),
    ("140107", 4),
    ("140108", 5),
    ("140109", 4),
    ("140110", 3),
    ("140121", 2),
    ("140181", 4),
    ("140200", 6),
    ("140400", 4),
    ("140500", 4),
    ("140700", 3),
    ("141000", 3),
    ("141100", 2),
]


@dataclass(frozen=True)
class DemoEnterprise:
    key: str
    name: str
    region_code: str
    industries: tuple[str, ...]
    address: str


NAMED_ENTERPRISES = [
    DemoEnterprise(
        "dl-chem",
        "大连恒泰石化储运有限公司",
        "210211",
        ("hazardous_chemicals",),
        "大连市甘井子区革镇堡街道化工路18号",
    ),
    DemoEnterprise("ty-coal", "太原汾河煤业有限公司", "140110", ("mines",), "太原市晋源区姚村镇煤矿路1号"),
]

# username, tenant, role, unit kind, unit key, full name (fictional), phone (fictional). Each tenant has its
# three separated administrators: system (`*-admin`), security and audit.
ACCOUNTS: list[tuple[str, str, str, str, str, str, str]] = [
    ("ln-admin", "liaoning", Role.TENANT_ADMIN, "tenant", "", "王立新", "13800000001"),
    ("ln-security", "liaoning", Role.SECURITY_ADMIN, "tenant", "", "高振宇", "13800000011"),
    ("ln-auditor", "liaoning", Role.AUDIT_ADMIN, "tenant", "", "林秀英", "13800000012"),
    ("ln-committee", "liaoning", Role.COMMITTEE_STAFF, "region", "210000", "李安平", "13800000002"),
    ("dl-committee", "liaoning", Role.COMMITTEE_STAFF, "region", "210200", "张海峰", "13800000003"),
    ("gjz-committee", "liaoning", Role.COMMITTEE_STAFF, "region", "210211", "刘晓梅", "13800000004"),
    ("dl-yj-inspector", "liaoning", Role.INSPECTOR, "department", "210200:yj", "陈建国", "13800000005"),
    ("dl-zj-inspector", "liaoning", Role.INSPECTOR, "department", "210200:zj", "赵文博", "13800000006"),
    (
        "dl-chem-officer",
        "liaoning",
        Role.ENTERPRISE_OFFICER,
        "enterprise",
        "dl-chem",
        "孙志强",
        "13800000007",
    ),
    ("dl-chem-head", "liaoning", Role.ENTERPRISE_HEAD, "enterprise", "dl-chem", "周明远", "13800000008"),
    ("sx-admin", "shanxi", Role.TENANT_ADMIN, "tenant", "", "郭振华", "13900000001"),
    ("sx-security", "shanxi", Role.SECURITY_ADMIN, "tenant", "", "段立军", "13900000011"),
    ("sx-auditor", "shanxi", Role.AUDIT_ADMIN, "tenant", "", "田素芬", "13900000012"),
    ("ty-committee", "shanxi", Role.COMMITTEE_STAFF, "region", "140100", "吴静怡", "13900000002"),
    ("ty-yj-inspector", "shanxi", Role.INSPECTOR, "department", "140100:yj", "郑国强", "13900000003"),
    ("ty-coal-officer", "shanxi", Role.ENTERPRISE_OFFICER, "enterprise", "ty-coal", "冯德胜", "13900000004"),
    ("ty-coal-head", "shanxi", Role.ENTERPRISE_HEAD, "enterprise", "ty-coal", "韩永福", "13900000005"),
]
DEMO_USERNAMES = [account[0] for account in ACCOUNTS]


def credit_code_for(name: str, region_code: str) -> str:
    """A well-formed unified social credit code: 91 (enterprise) + region + organisation code + check.

    Derived from the name, so an enterprise keeps its code however the demo world grows.
    """
    rng = random.Random(f"{region_code}:{name}")
    body = "91" + region_code + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_character(body)


def _load_regions(tenant: Tenant, province_code: str) -> dict[str, Region]:
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["code"][:2] == province_code[:2]]
    regions: dict[str, Region] = {}
    for row in sorted(rows, key=lambda row: ("province", "city", "county").index(row["level"])):
        parent = regions.get(row["parent_code"]) if row["parent_code"] else None
        regions[row["code"]] = region_create(
            tenant=tenant, code=row["code"], name=row["name_zh"], name_en=row["name_en"], parent=parent
        )
    return regions


def _departments(
    tenant: Tenant, regions: dict[str, Region], industries: dict[str, Industry]
) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    inland = tenant.slug == "shanxi"
    for region in regions.values():
        if region.level == "city":
            plan = [
                INLAND_FISHERIES if (inland and key == "hy") else (key, zh, en, codes)
                for key, zh, en, codes in CITY_DEPARTMENTS
            ]
        elif region.level == "county" and region.code.startswith("2102"):
            plan = COUNTY_DEPARTMENTS
        else:
            continue
        for key, zh, en, codes in plan:
            department, created = Department.objects.get_or_create(
                tenant=tenant,
                region=region,
                name=f"{region.name}{zh}",
                defaults={"name_en": f"{region.name_en} {en}"},
            )
            if created:
                department.industries.set([industries[code] for code in codes])
            departments[f"{region.code}:{key}"] = department
    return departments


def _enterprises(
    tenant: Tenant, regions: dict[str, Region], industries: dict[str, Industry], rng: random.Random
) -> dict[str, Enterprise]:
    named: dict[str, Enterprise] = {}
    for demo in NAMED_ENTERPRISES:
        if demo.region_code not in regions:
            continue
        region = regions[demo.region_code]
        enterprise, created = Enterprise.objects.get_or_create(
            tenant=tenant,
            name=demo.name,
            defaults={
                "credit_code": credit_code_for(demo.name, region.code),
                "region": region,
                "region_path": region.path,
                "address": demo.address,
                "scale": EnterpriseScale.MEDIUM,
            },
        )
        if created:
            enterprise.industries.set([industries[code] for code in demo.industries])
        named[demo.key] = enterprise
    codes = list(INDUSTRY_WORDS)
    for region_code, count in ENTERPRISE_PLAN:
        if region_code not in regions:
            continue
        region = regions[region_code]
        place = (
            region.name.rstrip("市区县") or region.name
        )  # "甘井子区" -> "甘井子", as firms name themselves
        for index in range(count):
            # Coal country gets mines first; elsewhere cycle through the key industries.
            industry = (
                "mines"
                if region_code.startswith("14") and index % 3 == 0
                else codes[(index * 7 + len(region_code)) % len(codes)]
            )
            words, suffix = INDUSTRY_WORDS[industry]
            stem = STEMS[(index * 3 + int(region_code[-3:])) % len(STEMS)]
            name = f"{place}{stem}{words[index % len(words)]}{suffix}"
            if index >= len(STEMS):  # more enterprises than stems: number them, as branch companies are
                name = f"{place}{stem}{words[index % len(words)]}第{index}分{suffix}"
            if Enterprise.objects.filter(tenant=tenant, name=name).exists():
                continue
            enterprise = Enterprise.objects.create(
                tenant=tenant,
                name=name,
                credit_code=credit_code_for(name, region.code),
                region=region,
                region_path=region.path,
                address=f"{region.name}{rng.randint(1, 300)}号",
                scale=rng.choice(EnterpriseScale.values),
            )
            enterprise.industries.set([industries[industry]])
    return named


def _accounts(
    tenants: dict[str, Tenant],
    regions: dict[str, dict[str, Region]],
    departments: dict[str, dict[str, Department]],
    enterprises: dict[str, dict[str, Enterprise]],
) -> None:
    password = settings.DEMO_PASSWORD
    for username, slug, role, kind, key, full_name, phone in ACCOUNTS:
        tenant = tenants[slug]
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "tenant": tenant,
                "full_name": full_name,
                "phone": phone,
                "email": f"{username}@example.gov.cn",
            },
        )
        user.set_password(password)
        user.is_demo = True  # refused at sign-in on a production server (organizations/signing_in/policy.py)
        user.save(update_fields=["password", "password_changed_at", "is_demo"])
        unit: dict[str, Any] = {"enterprise": None, "department": None, "region": None}
        if kind == "region":
            unit["region"] = regions[slug][key]
        elif kind == "department":
            unit["department"] = departments[slug][key]
        elif kind == "enterprise":
            unit["enterprise"] = enterprises[slug][key]
        Membership.objects.get_or_create(tenant=tenant, user=user, role=role, **unit)
    admin, _created = User.objects.get_or_create(
        username="platform-admin",
        defaults={"is_staff": True, "is_superuser": True, "full_name": "Platform staff"},
    )
    admin.set_password(password)
    admin.is_demo = True
    admin.save(update_fields=["password", "password_changed_at", "is_demo"])


@transaction.atomic
def seed_directory() -> None:
    rng = random.Random(2023)
    tenants: dict[str, Tenant] = {}
    regions: dict[str, dict[str, Region]] = {}
    departments: dict[str, dict[str, Department]] = {}
    enterprises: dict[str, dict[str, Enterprise]] = {}
    for slug, code, name, name_en in TENANTS:
        tenant = tenant_create(slug=slug, name=name, name_en=name_en)
        industries = {industry.code: industry for industry in Industry.objects.filter(tenant=tenant)}
        tenants[slug] = tenant
        regions[slug] = _load_regions(tenant, code)
        departments[slug] = _departments(tenant, regions[slug], industries)
        enterprises[slug] = _enterprises(tenant, regions[slug], industries, rng)
    _accounts(tenants, regions, departments, enterprises)

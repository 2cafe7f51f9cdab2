"""The tenant a bench runs against: generated when missing, and the people and places the rows use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.test import Client as DjangoClient

from hazards.api.pagination import cursor_token
from hazards.keyset import Keyset
from hazards.models import Hazard
from organizations.models import Region, Tenant, User

CITY, COUNTY = "210200", "210211"  # Dalian and its Ganjingzi district, as in the demo world
LEVEL = "general"
BENCH_MONTH = dt.date(2026, 10, 1)  # the last full month of a generated ledger (generate_load --end)
DEEP_PAGE = 200


@dataclass
class World:
    tenant: Tenant
    admin: User
    committee: User  # the city's committee staff
    county: Region
    hazards: int


def ensure_tenant(slug: str, *, enterprises: int, hazards: int) -> World:
    if not Tenant.objects.filter(slug=slug).exists():
        call_command("generate_load", tenant=slug, enterprises=enterprises, hazards=hazards)
    tenant = Tenant.objects.get(slug=slug)
    return World(
        tenant=tenant,
        admin=User.objects.get(username=f"{slug}-admin"),
        committee=User.objects.get(username=f"{slug}-committee-{CITY}"),
        county=Region.objects.get(tenant=tenant, code=COUNTY),
        hazards=Hazard.objects.filter(tenant=tenant).count(),
    )


def session_cookie(user: User) -> str:
    client = DjangoClient()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def filtered(world: World):
    return Hazard.objects.filter(
        tenant=world.tenant, region_path__startswith=world.county.path, level=LEVEL
    ).order_by("-discovered_at", "-id")


def deep_anchor(world: World) -> Hazard | None:
    """The last row before the deep page; on a ledger too small for it, the middle row."""
    rows = list(filtered(world).values_list("pk", flat=True)[: DEEP_PAGE * 50])
    if len(rows) < 2:
        return None
    index = DEEP_PAGE * 50 - 1 if len(rows) == DEEP_PAGE * 50 else len(rows) // 2
    return Hazard.objects.get(pk=rows[index])


def api_paths(world: World) -> tuple[str, str]:
    query = {"region": world.county.pk, "level": LEVEL}
    first = f"/api/v1/hazards/?{urlencode(query)}"
    anchor = deep_anchor(world)
    if anchor is None:
        return first, first
    cursor = cursor_token(Keyset("discovered_at", descending=True), anchor)
    return first, f"/api/v1/hazards/?{urlencode({**query, 'cursor': cursor})}"


def bare_paths(world: World) -> tuple[str, str]:
    query = {"tenant": world.tenant.pk, "path": world.county.path, "level": LEVEL}
    first = f"/bench/bare/ledger/?{urlencode(query)}"
    anchor = deep_anchor(world)
    if anchor is None:
        return first, first
    deep = {**query, "before": anchor.discovered_at.isoformat(), "before_id": anchor.pk}
    return first, f"/bench/bare/ledger/?{urlencode(deep)}"

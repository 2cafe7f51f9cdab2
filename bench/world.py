"""The tenant a bench runs against: generated when missing, and the people and places the rows use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.test import Client as DjangoClient
from django.utils.module_loading import import_string

from accountability.models import RegionAssessment
from campaigns.choices import CampaignStatus
from campaigns.models import Campaign
from campaigns.services import campaign_create, task_create
from config.monthly import MONTHLY_JOBS
from disclosure.models import Publication
from disclosure.services import publication_build_month, publication_publish
from hazards.api.pagination import cursor_token
from hazards.keyset import Keyset
from hazards.models import Hazard
from organizations.models import Industry, Region, Tenant, User

CITY, COUNTY = "210200", "210211"  # Dalian and its Ganjingzi district, as in the demo world
LEVEL = "general"
BENCH_MONTH = dt.date(2026, 10, 1)  # the last full month of a generated ledger (generate_load --end)
DEEP_PAGE = 200
# The campaign the mixed load's wall chart and dashboard show: the city's, over the whole generated ledger.
BENCH_CAMPAIGN = "安全生产治本攻坚三年行动（基准测试）"
CAMPAIGN_START, CAMPAIGN_END = dt.date(2024, 1, 1), dt.date(2026, 12, 31)


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
    return world_of(slug)


def world_of(slug: str) -> World:
    """An existing load tenant (Tenant.DoesNotExist when it was never generated)."""
    tenant = Tenant.objects.get(slug=slug)
    return World(
        tenant=tenant,
        admin=User.objects.get(username=f"{slug}-admin"),
        committee=User.objects.get(username=f"{slug}-committee-{CITY}"),
        county=Region.objects.get(tenant=tenant, code=COUNTY),
        hazards=Hazard.objects.filter(tenant=tenant).count(),
    )


def scoring_jobs() -> list[str]:
    """The monthly jobs other than the disclosure drafts: the scoring, however main grows it."""
    return [dotted for dotted in MONTHLY_JOBS if not dotted.startswith("disclosure.")]


def ensure_published(world: World) -> None:
    """The public pages need a published month: publish the province's latest draft once (drafting the
    bench month first when the tenant has no draft at all)."""
    if Publication.objects.filter(tenant=world.tenant, status="published").exists():
        return
    province = Region.objects.get(tenant=world.tenant, parent__isnull=True)
    drafts = Publication.objects.filter(tenant=world.tenant, region=province, status="draft")
    if not drafts.exists():
        publication_build_month(tenant=world.tenant, month=BENCH_MONTH)
    draft = drafts.order_by("-month").first()
    if draft is not None:
        actor = User.objects.get(username=f"{world.tenant.slug}-committee-{province.code}")
        publication_publish(actor=actor, publication=draft)


def bench_campaign(tenant: Tenant) -> Campaign | None:
    return Campaign.objects.filter(tenant=tenant, name=BENCH_CAMPAIGN).order_by("pk").first()


def ensure_screens(world: World) -> Campaign:
    """What the mixed load's screens show, set up through the services once (a generated tenant has none of
    it): a published month (public site), the bench month scored (rankings) and an active campaign of the
    city, with a task for each of its counties (wall chart, dashboard, the counties' inboxes)."""
    ensure_published(world)
    if not RegionAssessment.objects.filter(tenant=world.tenant, month=BENCH_MONTH).exists():
        for dotted in scoring_jobs():
            import_string(dotted)(tenant=world.tenant, month=BENCH_MONTH)
    campaign = bench_campaign(world.tenant)
    if campaign is not None:
        return campaign
    city = Region.objects.get(tenant=world.tenant, code=CITY)
    campaign = campaign_create(
        actor=world.committee,
        region=city,
        name=BENCH_CAMPAIGN,
        start_date=CAMPAIGN_START,
        end_date=CAMPAIGN_END,
        industries=list(Industry.objects.filter(tenant=world.tenant, is_key=True)),
        status=CampaignStatus.ACTIVE,
    )
    counties = Region.objects.filter(tenant=world.tenant, parent=city).order_by("code")
    for number, county in enumerate(counties, start=1):
        task_create(
            actor=world.committee,
            campaign=campaign,
            number=str(number),
            title=f"{county.name}重大事故隐患动态清零",
            due_date=CAMPAIGN_END,
            regions=[county],
        )
    return campaign


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

"""The demo world's tip-offs (举报): one that led to a major hazard and a reward, one still being checked.

The lead goes the whole way through the real services in December 2023, after the ledger's year: the Dalian
committee passes it on and assigns it to the city's emergency management bureau, whose unannounced inspection
cites it and finds a major hazard (source "tip_off"); the hazard is handed over to Ganjingzi — the bureau
acknowledges, Ganjingzi's committee has not yet (a pending committee receipt) — and the committee records the
reward. The sender's status page says the tip-off was verified and a hazard is being rectified.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import translation

from hazards.choices import InspectionKind
from hazards.models import Criterion, Hazard
from hazards.services import hazard_acknowledge_handover, hazard_handover
from hazards.services.inspections import inspection_record
from organizations.choices import EnterpriseStatus, Role
from organizations.models import Enterprise, Membership, Region, Tenant, User

from .models import TipOff
from .tipoffs import tipoff_assign, tipoff_file, tipoff_reward, tipoff_triage

TZ = ZoneInfo("Asia/Shanghai")
GANJINGZI = "210211"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def seed_tipoffs() -> None:
    """Once: nothing happens without the Liaoning ledger, or when Liaoning already has tip-offs."""
    tenant = Tenant.objects.filter(slug="liaoning").first()
    if tenant is None or not Hazard.objects.filter(tenant=tenant).exists():
        return
    if TipOff.objects.filter(tenant=tenant).exists():
        return
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        _seed(tenant)


def _seed(tenant: Tenant) -> None:
    city_committee = User.objects.get(username="dl-committee")
    inspector = User.objects.get(username="dl-yj-inspector")
    department = Membership.objects.select_related("department").get(user=inspector, role=Role.INSPECTOR)
    assert department.department is not None
    ganjingzi = Region.objects.get(tenant=tenant, code=GANJINGZI)
    enterprise = (
        Enterprise.objects.filter(
            tenant=tenant,
            region=ganjingzi,
            industries__code="hazardous_chemicals",
            status=EnterpriseStatus.OPERATING,
        )
        .order_by("pk")
        .first()
    )
    if enterprise is None:
        return
    # After every other hazard of the district, so its code still follows the calendar.
    last = Hazard.objects.filter(tenant=tenant, region=ganjingzi).aggregate(last=Max("discovered_at"))["last"]
    found_at = max(
        _at(dt.date(2023, 12, 27), 10, 20), (last or _at(dt.date(2023, 12, 1), 9)) + dt.timedelta(hours=1)
    )

    tip = tipoff_file(
        tenant=tenant,
        region=ganjingzi,
        enterprise_name=enterprise.name,
        description="夜间看到厂区东侧储罐区有工人在没有任何防护的情况下倒罐，旁边的紧急切断阀好像一直没装，"
        "附近居民楼离得很近，担心出事。",
        contact="13700001234",
        client_address="demo-seed",
    )
    TipOff.objects.filter(pk=tip.pk).update(created_at=_at(dt.date(2023, 12, 18), 21, 40))
    tipoff_triage(
        actor=city_committee, tip_off=tip, lead=True, public_note="已转交行业监管部门现场核查，感谢您的监督。"
    )
    TipOff.objects.filter(pk=tip.pk).update(triaged_at=_at(dt.date(2023, 12, 19), 9, 15))
    tipoff_assign(
        actor=city_committee,
        tip_off=tip,
        department=department.department,
        now=_at(dt.date(2023, 12, 19), 9, 30),
    )
    tip.refresh_from_db()

    criterion = Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="5")
    inspection = inspection_record(
        actor=inspector,
        enterprise=enterprise,
        date=found_at.date(),
        kind=InspectionKind.UNANNOUNCED,
        summary="根据群众举报开展“四不两直”暗查暗访，举报反映情况属实。",
        rectification_order=True,
        tip_off=tip,
        findings=[
            {
                "title": "一级重大危险源储罐区未设紧急切断装置",
                "description": "东侧储罐区两台液化烃储罐进出料管线未设置紧急切断阀，"
                "现场作业人员倒罐未落实防护措施。",
                "location": "东侧储罐区",
                "category": "equipment",
                "level": "major",
                "criterion": criterion,
            }
        ],
        now=found_at,
    )
    hazard = inspection.hazards.get()
    handed_at = max(_at(dt.date(2023, 12, 30), 9, 30), found_at + dt.timedelta(hours=2))
    hazard_handover(
        actor=city_committee,
        hazard=hazard,
        region=ganjingzi,
        departments=[department.department],
        note="举报线索核查属实，移交甘井子区人民政府及市应急管理局跟踪督办",
        now=handed_at,
    )
    # The bureau acknowledges at once; Ganjingzi's committee has not yet: its receipt waits on its page.
    hazard_acknowledge_handover(actor=inspector, hazard=hazard, now=handed_at + dt.timedelta(hours=1))
    tipoff_reward(
        actor=city_committee,
        tip_off=tip,
        granted_on=handed_at.date(),
        amount=Decimal("3000.00"),
        now=handed_at + dt.timedelta(hours=3),
    )

    # And one still waiting for the committee's decision.
    waiting = tipoff_file(
        tenant=tenant,
        region=ganjingzi,
        enterprise_name="甘井子区某物流仓库",
        description="仓库里堆了很多油漆桶，消防通道被货物堵住了，晚上还有人在里面抽烟。",
        client_address="demo-seed",
    )
    TipOff.objects.filter(pk=waiting.pk).update(created_at=_at(dt.date(2023, 12, 28), 19, 5))

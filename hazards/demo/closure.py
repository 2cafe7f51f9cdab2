"""The demo's closure acceptances and re-checks after closure (回头看).

The ledger seeder closes every major hazard with its on-site acceptance (`demo_acceptance`, chosen from the
hazard's id, so the seeder's random sequence stays as it was) and so with its frozen closure report. Then
Liaoning's November and December 2023 samples are drawn, and two re-checks are recorded: one held, one not
held (that hazard is reopened). Idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation

from organizations.choices import Role
from organizations.models import Membership, Tenant, User

from ..choices import AcceptanceMethod, AcceptanceRole
from ..models import Hazard, HazardEvent, Recheck
from ..services import recheck_record_result, recheck_sample_month

TZ = ZoneInfo("Asia/Shanghai")
EXPERTS = [
    ("刘志强", "辽宁省安全生产专家库（危险化学品）"),
    ("孙丽华", "辽宁省安全生产专家库（工贸）"),
    ("王德明", "注册安全工程师事务所"),
    ("杨光辉", "省化工设计院"),
]
METHODS = [AcceptanceMethod.ON_SITE, AcceptanceMethod.EXPERT_REVIEW, AcceptanceMethod.TESTING]
CONCLUSIONS = [
    "经现场核查，整改措施已全部落实，隐患已消除，同意销号。",
    "经专家现场论证，整改符合标准要求，重大事故隐患已消除，同意销号。",
    "经检测检验合格，整改资料齐全，同意销号。",
]


def demo_acceptance(hazard: Hazard, actor: User) -> dict[str, Any]:
    """The on-site acceptance of a demo major hazard: the verifier and an expert (by the hazard's id)."""
    expert, unit = EXPERTS[hazard.pk % len(EXPERTS)]
    membership = Membership.objects.filter(user=actor).select_related("department", "region").first()
    own_unit = ""
    if membership is not None and membership.department is not None:
        own_unit = membership.department.name
    elif membership is not None and membership.region is not None:
        own_unit = f"{membership.region.name}安全生产委员会办公室"
    return {
        "participants": [
            {"name": actor.full_name or actor.username, "role": AcceptanceRole.INSPECTOR, "unit": own_unit},
            {"name": expert, "role": AcceptanceRole.EXPERT, "unit": unit},
        ],
        "method": METHODS[hazard.pk % len(METHODS)],
        "conclusion": CONCLUSIONS[hazard.pk % len(CONCLUSIONS)],
    }


def seed_rechecks() -> None:
    """Liaoning's re-checks of November 2023 (drawn on 1 December, as the monthly job does), one held and one
    not held. December's would be drawn on 1 January 2024, after the demo year."""
    tenant = Tenant.objects.filter(slug="liaoning").first()
    if tenant is None or Recheck.objects.filter(tenant=tenant).exists():
        return
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        recheck_sample_month(
            tenant=tenant, month=dt.date(2023, 11, 1), now=dt.datetime(2023, 12, 1, 2, tzinfo=TZ)
        )
        at = dt.datetime(2023, 12, 12, 10, tzinfo=TZ)
        # Re-checks of hazards whose story the demo carries on after that day (a receipt escalated by the
        # sweep, a listing lifted) would put the reopening before those later lines: keep to the others.
        later = HazardEvent.objects.filter(hazard=OuterRef("hazard"), created_at__gt=at)
        rechecks = list(
            Recheck.objects.filter(tenant=tenant)
            .exclude(Exists(later))
            .select_related("hazard")
            .order_by("month", "id")
        )
        outcomes = [(True, "“回头看”现场复查：紧急切断装置运行正常，整改效果保持良好。")]
        outcomes.append((False, "“回头看”复查发现联锁装置被人为旁路，整改未能保持，隐患重新出现。"))
        for recheck, (held, note) in zip(rechecks, outcomes, strict=False):
            inspector = (
                User.objects.filter(
                    memberships__department=recheck.department, memberships__role=Role.INSPECTOR
                )
                .order_by("pk")
                .first()
            )
            if inspector is None:
                continue
            recheck_record_result(
                actor=inspector,
                recheck=recheck,
                held=held,
                note=note,
                deadline=dt.date(2024, 1, 31) if not held else None,
                now=at,
            )

"""The demo world's enforcement orders (`manage.py seed_demo`, after the ledger): in Dalian, one
stop-production order still in force and one partial stop lifted after its on-site acceptance, each issued
from the 2023 inspection that ticked its stop-production box. Idempotent: once Liaoning has an order it
does nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import translation

from organizations.choices import Role
from organizations.models import Membership, Tenant, User

from ..choices import OPEN_STATES, HazardState, StopProduction
from ..enforcement import AcceptanceRole, EnforcementOrder, OrderKind
from ..models import Inspection
from ..services.orders import enforcement_order_issue, enforcement_order_resume
from .seeder import NAMED

TZ = ZoneInfo("Asia/Shanghai")
INSPECTOR = "dl-yj-inspector"
BASIS = {
    OrderKind.STOP_FOR_RECTIFICATION: "《中华人民共和国安全生产法》第一百零二条：对重大事故隐患排除前"
    "或者排除过程中无法保证安全的，责令暂时停产停业或者停止使用相关设施、设备。",
    OrderKind.PARTIAL_STOP: "《中华人民共和国安全生产法》第六十五条第一款第三项：对检查中发现的事故隐患，"
    "重大事故隐患排除前或者排除过程中无法保证安全的，责令从危险区域内撤出作业人员，责令暂时停产停业。",
}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _head_of(inspection: Inspection) -> str:
    head = (
        Membership.objects.filter(enterprise=inspection.enterprise, role=Role.ENTERPRISE_HEAD)
        .select_related("user")
        .first()
    )
    name = head.user.full_name if head is not None else ""
    return f"{name}（企业主要负责人）" if name else "企业主要负责人"


def seed_orders() -> None:
    tenant = Tenant.objects.filter(slug="liaoning").first()
    inspector = User.objects.filter(username=INSPECTOR).first()
    if tenant is None or inspector is None or EnforcementOrder.objects.filter(tenant=tenant).exists():
        return
    departments = Membership.objects.filter(user=inspector).values("department_id")
    inspections = (
        Inspection.objects.filter(tenant=tenant, department__in=departments)
        .exclude(stop_production=StopProduction.NONE)
        # The demo accounts' own enterprise stays operating: the browser journeys start from it.
        .exclude(enterprise__name__in=NAMED)
        .select_related("enterprise")
        .prefetch_related("hazards")
        .order_by("date", "pk")
    )
    in_force = resumed = None
    used: set[int] = set()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for inspection in inspections:
            hazards = list(inspection.hazards.all())
            if not hazards or inspection.enterprise_id in used:
                continue
            states = {hazard.state for hazard in hazards}
            if resumed is None and states == {HazardState.CLOSED}:
                resumed = inspection
            elif (
                in_force is None
                and inspection.stop_production == StopProduction.FULL
                and states & OPEN_STATES
            ):
                in_force = inspection
            else:
                continue
            used.add(inspection.enterprise_id)
        for chosen in (resumed, in_force):
            if chosen is None:
                continue
            inspection = chosen
            kind = (
                OrderKind.STOP_FOR_RECTIFICATION
                if inspection.stop_production == StopProduction.FULL
                else OrderKind.PARTIAL_STOP
            )
            order = enforcement_order_issue(
                actor=inspector,
                enterprise=inspection.enterprise,
                kind=kind,
                legal_basis=BASIS[kind],
                issued_on=inspection.date,
                hazards=list(inspection.hazards.all()),
                inspection=inspection,
                now=_at(inspection.date, 17),
            )
            if inspection is resumed:
                last_closed = max(hazard.closed_at for hazard in inspection.hazards.all() if hazard.closed_at)
                accepted = last_closed.astimezone(TZ).date() + dt.timedelta(days=2)
                enforcement_order_resume(
                    actor=inspector,
                    order=order,
                    participants=[
                        {"name": inspector.full_name or "陈建国", "role": AcceptanceRole.INSPECTOR},
                        {"name": "孙立新（化工安全专家）", "role": AcceptanceRole.EXPERT},
                        {"name": "王海（甘井子区应急管理局）", "role": AcceptanceRole.TERRITORIAL},
                        {"name": _head_of(inspection), "role": AcceptanceRole.ENTERPRISE},
                    ],
                    note="经现场核查，责令整改的重大事故隐患已全部整改销号，安全设施运行正常，"
                    "从业人员已完成复工前安全培训，同意恢复生产。",
                    date=accepted,
                    now=_at(accepted, 15),
                )

"""The demo's accountability records: scored 2023 months; one accident in Dalian at an enterprise with an
overdue major hazard, its case with the three investigations and sanctions; a few warning interviews.
Idempotent."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from hazards.choices import HazardAction, HazardLevel, HazardState
from hazards.models import Hazard, HazardEvent
from hazards.services import hazard_reopen, hazard_submit, hazard_verify
from organizations.choices import Role
from organizations.models import Membership, Region, Tenant, User

from .models import Accident
from .scoring import assessment_compute_month
from .services import (
    accident_record,
    case_open,
    interview_record,
    investigation_save,
    leadership_input_set,
    sanction_record,
)

TZ = ZoneInfo("Asia/Shanghai")


def seed_reopened() -> None:
    """A follow-up check in Dalian finds six closed general hazards not really fixed: each is reopened, then
    rectified again and closed by the enterprise head — the "reopened after closure" indicator's story."""
    if HazardEvent.objects.filter(tenant__slug="liaoning", action=HazardAction.REOPEN).exists():
        return
    committee = User.objects.get(username="dl-committee")
    closed = (
        Hazard.objects.filter(
            tenant__slug="liaoning",
            region_path__startswith="210000/210200/",
            level=HazardLevel.GENERAL,
            state=HazardState.CLOSED,
            closed_at__gte=dt.datetime(2023, 6, 1, tzinfo=TZ),
            closed_at__lt=dt.datetime(2023, 10, 1, tzinfo=TZ),
        )
        .select_related("enterprise")
        .order_by("closed_at", "id")
    )
    reopened = 0
    for hazard in closed:
        members = dict(
            Membership.objects.filter(
                enterprise=hazard.enterprise, role__in=[Role.ENTERPRISE_OFFICER, Role.ENTERPRISE_HEAD]
            ).values_list("role", "user")
        )
        if len(members) < 2 or hazard.closed_at is None:
            continue
        officer = User.objects.get(pk=members[Role.ENTERPRISE_OFFICER])
        head = User.objects.get(pk=members[Role.ENTERPRISE_HEAD])
        at = hazard.closed_at + dt.timedelta(days=10)
        hazard_reopen(
            actor=committee,
            hazard=hazard,
            reason="“回头看”复查发现整改不到位，隐患依然存在。",
            deadline=(at + dt.timedelta(days=20)).date(),
            now=at,
        )
        report, days = "已重新整改并加强日常检查。", dt.timedelta(days=12)
        hazard_submit(actor=officer, hazard=hazard, report=report, now=at + days)
        hazard_verify(actor=head, hazard=hazard, accepted=True, note="复核通过", now=at + days * 2)
        reopened += 1
        if reopened == 6:
            return


def seed_leadership() -> None:
    """Dalian's committee enters each county unit's leadership figures for the campaign months."""
    committee = User.objects.get(username="dl-committee")
    dalian = Region.objects.get(tenant__slug="liaoning", code="210200")
    for index, county in enumerate(Region.objects.filter(parent=dalian).order_by("code")):
        for month in range(5, 13):
            leadership_input_set(
                actor=committee,
                region=county,
                month=dt.date(2023, month, 1),
                leader_inspections=(index * 3 + month) % 5 + 1,
                meetings=(index + month) % 3 + 1,
            )


def seed_scores() -> None:
    """Scored months of the 2023 campaign for both provinces (idempotent: recomputing stores the same)."""
    # The whole ledger was written moments ago, often inside one transaction that autovacuum cannot see:
    # without fresh statistics the planner guesses one row per table and the scoring joins crawl.
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE organizations_region, organizations_enterprise, organizations_department, "
            "hazards_hazard, hazards_hazardevent, hazards_inspection, hazards_selfinspection, "
            "hazards_handover, hazards_handoverreceipt, hazards_verification, hazards_rectificationreport"
        )
    for tenant in Tenant.objects.filter(slug__in=["liaoning", "shanxi"]):
        for month in range(5, 13):
            assessment_compute_month(tenant=tenant, month=dt.date(2023, month, 1))


@transaction.atomic
def seed_accountability() -> None:
    seed_reopened()
    seed_leadership()
    seed_scores()
    if Accident.objects.filter(tenant__slug="liaoning").exists():
        return
    committee = User.objects.get(username="dl-committee")
    overdue = (
        Hazard.objects.filter(
            tenant__slug="liaoning",
            region_path__startswith="210000/210200/",
            level=HazardLevel.MAJOR,
            is_overdue=True,
            deadline__isnull=False,
        )
        .select_related("enterprise")
        .order_by("deadline", "id")
        .first()
    )
    if overdue is None or overdue.deadline is None:  # the demo ledger always has one; stay quiet otherwise
        return
    day = overdue.deadline + dt.timedelta(days=5)
    accident = accident_record(
        actor=committee,
        enterprise=overdue.enterprise,
        occurred_at=dt.datetime(day.year, day.month, day.day, 14, 20, tzinfo=TZ),
        deaths=1,
        injuries=3,
        economic_loss=Decimal(260),
        description=f"{overdue.location}发生事故，与逾期未整改的重大事故隐患“{overdue.title}”相关。",
    )
    case = case_open(actor=committee, accident=accident)
    investigation_save(
        actor=committee,
        case=case,
        track="enterprise",
        subject_unit=overdue.enterprise.name,
        subject_person="企业主要负责人",
        findings="重大事故隐患逾期未整改，未落实临时管控措施。",
    )
    investigation_save(
        actor=committee,
        case=case,
        track="department",
        subject_unit="大连市应急管理局",
        subject_person="分管负责人",
        findings="对挂牌督办隐患跟踪督办不到位。",
    )
    investigation_save(
        actor=committee,
        case=case,
        track="government",
        subject_unit=overdue.region.name + "人民政府",
        subject_person="分管副区长",
        findings="属地监管责任落实不到位。",
    )
    sanction_record(
        actor=committee,
        case=case,
        track="enterprise",
        kind="dismissal",
        subject="企业主要负责人",
        issuing_body="企业董事会（依安委会建议）",
        decided_on=day + dt.timedelta(days=20),
    )
    sanction_record(
        actor=committee,
        case=case,
        track="department",
        kind="admonishment",
        subject="分管负责人",
        issuing_body="大连市纪委监委",
        decided_on=day + dt.timedelta(days=25),
    )
    dalian = Region.objects.get(tenant__slug="liaoning", code="210200")
    for reason, unit, when, detail in [
        ("ranking", "瓦房店市人民政府", dt.date(2023, 9, 12), "8月综合排名末位"),
        ("overdue_hazard", "大连市城市管理局", dt.date(2023, 11, 8), "燃气领域重大隐患逾期未整改"),
        (
            "accident",
            overdue.region.name + "人民政府",
            day + dt.timedelta(days=3),
            "辖区企业发生生产安全事故",
        ),
    ]:
        interview_record(
            actor=committee,
            region=dalian,
            interviewer="大连市安委会办公室",
            interviewee_unit=unit,
            interviewee_person="主要负责人",
            reason=reason,
            reason_detail=detail,
            held_on=when,
            accident=accident if reason == "accident" else None,
            commitments="限期完成整改并书面报告",
            follow_up="一个月后复查",
        )

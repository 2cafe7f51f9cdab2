"""The demo's accountability records: the monthly spot checks of self-inspections and the departments'
results; scored 2023 months; a general accident in Dalian at an enterprise with an overdue major hazard (its
case with the three investigations and sanctions) and a larger one reported late; sanctions for poor work on
its own record (bottom of the ranking twice, overdue major hazards, handovers not acknowledged, a late
report); a few warning interviews. Idempotent."""

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.utils import timezone

from hazards.choices import HazardAction, HazardLevel, HazardState
from hazards.models import HandoverReceipt, Hazard, HazardEvent
from hazards.services import hazard_reopen, hazard_submit, hazard_verify
from organizations.choices import Role
from organizations.models import Department, Enterprise, Membership, Region, Tenant, User

from .models import Accident, RegionAssessment, Sanction, SpotCheck
from .sanctions import sanction_impose
from .scoring import assessment_compute_month
from .services import (
    accident_record,
    accident_reporting_record,
    case_open,
    interview_record,
    investigation_save,
    leadership_input_set,
    sanction_record,
)
from .spot_checks import spot_check_record_result, spot_check_sample_month

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


MISSED = [
    "配电室门口灭火器过期未更换，自查表勾选“正常”。",
    "有限空间作业未设置警示标识，自查未发现。",
    "危化品仓库防爆灯具损坏，自查记录为“无隐患”。",
    "特种作业人员操作证过期，自查未核对。",
]


def _re_inspector(department: Department) -> User:
    """The department's inspector who re-inspects: its demo account, or (a county bureau has none) a staff
    member without a sign-in, kept only as the actor of the recorded results."""
    member = (
        Membership.objects.filter(department=department, role=Role.INSPECTOR)
        .order_by("id")
        .select_related("user")
        .first()
    )
    if member is not None:
        return member.user
    user, created = User.objects.get_or_create(
        username=f"{department.tenant.slug}-{department.region.code}-d{department.pk}-inspector",
        defaults={"tenant": department.tenant, "full_name": f"{department.name}执法人员"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Membership.objects.create(
            tenant=department.tenant, user=user, role=Role.INSPECTOR, department=department
        )
    return user


def seed_spot_checks() -> None:
    """Each month of the campaign the draw takes 5 % of the submitted self-inspections per county; the
    assigned department re-inspects within about two weeks of the next month; roughly one in four finds
    something the enterprise missed. A department without an inspector account leaves its checks open."""
    if SpotCheck.objects.filter(tenant__slug__in=["liaoning", "shanxi"]).exists():
        return
    for tenant in Tenant.objects.filter(slug__in=["liaoning", "shanxi"]):
        for month in range(5, 12):
            spot_check_sample_month(tenant=tenant, month=dt.date(2023, month, 1))
    assigned = Department.objects.filter(
        pk__in=SpotCheck.objects.filter(tenant__slug__in=["liaoning", "shanxi"]).values("department_id")
    ).select_related("region", "tenant")
    users = {department.pk: _re_inspector(department) for department in assigned}
    checks = (
        SpotCheck.objects.filter(department_id__in=users)
        .select_related("enterprise")
        .order_by("month", "draw")
    )
    for index, check in enumerate(checks):
        assert check.department_id is not None
        following = (check.month + dt.timedelta(days=32)).replace(day=1)
        checked = following + dt.timedelta(days=3 + index % 10)
        missed = 1 if index % 4 == 1 else 0
        spot_check_record_result(
            actor=users[check.department_id],
            spot_check=check,
            checked_on=checked,
            missed_count=missed,
            findings=MISSED[index % len(MISSED)] if missed else "复核结果与企业自查一致。",
            now=dt.datetime(checked.year, checked.month, checked.day, 16, 0, tzinfo=TZ),
        )


def seed_late_accident(committee: User) -> Accident | None:
    """A larger accident (three deaths) in Dalian, reported to the county department 2.5 hours after it."""
    enterprise = (
        Hazard.objects.filter(tenant__slug="liaoning", region_path__startswith="210000/210200/")
        .exclude(enterprise__accidents__isnull=False)
        .order_by("-discovered_at", "id")
        .values_list("enterprise", flat=True)
        .first()
    )
    if enterprise is None:
        return None
    at = dt.datetime(2023, 10, 17, 9, 40, tzinfo=TZ)
    accident = accident_record(
        actor=committee,
        enterprise=Enterprise.objects.get(pk=enterprise),
        occurred_at=at,
        deaths=3,
        serious_injuries=2,
        injuries=5,
        economic_loss=Decimal(860),
        reported_at=at + dt.timedelta(hours=2, minutes=30),
        description="检修作业中有限空间硫化氢中毒，盲目施救导致伤亡扩大。",
    )
    accident_reporting_record(
        actor=committee,
        accident=accident,
        reporting="late",
        reported_at=at + dt.timedelta(hours=2, minutes=30),
        note="企业负责人接报后未在1小时内向区应急管理局报告，迟报1小时30分钟。",
    )
    return accident


def seed_sanctions(committee: User, late: Accident | None) -> None:
    """Sanctions for poor work on its own record, each citing the records behind it."""
    if Sanction.objects.filter(tenant__slug="liaoning", investigation__isnull=True).exists():
        return
    dalian = Region.objects.get(tenant__slug="liaoning", code="210200")
    if late is not None:
        sanction_impose(
            actor=committee,
            region=late.enterprise.region,
            track="enterprise",
            kind="fine_principal",
            basis="accident_reporting",
            subject=f"{late.enterprise.name}主要负责人",
            issuing_body="大连市应急管理局",
            decided_on=dt.date(2023, 11, 20),
            amount=Decimal(150000),
            evidence=[{"kind": "accident", "id": late.pk}],
            note="依据《生产安全事故报告和调查处理条例》第三十五条，对迟报事故的主要负责人处以罚款。",
        )
    # The bottom of the county ranking two months running.
    rows = list(
        RegionAssessment.objects.filter(region__parent=dalian, rank_of__gt=1)
        .filter(rank=models.F("rank_of"))
        .select_related("region")
        .order_by("region_id", "month")
    )
    for earlier, later in itertools.pairwise(rows):
        if (
            earlier.region_id == later.region_id
            and (earlier.month + dt.timedelta(days=32)).replace(day=1) == later.month
        ):
            sanction_impose(
                actor=committee,
                region=earlier.region,
                track="government",
                kind="warning_interview",
                basis="bottom_rank_twice",
                subject=f"{earlier.region.name}人民政府分管负责人",
                issuing_body="大连市安全生产委员会",
                decided_on=later.month + dt.timedelta(days=40),
                evidence=[
                    {"kind": "region_assessment", "id": earlier.pk},
                    {"kind": "region_assessment", "id": later.pk},
                ],
                note="连续两个月综合排名末位，依方案予以约谈。",
            )
            break
    today = timezone.localdate()
    overdue = list(
        Hazard.objects.filter(
            tenant__slug="liaoning",
            region_path__startswith=dalian.path,
            level=HazardLevel.MAJOR,
            deadline__lt=today,
        )
        .exclude(state__in=[HazardState.CLOSED, HazardState.WITHDRAWN])
        .select_related("enterprise__region")
        .order_by("deadline", "id")[:2]
    )
    if overdue:
        sanction_impose(
            actor=committee,
            region=overdue[0].enterprise.region,
            track="enterprise",
            kind="licence_measure",
            basis="overdue_major_hazards",
            subject=overdue[0].enterprise.name,
            issuing_body="大连市应急管理局",
            decided_on=dt.date(2023, 12, 15),
            evidence=[
                {"kind": "hazard", "id": hazard.pk}
                for hazard in overdue
                if hazard.enterprise_id == overdue[0].enterprise_id
            ],
            note="重大事故隐患逾期未整改，暂扣安全生产许可证，责令停产整顿。",
        )
    receipts = list(
        HandoverReceipt.objects.filter(
            tenant__slug="liaoning",
            acknowledged_at__isnull=True,
            receipt_deadline__lt=today,
            department__region__path__startswith=dalian.path,
        )
        .select_related("department__region")
        .order_by("receipt_deadline", "id")[:3]
    )
    if receipts:
        department = receipts[0].department
        sanction_impose(
            actor=committee,
            region=department.region,
            track="department",
            kind="circulated_criticism",
            basis="unacknowledged_handovers",
            subject=f"{department.name}分管负责人",
            issuing_body="大连市安全生产委员会办公室",
            decided_on=dt.date(2023, 12, 20),
            evidence=[
                {"kind": "handover_receipt", "id": r.pk} for r in receipts if r.department_id == department.pk
            ],
            note="重大事故隐患移交后逾期未签收，予以通报批评。",
        )


@transaction.atomic
def seed_accountability() -> None:
    seed_reopened()
    seed_leadership()
    seed_spot_checks()
    committee = User.objects.get(username="dl-committee")
    late = None
    if not Accident.objects.filter(tenant__slug="liaoning").exists():
        seed_case(committee)
        late = seed_late_accident(committee)
    seed_scores()  # after the accidents: they take points off their regions' months
    seed_sanctions(committee, late)


def seed_case(committee: User) -> None:
    """A general accident at an enterprise with an overdue major hazard: its case, sanctions, interviews."""
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
        serious_injuries=1,
        injuries=3,
        economic_loss=Decimal(260),
        reported_at=dt.datetime(day.year, day.month, day.day, 14, 55, tzinfo=TZ),
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
        kind="fine_principal",
        amount=Decimal(120000),
        subject="企业主要负责人",
        issuing_body="大连市应急管理局",
        note="依据《安全生产法》第九十五条，对事故发生负有责任的主要负责人处上一年年收入百分之四十的罚款。",
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

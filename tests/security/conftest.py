"""Tenant alpha with at least one object of every kind, each carrying a marker that must never reach a
user who may not see it. Shared by the crawler and the fuzzer."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone
from openpyxl import Workbook

from accountability.evaluations import ranking_publish
from accountability.models import FinalEvaluation, RegionAssessment, SpotCheck
from accountability.sanctions import sanction_impose
from accountability.scoring import assessment_compute_month
from accountability.services import (
    accident_record,
    accident_reporting_record,
    case_open,
    interview_record,
    investigation_save,
    leadership_input_set,
    sanction_record,
    scoring_scheme_set,
)
from accountability.spot_checks import spot_check_sample_month
from campaigns.plan_services import (
    adopted_measure_add,
    leader_duty_add,
    leading_group_create,
    leading_group_member_add,
    measure_create,
    risk_create,
)
from campaigns.services import campaign_create, progress_report, task_create
from disclosure.models import Publication
from disclosure.services import publication_build_month, publication_publish
from disclosure.tipoffs import tipoff_file
from exports.services import export_job_run, export_request
from hazards.models import (
    Evidence,
    HandoverReceipt,
    Hazard,
    NoticeDelivery,
    Notification,
    Recheck,
    SelfInspection,
)
from hazards.services import (
    enforcement_order_issue,
    hazard_report,
    hazard_submit,
    hazard_verify,
    recheck_sample_month,
    standard_create,
)
from hazards.services.inspections import inspection_record, self_inspection_open, self_inspection_save
from hazards.services.standards import CriterionInput
from hazards.services.webhooks import notice_webhook_set
from organizations.choices import Role
from organizations.imports import enterprise_import_start
from organizations.models import Membership

from ..conftest import World
from ..factories import acceptance, photo, png_bytes

# Free text in alpha's private rows carries this marker; no page, list, export, PDF or chart fetched by
# another tenant (or by a user of alpha outside the rows' scope) may contain it.
SECRET = "ALPHA-SECRET"


@dataclass
class AlphaObjects:
    """Ids of alpha's objects by kind, and the strings that identify alpha's private rows."""

    ids: dict[str, int]
    markers: list[str] = field(default_factory=list)
    public: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def alpha(world: World, ledger: Any, settings: Any, tmp_path: Any) -> AlphaObjects:
    settings.MEDIA_ROOT = tmp_path  # uploads and the export's file land here, not in the developer's .data
    w = world.a
    today = timezone.localdate()
    month = today.replace(day=1)
    # The tenant's webhook: every notice below leaves a delivery in the outbox (its secret is private).
    notice_webhook_set(
        actor=w.admin,
        url="http://127.0.0.1:9/hook",
        body_template='{"content": "{text}"}',
        secret=f"{SECRET}-hook-key",
        is_active=True,
    )

    hazard = ledger.handed_over()
    hazard.title = f"{SECRET} 储罐区未设紧急切断"
    hazard.save(update_fields=["title"])
    with_photo = hazard_report(
        category="equipment",
        actor=w.officer,
        enterprise=w.enterprise,
        title=f"{SECRET} 消防通道堵塞",
        description=f"{SECRET} description",
        location="东区",
        photos=[photo()],
    )
    inspection = inspection_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        date=today,
        kind="unannounced",
        summary=f"{SECRET} summary",
    )
    # A major hazard closed with its acceptance (so with its frozen closure report) and drawn for a re-check.
    closed = ledger.rectifying()
    closed.title = f"{SECRET} 液氨管道腐蚀"
    closed.save(update_fields=["title"])
    hazard_submit(actor=w.officer, hazard=closed, report=f"{SECRET} 已更换管道", evidence=[photo()])
    hazard_verify(
        actor=w.inspector, hazard=closed, accepted=True, **acceptance(conclusion=f"{SECRET} 同意销号")
    )
    recheck_sample_month(tenant=w.tenant, month=month)
    recheck = Recheck.objects.get(tenant=w.tenant, hazard=closed)
    self_inspection = self_inspection_open(actor=w.officer, enterprise=w.enterprise, period=month)
    self_inspection_save(actor=w.officer, self_inspection=self_inspection, answers={}, note=f"{SECRET} note")

    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name=f"{SECRET} 专项排查整治",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=120),
        industries=[w.industries["hazardous_chemicals"], w.industries["construction"]],
        status="active",
    )
    stage = campaign.stages.order_by("start_date").first()
    assert stage is not None
    task = task_create(
        actor=w.committee,
        campaign=campaign,
        number="1",
        title=f"{SECRET} 危化企业全覆盖排查",
        due_date=campaign.end_date,
        departments=[w.department],
    )
    report = progress_report(
        actor=w.inspector,
        task=task,
        percent=20,
        narrative=f"{SECRET} progress",
        attachments=[SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")],
    )
    # The plan's structure (issue 17): the stored lists, a leading group, the checklists.
    measure = measure_create(
        actor=w.committee,
        campaign=campaign,
        number="Z1",
        title=f"{SECRET} 隐患动态清零制度",
        responsible_position="局长",
        due_date=campaign.end_date,
        owner_department=w.department,
    )
    risk = risk_create(
        actor=w.committee,
        campaign=campaign,
        number="R1",
        title=f"{SECRET} 化工园区多米诺效应风险",
        responsible_position="局长",
        due_date=campaign.end_date,
        owner_region=w.county,
    )
    group = leading_group_create(actor=w.committee, campaign=campaign, name=f"{SECRET} 领导小组")
    leading_group_member_add(
        actor=w.committee, group=group, name=f"{SECRET} 张建国", position="市委书记", role="head"
    )
    adopted = adopted_measure_add(
        actor=w.committee, campaign=campaign, source="十五条措施", number=1, text=f"{SECRET} 压实责任"
    )
    duty = leader_duty_add(actor=w.committee, campaign=campaign, number=1, text=f"{SECRET} 亲自部署")

    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    published = publication_publish(actor=w.committee, publication=draft)
    tip_off = tipoff_file(
        tenant=w.tenant,
        region=w.county,
        description=f"{SECRET} 夜间偷偷动火作业",
        contact="13911112222",
        client_address="192.0.2.1",
    )

    accident = accident_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        occurred_at=timezone.now(),
        deaths=1,
        description=f"{SECRET} 储罐区爆炸着火",
    )
    case = case_open(actor=w.committee, accident=accident)
    investigation_save(
        actor=w.committee,
        case=case,
        track="enterprise",
        subject_unit=w.enterprise.name,
        subject_person="周明远",
        findings=f"{SECRET} findings",
    )
    sanction_record(
        actor=w.committee,
        case=case,
        track="enterprise",
        kind="fine_principal",
        amount=Decimal(50000),
        subject="周明远",
        issuing_body="一市应急管理局",
        decided_on=today,
    )
    accident_reporting_record(
        actor=w.committee, accident=accident, reporting="concealed", note=f"{SECRET} 隐瞒不报"
    )
    sanction = sanction_impose(
        actor=w.committee,
        region=w.county,
        track="enterprise",
        kind="criminal_referral",
        basis="accident_reporting",
        subject="周明远",
        issuing_body="一市应急管理局",
        decided_on=today,
        evidence=[{"kind": "accident", "id": accident.pk}],
        note=f"{SECRET} 移送司法机关",
    )
    drawn = SelfInspection.objects.create(
        tenant=w.tenant,
        enterprise=w.construction_enterprise,
        region_path=w.construction_enterprise.region_path,
        period=month,
        status="submitted",
        created_by=w.admin,
        note=f"{SECRET} drawn",
    )
    spot_check_sample_month(tenant=w.tenant, month=month)
    spot_check = SpotCheck.objects.get(self_inspection=drawn)
    interview = interview_record(
        actor=w.committee,
        region=w.county,
        interviewer="一市安委办",
        reason="accident",
        interviewee_unit="甲区人民政府",
        interviewee_person="区长",
        accident=accident,
        held_on=today,
        commitments=f"{SECRET} commitments",
    )
    # Only a campaign of the whole province carries the scoring scheme (accountability/permissions.py). It
    # covers every unit of the tenant, alpha's outsider included, so its name carries no secret marker.
    province_campaign = campaign_create(
        actor=w.admin,
        region=w.province,
        name="全省专项整治",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=120),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )
    scheme = scoring_scheme_set(
        actor=w.admin,
        campaign=province_campaign,
        weights={
            "progress": Decimal(40),
            "quality": Decimal(20),
            "enforcement": Decimal(25),
            "leadership": Decimal(15),
        },
    )
    leadership = leadership_input_set(
        actor=w.committee, region=w.county, month=month, leader_inspections=3, meetings=1
    )
    assessment_compute_month(tenant=w.tenant, month=month)

    book = Workbook()
    book.active.append(["name"])
    buffer = io.BytesIO()
    book.save(buffer)
    import_job = enterprise_import_start(actor=w.admin, file_name="a.xlsx", content=buffer.getvalue())
    # A ledger export written to its file (its rows carry the markers), for the committee that asked.
    export_job = export_request(actor=w.committee, kind="ledger", fmt="csv", params={})
    export_job_run(job_id=export_job.pk, tenant_id=w.tenant.pk)

    # Last, since it suspends alpha's enterprise: an enforcement order with its marker in the legal basis.
    order = enforcement_order_issue(
        actor=w.inspector,
        enterprise=w.enterprise,
        kind="stop_rectify",
        legal_basis=f"{SECRET} 《安全生产法》第一百零二条",
        issued_on=today,
        hazards=[hazard],
    )

    assessment = RegionAssessment.objects.filter(tenant=w.tenant).first()
    assert assessment is not None
    # Published rankings and a final evaluation (accountability/evaluations.py), and a local standard.
    ranking = ranking_publish(actor=w.committee, region=w.city, month=month)
    final = FinalEvaluation.objects.create(
        tenant=w.tenant,
        campaign=campaign,
        region=campaign.region,
        region_path=campaign.region_path,
        period_start=campaign.start_date,
        period_end=campaign.end_date,
        method={
            "monthly_weight": 80,
            "task_weight": 20,
            "grades": [[90, "excellent"], [75, "good"], [60, "pass"]],
        },
        rows=[],
        computed_by=w.committee,
        computed_at=timezone.now(),
    )
    local = standard_create(
        actor=w.admin,
        industry=w.industries["hazardous_chemicals"],
        name="一省地方补充判定标准",  # tenant-wide reference data: no secret in it
        document_number="",
        effective_date=today,
        version="1",
        coverage="complete",
        criteria=[CriterionInput("1", "第一条", "储罐区未设置紧急切断")],
    )
    notification = Notification.objects.filter(tenant=w.tenant).first()
    ids = {
        "hazard": hazard.pk,
        "recheck": recheck.pk,
        "evidence": Evidence.objects.get(hazard=with_photo).pk,
        "inspection": inspection.pk,
        "self_inspection": self_inspection.pk,
        "campaign": campaign.pk,
        "stage": stage.pk,
        "task": task.pk,
        "attachment": report.attachments.get().pk,
        "measure": measure.pk,
        "risk": risk.pk,
        "leading_group": group.pk,
        "adopted_measure": adopted.pk,
        "leader_duty": duty.pk,
        "publication": published.pk,
        "tip_off": tip_off.pk,
        "receipt": HandoverReceipt.objects.get(handover__hazard=hazard, department=w.department).pk,
        "accident": accident.pk,
        "case": case.pk,
        "interview": interview.pk,
        "sanction": sanction.pk,
        "spot_check": spot_check.pk,
        "scoring_scheme": scheme.pk,
        "leadership_input": leadership.pk,
        "assessment": assessment.pk,
        "ranking_publication": ranking.pk,
        "final_evaluation": final.pk,
        "standard": local.pk,
        "criterion": local.criteria.get().pk,
        "enterprise_import": import_job.pk,
        "export_job": export_job.pk,
        "enforcement_order": order.pk,
        "enterprise": w.enterprise.pk,
        "department": w.department.pk,
        "region": w.county.pk,
        "industry": w.industries["hazardous_chemicals"].pk,
        "user": w.officer.pk,
        "membership": Membership.objects.get(user=w.officer, role=Role.ENTERPRISE_OFFICER).pk,
    }
    if notification is not None:
        ids["notification"] = notification.pk
    ids["notice_delivery"] = NoticeDelivery.objects.filter(tenant=w.tenant).earliest("pk").pk
    markers = [
        SECRET,
        hazard.code,
        with_photo.code,
        closed.code,
        w.enterprise.name,
        w.enterprise.credit_code,
        w.construction_enterprise.credit_code,
        "alpha-officer",
        "alpha-committee",
        tip_off.tracking_code,
        f"{SECRET}-hook-key",
    ]
    return AlphaObjects(
        ids=ids,
        markers=markers,
        public={
            "tenant": w.tenant.slug,
            "public_id": published.public_id,
            "credit_code": w.enterprise.credit_code,
            "tip_off_code": tip_off.tracking_code,
            "hazard_code": hazard.code,
        },
    )


# ------------------------------------------------------------- connected as the application's database role


def reconnect_as(user: str, password: str) -> None:
    connections.close_all()
    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = user, password


@pytest.fixture
def hazards(world: World, ledger: Any) -> dict[str, Hazard]:
    """One hazard in each tenant, written as the owner before the app role takes over."""
    b = world.b
    return {
        "a": ledger.confirmed(),
        "b": hazard_report(
            category="equipment",
            actor=b.officer,
            enterprise=b.enterprise,
            title="配电室积水",
            description="积水",
            location="一号",
        ),
    }


@pytest.fixture
def app_role(world: World, hazards: dict[str, Hazard]) -> Iterator[str]:
    """The rest of the test connects as DATABASE_APP_ROLE (row-level security holds it), the role web,
    worker and beat use; the world is built as the owner before."""
    owner = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    reconnect_as(settings.DATABASE_APP_ROLE, "")
    try:
        yield settings.DATABASE_APP_ROLE
    finally:
        reconnect_as(*owner)

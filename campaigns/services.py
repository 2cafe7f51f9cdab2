"""Every write to campaigns: the campaign, its stages, its table of tasks and progress reports."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from core.scoping import ensure_visible
from core.uploads import EXTENSIONS, check_upload
from organizations.choices import DEPARTMENT_ROLES, Role
from organizations.models import Department, Industry, Membership, Region, User
from organizations.scoping import scope_for, tenant_of

from .choices import STAGE_TEMPLATE, CampaignStatus, TaskStatus
from .models import Attachment, Campaign, ProgressReport, Stage, Task


def require_runner(actor: User, region: Region) -> None:
    """Committee staff of the region (or above) run its campaigns; tenant admins run any."""
    scope = scope_for(actor)
    if scope.is_tenant_admin:
        return
    if Role.COMMITTEE_STAFF in scope.roles and any(region.path.startswith(p) for p in scope.committee_paths):
        return
    raise PermissionDeniedError(_("Only the safety committee staff of the region run its campaigns."))


def is_department_head_of(actor: User, department_id: int | None) -> bool:
    return (
        department_id is not None
        and Membership.objects.filter(
            user=actor, role=Role.DEPARTMENT_HEAD, department_id=department_id, is_active=True
        ).exists()
    )


def require_campaign_runner(actor: User, campaign: Campaign) -> None:
    """Those who run the campaign's region; for a department's sub-plan, also that department's head."""
    if is_department_head_of(actor, campaign.department_id):
        return
    require_runner(actor, campaign.region)


def _locked(actor: User, campaign: Campaign) -> Campaign:
    locked: Campaign = Campaign.objects.select_for_update(of=("self",)).get_visible(actor, pk=campaign.pk)
    return locked


def template_stages(start: dt.date, end: dt.date) -> list[tuple[str, str, dt.date, dt.date]]:
    """The four template stages, splitting the period into consecutive, non-overlapping parts."""
    days = (end - start).days + 1
    count = len(STAGE_TEMPLATE)
    bounds = [start + dt.timedelta(days=round(days * index / count)) for index in range(count + 1)]
    return [
        (zh, en, bounds[index], bounds[index + 1] - dt.timedelta(days=1))
        for index, (zh, en) in enumerate(STAGE_TEMPLATE)
        if bounds[index] < bounds[index + 1]
    ]


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    region: Region,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    industries: Iterable[Industry],
    general_requirement: str = "",
    responsibilities: str = "",
    guarantee_measures: str = "",
    parent: Campaign | None = None,
    status: str = CampaignStatus.DRAFT,
) -> Campaign:
    """A campaign run by the region's committee, starting from the four-stage template."""
    ensure_visible(actor, region)
    require_runner(actor, region)
    if end_date < start_date:
        raise ValidationError({"end_date": _("The campaign cannot end before it starts.")})
    chosen = list(industries)
    for industry in chosen:
        ensure_visible(actor, industry)
    if not chosen:
        raise ValidationError({"industries": _("Choose the key industries in scope.")})
    if parent is not None:
        ensure_visible(actor, parent)
        if not region.path.startswith(parent.region_path) or region.pk == parent.region_id:
            raise ValidationError(
                {"parent": _("A campaign rolls up only into a campaign of a region above it.")}
            )
    campaign = Campaign.objects.create(
        tenant_id=tenant_of(actor),
        region=region,
        region_path=region.path,
        parent=parent,
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
        general_requirement=general_requirement,
        responsibilities=responsibilities,
        guarantee_measures=guarantee_measures,
        status=status,
        created_by=actor,
    )
    campaign.industries.set(chosen)
    Stage.objects.bulk_create(
        [
            Stage(
                tenant_id=campaign.tenant_id,
                campaign=campaign,
                order=index,
                name=zh,
                name_en=en,
                start_date=start,
                end_date=end,
            )
            for index, (zh, en, start, end) in enumerate(template_stages(start_date, end_date), start=1)
        ]
    )
    return campaign


@transaction.atomic
def campaign_update(*, actor: User, campaign: Campaign, **changes: Any) -> Campaign:
    campaign = _locked(actor, campaign)
    require_campaign_runner(actor, campaign)
    industries = changes.pop("industries", None)
    allowed = {
        "name",
        "general_requirement",
        "responsibilities",
        "guarantee_measures",
        "status",
        "start_date",
        "end_date",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in sorted(unknown)})
    for field, value in changes.items():
        setattr(campaign, field, value)
    if campaign.end_date < campaign.start_date:
        raise ValidationError({"end_date": _("The campaign cannot end before it starts.")})
    outside = campaign.stages.filter(start_date__lt=campaign.start_date) | campaign.stages.filter(
        end_date__gt=campaign.end_date
    )
    if outside.exists():
        raise ValidationError({"end_date": _("Move the stages first: some fall outside the new period.")})
    campaign.save()
    if industries is not None:
        campaign.industries.set(list(industries))
    return campaign


def _check_stage(campaign: Campaign, start: dt.date, end: dt.date, exclude_pk: int | None = None) -> None:
    if end < start:
        raise ValidationError({"end_date": _("A stage cannot end before it starts.")})
    if start < campaign.start_date or end > campaign.end_date:
        raise ValidationError(
            {
                "start_date": _("Stages lie within the campaign period, %(start)s to %(end)s.")
                % {"start": campaign.start_date, "end": campaign.end_date}
            }
        )
    overlapping = campaign.stages.filter(start_date__lte=end, end_date__gte=start)
    if exclude_pk:
        overlapping = overlapping.exclude(pk=exclude_pk)
    clash = overlapping.first()
    if clash:
        raise ValidationError({"start_date": _("This overlaps the stage “%(stage)s”.") % {"stage": clash}})


@transaction.atomic
def stage_add(
    *, actor: User, campaign: Campaign, name: str, start_date: dt.date, end_date: dt.date, name_en: str = ""
) -> Stage:
    campaign = _locked(actor, campaign)
    require_campaign_runner(actor, campaign)
    _check_stage(campaign, start_date, end_date)
    order = (campaign.stages.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return Stage.objects.create(
        tenant_id=campaign.tenant_id,
        campaign=campaign,
        order=order,
        name=name,
        name_en=name_en,
        start_date=start_date,
        end_date=end_date,
    )


@transaction.atomic
def stage_update(
    *, actor: User, stage: Stage, name: str, start_date: dt.date, end_date: dt.date, name_en: str = ""
) -> Stage:
    campaign = _locked(actor, stage.campaign)
    require_campaign_runner(actor, campaign)
    stage = campaign.stages.select_for_update().get(pk=stage.pk)
    _check_stage(campaign, start_date, end_date, exclude_pk=stage.pk)
    stage.name, stage.name_en, stage.start_date, stage.end_date = name, name_en, start_date, end_date
    stage.save()
    return stage


def _check_units(actor: User, departments: Sequence[Department], regions: Sequence[Region]) -> None:
    for unit in [*departments, *regions]:
        ensure_visible(actor, unit)
        if getattr(unit, "tenant_id", None) != actor.tenant_id:
            raise ValidationError({"departments": _("Responsible units must belong to your tenant.")})
    if not departments and not regions:
        raise ValidationError({"departments": _("Name at least one responsible department or region.")})


@transaction.atomic
def task_create(
    *,
    actor: User,
    campaign: Campaign,
    number: str,
    title: str,
    due_date: dt.date,
    departments: Sequence[Department] = (),
    regions: Sequence[Region] = (),
    description: str = "",
    weight: Decimal = Decimal("1"),
    parent: Task | None = None,
) -> Task:
    """Add a line to the table of tasks; due within the campaign, assigned to units of this tenant."""
    campaign = _locked(actor, campaign)
    require_campaign_runner(actor, campaign)
    if campaign.status == CampaignStatus.CLOSED:
        raise InvalidStateError(_("The campaign is closed; its table of tasks no longer changes."))
    number, title = number.strip(), title.strip()
    if not number or not title:
        raise ValidationError({"number" if not number else "title": _("This field is required.")})
    if due_date > campaign.end_date or due_date < campaign.start_date:
        raise ValidationError(
            {
                "due_date": _("The due date must fall within the campaign, %(start)s to %(end)s.")
                % {"start": campaign.start_date, "end": campaign.end_date}
            }
        )
    if weight < 0:
        raise ValidationError({"weight": _("The weight cannot be negative.")})
    if campaign.tasks.filter(number=number).exists():
        raise ValidationError({"number": _("Task %(number)s already exists.") % {"number": number}})
    if parent is not None and parent.campaign_id != campaign.pk:
        raise ValidationError({"parent": _("The parent task belongs to another campaign.")})
    _check_units(actor, departments, regions)
    task = Task.objects.create(
        tenant_id=campaign.tenant_id,
        campaign=campaign,
        parent=parent,
        number=number,
        title=title,
        description=description,
        due_date=due_date,
        weight=weight,
    )
    task.departments.set(list(departments))
    task.regions.set(list(regions))
    return task


def is_responsible(actor: User, task: Task) -> bool:
    """Members of a responsible department, or committee staff of a responsible region."""
    scope = scope_for(actor)
    if scope.roles & DEPARTMENT_ROLES and task.departments.filter(pk__in=scope.department_ids).exists():
        return True
    return (
        bool(scope.committee_region_ids) and task.regions.filter(pk__in=scope.committee_region_ids).exists()
    )


@transaction.atomic
def progress_report(
    *,
    actor: User,
    task: Task,
    percent: int,
    narrative: str,
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> ProgressReport:
    """A responsible unit reports how far the task has come; only they may."""
    locked: Task = Task.objects.select_for_update(of=("self",)).get_visible(actor, pk=task.pk)
    if not is_responsible(actor, locked):
        raise PermissionDeniedError(_("Only the units responsible for this task report its progress."))
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Progress is a percentage from 0 to 100.")})
    if not narrative.strip():
        raise ValidationError({"narrative": _("Say what was done.")})
    scope = scope_for(actor)
    department = locked.departments.filter(pk__in=scope.department_ids).first()
    region = None if department else locked.regions.filter(pk__in=scope.committee_region_ids).first()
    report = ProgressReport.objects.create(
        tenant_id=locked.tenant_id,
        task=locked,
        reported_by=actor,
        department=department,
        region=region,
        percent=percent,
        narrative=narrative,
        created_at=now or timezone.now(),
    )
    for upload in attachments:
        data, content_type, digest = check_upload(upload, field="attachments")
        attachment = Attachment(
            tenant_id=locked.tenant_id,
            report=report,
            original_name=(upload.name or "")[:255],
            content_type=content_type,
            size=len(data),
            sha256=digest,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}", ContentFile(data), save=False)
        attachment.save()
    locked.percent = percent
    locked.status = (
        TaskStatus.DONE
        if percent == 100
        else TaskStatus.IN_PROGRESS
        if percent > 0
        else TaskStatus.NOT_STARTED
    )
    locked.save(update_fields=["percent", "status"])
    return report

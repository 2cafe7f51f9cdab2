"""Campaign pages: list, create and edit, stages, the table of tasks, progress, XLSX import/export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import NotFoundError, PermissionDeniedError
from core.uploads import EXTENSIONS
from organizations.audit import audit_export
from organizations.forms import apply_service_errors
from organizations.models import User
from organizations.scoping import actor_of, scope_for
from organizations.views import form_page

from . import services
from .forms import CampaignForm, ProgressForm, StageForm, TaskForm, TaskImportForm
from .models import Attachment, Campaign, Stage, Task
from .task_sheets import tasks_export, tasks_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_run(actor: User, campaign: Campaign) -> bool:
    """Whether the page offers the runner's actions: the services' own rule, asked (not copied)."""
    try:
        services.require_campaign_runner(actor, campaign)
    except PermissionDeniedError:
        return False
    return True


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    campaigns = Campaign.objects.visible_to(actor).select_related("region").prefetch_related("stages")
    scope = scope_for(actor)
    return render(
        request,
        "campaigns/campaign_list.html",
        {
            "campaigns": campaigns,
            "today": timezone.localdate(),
            "can_create": scope.is_tenant_admin or bool(scope.committee_paths),
        },
    )


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = CampaignForm(request.POST or None, actor=actor, initial={"status": "active"})
    return form_page(
        request,
        form,
        "campaigns/campaign_form.html",
        save=lambda data: services.campaign_create(actor=actor, **data),
        success=lambda campaign: reverse("campaign-detail", args=[campaign.pk]),
    )


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    initial = {
        field: getattr(campaign, field)
        for field in (
            "name",
            "start_date",
            "end_date",
            "general_requirement",
            "responsibilities",
            "guarantee_measures",
            "status",
        )
    }
    initial.update(
        region=campaign.region_id,
        parent=campaign.parent_id,
        industries=list(campaign.industries.values_list("pk", flat=True)),
    )
    form = CampaignForm(request.POST or None, actor=actor, editing=True, initial=initial)

    def save(data: dict[str, Any]) -> Campaign:
        data.pop("region", None)
        data.pop("parent", None)
        return services.campaign_update(actor=actor, campaign=campaign, **data)

    return form_page(
        request,
        form,
        "campaigns/campaign_form.html",
        save=save,
        success=lambda saved: reverse("campaign-detail", args=[saved.pk]),
        context={"campaign": campaign},
    )


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign: Campaign = (
        Campaign.objects.select_related("region", "parent", "department")
        .prefetch_related("industries", "stages")
        .get_visible(actor, pk=pk)
    )
    tasks = campaign.tasks.select_related("parent").prefetch_related("departments", "regions")
    children = Campaign.objects.visible_to(actor).filter(parent=campaign).select_related("region")
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "tasks": tasks,
            "children": children,
            "today": timezone.localdate(),
            "current_stage": campaign.current_stage(),
            "can_run": may_run(actor, campaign),
            "stage_form": StageForm(),
            "task_form": TaskForm(actor=actor, campaign=campaign),
        },
    )


@login_required
@require_POST
def stage_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    form = StageForm(request.POST)
    return form_page(
        request,
        form,
        "campaigns/stage_form.html",
        save=lambda data: services.stage_add(actor=actor, campaign=campaign, **data),
        success=lambda _stage: reverse("campaign-detail", args=[campaign.pk]),
        context={"campaign": campaign},
    )


@login_required
def stage_edit(request: HttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    stage = Stage.objects.filter(campaign=campaign, pk=stage_pk).first()  # the campaign is already in scope
    if stage is None:
        raise NotFoundError()
    form = StageForm(
        request.POST or None,
        initial={
            "name": stage.name,
            "name_en": stage.name_en,
            "start_date": stage.start_date,
            "end_date": stage.end_date,
        },
    )
    return form_page(
        request,
        form,
        "campaigns/stage_form.html",
        save=lambda data: services.stage_update(actor=actor, stage=stage, **data),
        success=lambda _stage: reverse("campaign-detail", args=[campaign.pk]),
        context={"campaign": campaign, "stage": stage},
    )


@login_required
@require_POST
def task_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    form = TaskForm(request.POST, actor=actor, campaign=campaign)
    return form_page(
        request,
        form,
        "campaigns/task_form.html",
        save=lambda data: services.task_create(actor=actor, campaign=campaign, **data),
        success=lambda task: reverse("task-detail", args=[task.pk]),
        context={"campaign": campaign},
    )


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    task: Task = (
        Task.objects.select_related("campaign", "parent")
        .prefetch_related("departments", "regions", "subtasks")
        .get_visible(actor, pk=pk)
    )
    form = ProgressForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                upload = form.cleaned_data.get("attachments")
                services.progress_report(
                    actor=actor,
                    task=task,
                    percent=form.cleaned_data["percent"],
                    narrative=form.cleaned_data["narrative"],
                    attachments=[upload] if upload else [],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Progress reported."))
                return redirect("task-detail", pk=task.pk)
        status = 400
    reports = task.progress_reports.select_related("reported_by", "department", "region").prefetch_related(
        "attachments"
    )
    return render(
        request,
        "campaigns/task_detail.html",
        {
            "task": task,
            "reports": reports,
            "form": form,
            "can_report": services.is_responsible(actor, task),
        },
        status=status,
    )


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Progress attachments only through this scoped view, like hazard evidence."""
    attachment: Attachment = Attachment.objects.get_visible(actor_of(request), pk=pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="attachment-{attachment.pk}.{EXTENSIONS[attachment.content_type]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def tasks_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    audit_export(actor=actor, export="campaign tasks", fmt="xlsx", target=campaign)
    response = HttpResponse(tasks_export(campaign), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-tasks.xlsx"'
    return response


@login_required
def tasks_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    # Before request.FILES is touched: a role that may not import gets its 403 with the upload unread.
    services.require_campaign_runner(actor, campaign)
    form = TaskImportForm(request.POST or None, request.FILES or None)
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            errors = tasks_import(actor=actor, campaign=campaign, content=form.cleaned_data["file"].read())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not errors:
                messages.success(request, _("All tasks imported."))
                return redirect("campaign-detail", pk=campaign.pk)
    return render(
        request,
        "campaigns/task_import.html",
        {"campaign": campaign, "form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )

"""Pages of the plan's structure: the plan page (leading groups, adopted measures, leaders' checklist,
sub-plans) and the writes behind the four-lists page (hazards.campaign_views shows it, since two of its
lists come from the ledger). Each write also opens on its own as a form page (GET), handy on a phone.
Every write goes through campaigns.plan_services; a form with errors comes back with them (400)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.choices import Role
from organizations.forms import apply_service_errors
from organizations.scoping import actor_of, scope_for
from organizations.views import form_page

from . import plan_services as services
from .forms import (
    AdoptedMeasureForm,
    AdoptionForm,
    DutyCheckForm,
    EntryMoveForm,
    LeaderDutyForm,
    LeadingGroupForm,
    ListImportForm,
    MeasureForm,
    MemberForm,
    RiskForm,
    SubPlanForm,
)
from .list_sheets import list_import
from .models import AdoptedMeasure, Campaign, InstitutionalMeasure, LeaderDuty, LeadingGroup, Risk

FORM_TEMPLATE = "campaigns/plan_form.html"


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign: Campaign = Campaign.objects.select_related("region", "department").get_visible(
        actor_of(request), pk=pk
    )
    return campaign


def _plan_url(campaign: Campaign) -> str:
    return reverse("campaign-plan", args=[campaign.pk])


def _lists_url(campaign: Campaign) -> str:
    return reverse("campaign-four-lists", args=[campaign.pk])


def _write(
    request: HttpRequest,
    form: Any,
    *,
    campaign: Campaign,
    title: Any,
    save: Callable[[dict[str, Any]], Any],
    back: str,
) -> HttpResponse:
    return form_page(
        request,
        form,
        FORM_TEMPLATE,
        save=save,
        success=lambda _saved: back,
        context={"campaign": campaign, "title": title, "back": back},
    )


@login_required
def campaign_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan's structure on one page: leading groups, the measures adopted from above with each
    region's adoption, the leaders' checklist and the departments' sub-plans."""
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    groups = list(
        campaign.leading_groups.select_related("industry")
        .prefetch_related("members")
        .order_by("industry_id", "id")
    )
    for group in groups:
        group.gaps = services.leading_group_gaps(group, group.members.all())  # type: ignore[attr-defined]
    regions = services.reporting_regions(campaign)
    measures = list(campaign.adopted_measures.prefetch_related("adoptions"))
    sources: dict[str, list[dict[str, Any]]] = {}
    for measure in measures:
        by_region = {adoption.region_id: adoption for adoption in measure.adoptions.all()}
        cells = [by_region.get(region.pk) for region in regions]
        sources.setdefault(measure.source, []).append({"measure": measure, "cells": cells})
    adopted_counts = {
        region.pk: sum(
            1
            for m in measures
            for a in m.adoptions.all()
            if a.region_id == region.pk and a.state == "adopted"
        )
        for region in regions
    }
    duties = list(campaign.leader_duties.prefetch_related("checks"))
    members = [member for group in groups for member in group.members.all()]
    duty_rows = []
    for member in members:
        ticks = {
            check.duty_id: check
            for duty in duties
            for check in duty.checks.all()
            if check.member_id == member.pk
        }
        duty_rows.append({"member": member, "cells": [ticks.get(duty.pk) for duty in duties]})
    sub_plans = (
        Campaign.objects.visible_to(actor)
        .filter(parent=campaign, department__isnull=False)
        .select_related("region", "department")
    )
    scope = scope_for(actor)
    may_report = scope.is_tenant_admin or any(
        region.path.startswith(path) for region in regions for path in scope.committee_paths
    )
    can_run = services.may_run_campaign(actor, campaign)
    # Those who run the campaign issue a department's sub-plan; so does a department's head, for their own.
    may_issue = can_run or Role.DEPARTMENT_HEAD in scope.roles
    return render(
        request,
        "campaigns/campaign_plan.html",
        {
            "campaign": campaign,
            "can_run": can_run,
            "groups": groups,
            "regions": regions,
            "sources": sources,
            "adopted_counts": [adopted_counts[region.pk] for region in regions],
            "measure_total": len(measures),
            "duties": duties,
            "duty_rows": duty_rows,
            "sub_plans": sub_plans,
            "group_form": LeadingGroupForm(actor=actor, campaign=campaign),
            "member_form": MemberForm(),
            "adopted_form": AdoptedMeasureForm(),
            "adoption_form": AdoptionForm(actor=actor, regions=regions) if may_report else None,
            "duty_form": LeaderDutyForm(),
            "check_form": DutyCheckForm(actor=actor, campaign=campaign),
            "sub_plan_form": SubPlanForm(actor=actor, campaign=campaign) if may_issue else None,
        },
    )


@login_required
def leading_group_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    return _write(
        request,
        LeadingGroupForm(request.POST or None, actor=actor, campaign=campaign),
        campaign=campaign,
        title=gettext_lazy("Add a leading group"),
        save=lambda data: services.leading_group_create(actor=actor, campaign=campaign, **data),
        back=_plan_url(campaign),
    )


@login_required
def leading_group_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    group: LeadingGroup = LeadingGroup.objects.select_related("campaign").get_visible(actor, pk=pk)
    return _write(
        request,
        MemberForm(request.POST or None),
        campaign=group.campaign,
        title=gettext_lazy("Add a member"),
        save=lambda data: services.leading_group_member_add(actor=actor, group=group, **data),
        back=_plan_url(group.campaign),
    )


@login_required
def adopted_measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    return _write(
        request,
        AdoptedMeasureForm(request.POST or None),
        campaign=campaign,
        title=gettext_lazy("Add a measure adopted from above"),
        save=lambda data: services.adopted_measure_add(actor=actor, campaign=campaign, **data),
        back=_plan_url(campaign),
    )


@login_required
def adoption_report(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    measure: AdoptedMeasure = AdoptedMeasure.objects.select_related("campaign").get_visible(actor, pk=pk)
    regions = services.reporting_regions(measure.campaign)
    return _write(
        request,
        AdoptionForm(request.POST or None, actor=actor, regions=regions),
        campaign=measure.campaign,
        title=gettext_lazy("Report adoption"),
        save=lambda data: services.measure_adoption_report(actor=actor, measure=measure, **data),
        back=_plan_url(measure.campaign),
    )


@login_required
def leader_duty_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    return _write(
        request,
        LeaderDutyForm(request.POST or None),
        campaign=campaign,
        title=gettext_lazy("Add an item to the leaders' checklist"),
        save=lambda data: services.leader_duty_add(actor=actor, campaign=campaign, **data),
        back=_plan_url(campaign),
    )


@login_required
def leader_duty_check(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    duty: LeaderDuty = LeaderDuty.objects.select_related("campaign").get_visible(actor, pk=pk)
    return _write(
        request,
        DutyCheckForm(request.POST or None, actor=actor, campaign=duty.campaign),
        campaign=duty.campaign,
        title=gettext_lazy("Tick a leader's duty"),
        save=lambda data: services.leader_duty_check(actor=actor, duty=duty, **data),
        back=_plan_url(duty.campaign),
    )


@login_required
def sub_plan_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    form = SubPlanForm(request.POST or None, actor=actor, campaign=campaign)
    return form_page(
        request,
        form,
        FORM_TEMPLATE,
        save=lambda data: services.subplan_create(actor=actor, parent=campaign, **data),
        success=lambda plan: reverse("campaign-detail", args=[plan.pk]),
        context={
            "campaign": campaign,
            "title": _("Issue a department's sub-plan"),
            "back": _plan_url(campaign),
        },
    )


# ------------------------------------------------------------------ the stored lists


@login_required
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    return _write(
        request,
        MeasureForm(request.POST or None, actor=actor, campaign=campaign),
        campaign=campaign,
        title=gettext_lazy("Add an institutional measure"),
        save=lambda data: services.measure_create(actor=actor, campaign=campaign, **data),
        back=_lists_url(campaign),
    )


@login_required
def risk_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    return _write(
        request,
        RiskForm(request.POST or None, actor=actor, campaign=campaign),
        campaign=campaign,
        title=gettext_lazy("Add a risk"),
        save=lambda data: services.risk_create(actor=actor, campaign=campaign, **data),
        back=_lists_url(campaign),
    )


def _move(request: HttpRequest, entry: InstitutionalMeasure | Risk) -> HttpResponse:
    actor = actor_of(request)

    def save(data: dict[str, Any]) -> Any:
        state, note = data.pop("state"), data.pop("note")
        return services.list_entry_move(actor=actor, entry=entry, state=state, note=note, document=data)

    return _write(
        request,
        EntryMoveForm(request.POST or None),
        campaign=entry.campaign,
        title=str(entry),
        save=save,
        back=_lists_url(entry.campaign),
    )


@login_required
def measure_move(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(
        request, InstitutionalMeasure.objects.select_related("campaign").get_visible(actor_of(request), pk=pk)
    )


@login_required
def risk_move(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, Risk.objects.select_related("campaign").get_visible(actor_of(request), pk=pk))


@login_required
def list_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    # Before request.FILES is touched: a role that may not import gets its 403 with the upload unread.
    services.require_campaign_runner(actor, campaign)
    form = ListImportForm(request.POST or None, request.FILES or None)
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            errors = list_import(
                actor=actor,
                campaign=campaign,
                kind=form.cleaned_data["kind"],
                content=form.cleaned_data["file"].read(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if not errors:
                messages.success(request, _("All entries imported."))
                return redirect("campaign-four-lists", pk=campaign.pk)
    return render(
        request,
        "campaigns/list_import.html",
        {"campaign": campaign, "form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )

"""Pages of the new registers: the month's spot checks and their results, sanctions (with or without an
accident) and the accident's reporting finding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import PermissionDeniedError
from organizations.forms import apply_service_errors
from organizations.scoping import actor_of, scope_for
from organizations.views import form_page

from . import services
from .accidents import INVESTIGATED_BY
from .forms import AccidentReportingForm, SanctionImposeForm, SpotCheckResultForm
from .models import Accident, Sanction, SpotCheck
from .ranking_views import requested_month
from .sanctions import sanction_impose
from .spot_checks import may_record_result, spot_check_record_result


@login_required
def spot_check_list(request: HttpRequest) -> HttpResponse:
    """The month's spot checks the actor may see (latest month drawn when none is asked for)."""
    actor = actor_of(request)
    visible = SpotCheck.objects.visible_to(actor)
    month = requested_month(request) or visible.order_by("-month").values_list("month", flat=True).first()
    checks = (
        visible.filter(month=month)
        .select_related("enterprise", "department", "region")
        .order_by("region_path", "draw")
        if month
        else visible.none()
    )
    done = [c for c in checks if c.missed_count is not None]
    clean = sum(1 for c in done if c.missed_count == 0)
    return render(
        request,
        "accountability/spot_check_list.html",
        {
            "checks": checks[:500],
            "month": month,
            "done": len(done),
            "clean": clean,
            "clean_share": round(100 * clean / len(done), 1) if done else None,
        },
    )


@login_required
def spot_check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    spot_check = SpotCheck.objects.select_related(
        "enterprise", "department", "region", "self_inspection", "result_by", "inspection"
    ).get_visible(actor, pk=pk)
    may_record = spot_check.state == "assigned" and may_record_result(actor, spot_check)
    form = (
        SpotCheckResultForm(request.POST or None, actor=actor, spot_check=spot_check) if may_record else None
    )
    if request.method == "POST":
        if form is None:  # the service says why: 403 for the wrong role, 409 once recorded
            spot_check_record_result(
                actor=actor, spot_check=spot_check, checked_on=spot_check.month, missed_count=0
            )
        elif form.is_valid():
            try:
                spot_check_record_result(actor=actor, spot_check=spot_check, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The re-inspection's result is recorded."))
                return redirect("spot-check-detail", pk=spot_check.pk)
    return render(
        request,
        "accountability/spot_check_detail.html",
        {"spot_check": spot_check, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def sanction_list(request: HttpRequest) -> HttpResponse:
    sanctions = (
        Sanction.objects.visible_to(actor_of(request))
        .select_related("region", "investigation__case")
        .prefetch_related("evidence")
        .order_by("-decided_on", "-id")[:200]
    )
    return render(request, "accountability/sanction_list.html", {"sanctions": sanctions})


@login_required
def sanction_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    scope = scope_for(actor)
    if not (scope.is_tenant_admin or scope.committee_region_ids):
        raise PermissionDeniedError(_("Only committee staff hold people to account."))
    form = SanctionImposeForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            sanction_impose(actor=actor, **form.service_fields())
        except ValidationError as error:
            if "evidence" in getattr(error, "error_dict", {}):
                form.add_error(None, error.error_dict.pop("evidence"))
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("sanction-list"))
    status = 400 if request.method == "POST" else 200
    return render(request, "accountability/sanction_form.html", {"form": form}, status=status)


@login_required
@require_POST
def accident_reporting(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    accident = Accident.objects.get_visible(actor, pk=pk)
    form = AccidentReportingForm(request.POST)
    return form_page(
        request,
        form,
        "accountability/accident_reporting_form.html",
        save=lambda data: services.accident_reporting_record(actor=actor, accident=accident, **data),
        success=lambda _accident: reverse("accident-detail", args=[accident.pk]),
        context={"accident": accident, "investigated_by": INVESTIGATED_BY[accident.grade]},
    )

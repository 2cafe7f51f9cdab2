"""Enforcement-order pages: the list, issuing one (phone-friendly), the order with its resumption form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import PermissionDeniedError
from organizations.choices import DEPARTMENT_ROLES
from organizations.forms import apply_service_errors
from organizations.models import Enterprise, User
from organizations.scoping import actor_of, require_role, scope_for

from .choices import OPEN_STATES, StopProduction
from .enforcement import AcceptanceRole, EnforcementOrder, OrderKind, OrderStatus
from .models import Inspection
from .order_forms import EnterprisePickForm, OrderForm, ResumeForm
from .services.orders import enforcement_order_issue, enforcement_order_resume
from .services.permissions import may_issue_order, may_resume_order

# What the inspection's stop-production box suggests as the kind of order.
KIND_FOR_STOP = {
    StopProduction.FULL: OrderKind.STOP_FOR_RECTIFICATION,
    StopProduction.PARTIAL: OrderKind.PARTIAL_STOP,
}


def orders_of(actor: User) -> Any:
    return EnforcementOrder.objects.visible_to(actor).select_related("enterprise", "department")


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    orders = orders_of(actor)
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    return render(
        request,
        "hazards/order_list.html",
        {
            "orders": orders[:200],
            "status": status,
            "statuses": OrderStatus.choices,
            "can_issue": scope_for(actor).has_any_role(DEPARTMENT_ROLES),
        },
    )


def _initial(actor: User, request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    """Filled in from the inspection the page was opened from (its stop-production box and hazards)."""
    initial: dict[str, Any] = {"issued_on": timezone.localdate(), "kind": request.GET.get("kind", "")}
    inspection_id = request.GET.get("inspection", "")
    if inspection_id.isdigit():
        inspection = (
            Inspection.objects.visible_to(actor).filter(enterprise=enterprise, pk=inspection_id).first()
        )
        if inspection is not None:
            initial["inspection"] = inspection.pk
            initial["issued_on"] = inspection.date
            initial["kind"] = initial["kind"] or KIND_FOR_STOP.get(inspection.stop_production, "")
            initial["hazards"] = list(
                inspection.hazards.filter(state__in=OPEN_STATES).values_list("pk", flat=True)
            )
    return initial


@login_required
def order_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_role(actor, DEPARTMENT_ROLES, _("Only inspectors issue enforcement orders."))
    enterprise_id = request.GET.get("enterprise", "")
    if not enterprise_id:
        pick = EnterprisePickForm(actor=actor)
        return render(request, "hazards/order_form.html", {"pick": pick})
    enterprise: Enterprise = Enterprise.objects.get_visible(actor, pk=enterprise_id)
    if not may_issue_order(scope_for(actor), enterprise):
        raise PermissionDeniedError(_("Only a department regulating this enterprise issues its orders."))
    form = OrderForm(
        request.POST or None, actor=actor, enterprise=enterprise, initial=_initial(actor, request, enterprise)
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = enforcement_order_issue(actor=actor, enterprise=enterprise, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Order issued: %(kind)s.") % {"kind": order.get_kind_display()})
            return redirect("enforcement-order-detail", pk=order.pk)
    return render(
        request,
        "hazards/order_form.html",
        {"form": form, "enterprise": enterprise},
        status=400 if request.method == "POST" else 200,
    )


def _detail(
    request: HttpRequest, order: EnforcementOrder, form: ResumeForm | None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    hazards = list(order.hazards.order_by("code"))
    open_codes = [hazard.code for hazard in hazards if hazard.state in OPEN_STATES]
    can_resume = (
        order.status == OrderStatus.IN_FORCE
        and order.kind != OrderKind.CLOSURE
        and may_resume_order(scope_for(actor), order)
    )
    return render(
        request,
        "hazards/order_detail.html",
        {
            "order": order,
            "hazards": hazards,
            "open_codes": open_codes,
            "participants": [
                {"name": person.get("name", ""), "role_label": AcceptanceRole(person["role"]).label}
                for person in order.acceptance_participants
                if person.get("role") in AcceptanceRole.values
            ],
            "can_resume": can_resume,
            "form": form if form is not None else (ResumeForm() if can_resume and not open_codes else None),
        },
        status=status,
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = (
        orders_of(actor_of(request))
        .select_related("issued_by", "resumed_by")
        .get_visible(actor_of(request), pk=pk)
    )
    return _detail(request, order, None)


@login_required
@require_POST
def order_resume(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    order = orders_of(actor).get_visible(actor, pk=pk)
    form = ResumeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            enforcement_order_resume(
                actor=actor,
                order=order,
                participants=data["participants"],
                note=data["note"],
                date=data["date"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Production resumed: the order is lifted."))
            return redirect(reverse("enforcement-order-detail", args=[order.pk]))
    return _detail(request, order, form, status=400)


def enterprise_orders_panel(user: User, enterprise: Enterprise) -> dict[str, Any] | None:
    """The enterprise page's list of its enforcement orders (settings.ENTERPRISE_PANELS)."""
    orders = list(orders_of(user).filter(enterprise=enterprise))
    can_issue = may_issue_order(scope_for(user), enterprise)
    if not orders and not can_issue:
        return None
    return {
        "template": "hazards/_enterprise_orders.html",
        "context": {"orders": orders, "can_issue": can_issue, "enterprise": enterprise},
    }


def inspection_orders(user: User, inspection: Inspection) -> dict[str, Any]:
    """The orders issued from an inspection, and whether the page offers to issue one (its stop box)."""
    orders = list(orders_of(user).filter(inspection=inspection))
    can_issue = may_issue_order(scope_for(user), inspection.enterprise)
    return {"orders": orders, "can_issue_order": can_issue}

"""Enforcement orders and resumption (hazards/enforcement.py): the register's two transitions.

`enforcement_order_issue` is taken by an inspector (or head) of a department regulating the enterprise;
`enforcement_order_resume` only by the issuing department, after an on-site acceptance, once none of the
order's hazards is open. Both lock what they change, keep the enterprise's operating status in step with
the orders still in force, write one event into the timeline of every linked hazard and one audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError
from core.scoping import ensure_visible
from organizations.audit import audit_record
from organizations.choices import AuditAction, EnterpriseStatus
from organizations.models import Department, Enterprise, User
from organizations.scoping import scope_for, tenant_of

from ..choices import OPEN_STATES, HazardAction, HazardState
from ..enforcement import (
    AcceptanceRole,
    EnforcementOrder,
    EnforcementOrderHazard,
    OrderKind,
    OrderStatus,
)
from ..models import Hazard, Inspection
from .permissions import may_issue_order, may_resume_order, order_issuing_departments
from .steps import deny, now_or, record_event

MIN_ACCEPTANCE_PARTICIPANTS = 2


def _status_under_orders(enterprise: Enterprise) -> str:
    """Closed under a closure order in force, suspended under any other, operating under none."""
    kinds = set(
        EnforcementOrder.objects.filter(
            tenant_id=enterprise.tenant_id, enterprise=enterprise, status=OrderStatus.IN_FORCE
        ).values_list("kind", flat=True)
    )
    if OrderKind.CLOSURE in kinds:
        return EnterpriseStatus.CLOSED
    return EnterpriseStatus.SUSPENDED if kinds else EnterpriseStatus.OPERATING


def _set_status(*, actor: User, enterprise: Enterprise, order: EnforcementOrder) -> None:
    """Bring the (locked) enterprise's operating status in step with its orders; audit any change."""
    status = _status_under_orders(enterprise)
    if status == enterprise.status:
        return
    before, enterprise.status = enterprise.status, status
    enterprise.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditAction.DIRECTORY_UPDATE,
        target=enterprise,
        detail={"status": [before, status], "enforcement_order": order.pk},
    )


def _locked_enterprise(enterprise: Enterprise) -> Enterprise:
    locked: Enterprise = Enterprise.objects.select_for_update().get(
        tenant_id=enterprise.tenant_id, pk=enterprise.pk
    )
    return locked


def _record_on_hazards(
    order: EnforcementOrder, *, actor: User, action: str, at: dt.datetime, note: str
) -> None:
    """One event in the timeline of each hazard the order names (the hazard's state does not move)."""
    hazards = Hazard.objects.select_for_update().filter(
        tenant_id=order.tenant_id, pk__in=order.links.values("hazard_id")
    )
    for hazard in hazards.order_by("pk"):
        record_event(
            hazard,
            actor=actor,
            action=action,
            from_state=hazard.state,
            at=at,
            note=note,
            data={"order": order.pk, "kind": order.kind},
        )


@transaction.atomic
def enforcement_order_issue(
    *,
    actor: User,
    enterprise: Enterprise,
    kind: str,
    legal_basis: str,
    issued_on: dt.date,
    hazards: Sequence[Hazard] = (),
    department: Department | None = None,
    inspection: Inspection | None = None,
    now: dt.datetime | None = None,
) -> EnforcementOrder:
    """Order the enterprise to stop (wholly or in part), seal its equipment or close; it is suspended (closed
    under a closure order) from now on."""
    at = now_or(now)
    ensure_visible(actor, enterprise)
    scope = scope_for(actor)
    if not may_issue_order(scope, enterprise):
        raise deny(
            _("Only an inspector of a department regulating the enterprise issues enforcement orders.")
        )
    departments = order_issuing_departments(scope, enterprise)
    errors: dict[str, Any] = {}
    if department is None:
        department_id = departments[0]
    elif department.pk in departments:
        department_id = department.pk
    else:
        errors["department"] = _("Issue the order for your own department that regulates this enterprise.")
        department_id = departments[0]
    if kind not in OrderKind.values:
        errors["kind"] = _("Choose the kind of order.")
    if not legal_basis.strip():
        errors["legal_basis"] = _("Cite the law and article the order rests on.")
    if issued_on is None:
        errors["issued_on"] = _("This field is required.")
    elif issued_on > timezone.localdate():
        errors["issued_on"] = _("An order cannot be dated in the future.")
    chosen = list({hazard.pk: hazard for hazard in hazards}.values())
    for hazard in chosen:
        ensure_visible(actor, hazard)
    if any(hazard.enterprise_id != enterprise.pk for hazard in chosen):
        errors["hazards"] = _("Link only hazards of %(enterprise)s.") % {"enterprise": enterprise.name}
    elif any(hazard.state == HazardState.WITHDRAWN for hazard in chosen):
        # A closed hazard may be named (an order recorded after the rectification); it holds nothing up.
        errors["hazards"] = _("A withdrawn hazard was recorded in error: do not link it.")
    if inspection is not None:
        ensure_visible(actor, inspection)
        if inspection.enterprise_id != enterprise.pk:
            errors["inspection"] = _("The inspection must be of the same enterprise.")
    if errors:
        raise ValidationError(errors)
    locked = _locked_enterprise(enterprise)
    order = EnforcementOrder.objects.create(
        tenant_id=tenant_of(actor),
        enterprise=locked,
        region_path=locked.region_path,
        department_id=department_id,
        kind=kind,
        legal_basis=legal_basis.strip(),
        issued_on=issued_on,
        inspection=inspection,
        issued_by=actor,
        issued_at=at,
    )
    EnforcementOrderHazard.objects.bulk_create(
        [EnforcementOrderHazard(tenant_id=order.tenant_id, order=order, hazard=hazard) for hazard in chosen]
    )
    _record_on_hazards(order, actor=actor, action=HazardAction.ORDER, at=at, note=order.get_kind_display())
    audit_record(actor=actor, action=AuditAction.DIRECTORY_CREATE, target=order, detail={"kind": kind})
    _set_status(actor=actor, enterprise=locked, order=order)
    return order


def _clean_participants(participants: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    cleaned = []
    for person in participants:
        name = str(person.get("name") or "").strip()
        role = str(person.get("role") or "")
        if not name or role not in AcceptanceRole.values:
            raise ValidationError(
                {"participants": _("Name every participant and choose their role in the acceptance.")}
            )
        cleaned.append({"name": name[:100], "role": role})
    if len(cleaned) < MIN_ACCEPTANCE_PARTICIPANTS:
        raise ValidationError({"participants": _("An on-site acceptance needs at least two participants.")})
    if not any(person["role"] == AcceptanceRole.INSPECTOR for person in cleaned):
        raise ValidationError({"participants": _("At least one participant is a law-enforcement inspector.")})
    return cleaned


@transaction.atomic
def enforcement_order_resume(
    *,
    actor: User,
    order: EnforcementOrder | int,
    participants: Sequence[dict[str, Any]],
    note: str,
    date: dt.date,
    now: dt.datetime | None = None,
) -> EnforcementOrder:
    """Lift the order after the on-site acceptance (复产验收): the enterprise operates again once no other
    order is in force."""
    at = now_or(now)
    pk = order if isinstance(order, int) else order.pk
    locked: EnforcementOrder = (
        EnforcementOrder.objects.select_for_update(of=("self",))
        .select_related("enterprise", "department")
        .get_visible(actor, pk=pk)
    )
    if not may_resume_order(scope_for(actor), locked):
        raise deny(_("Only the department that issued the order accepts the resumption."))
    if locked.kind == OrderKind.CLOSURE:
        raise InvalidStateError(_("A closure order is final: the enterprise does not resume."))
    if locked.status != OrderStatus.IN_FORCE:
        raise InvalidStateError(_("This order was already lifted on %(date)s.") % {"date": locked.resumed_on})
    still_open = list(
        Hazard.objects.filter(
            tenant_id=locked.tenant_id, pk__in=locked.links.values("hazard_id"), state__in=OPEN_STATES
        )
        .order_by("code")
        .values_list("code", flat=True)
    )
    if still_open:
        raise InvalidStateError(
            _("Production resumes only when the order's hazards are closed; still open: %(codes)s.")
            % {"codes": ", ".join(still_open)}
        )
    errors: dict[str, Any] = {}
    try:
        cleaned = _clean_participants(participants)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not note.strip():
        errors["note"] = _("Record what the acceptance found.")
    if date is None:
        errors["date"] = _("This field is required.")
    elif date > timezone.localdate():
        errors["date"] = _("The acceptance cannot be dated in the future.")
    elif date < locked.issued_on:
        errors["date"] = _("The acceptance cannot precede the order (%(date)s).") % {"date": locked.issued_on}
    if errors:
        raise ValidationError(errors)
    enterprise = _locked_enterprise(locked.enterprise)
    locked.status = OrderStatus.RESUMED
    locked.resumed_on = date
    locked.acceptance_participants = cleaned
    locked.acceptance_note = note.strip()
    locked.resumed_by, locked.resumed_at = actor, at
    locked.save(
        update_fields=[
            "status",
            "resumed_on",
            "acceptance_participants",
            "acceptance_note",
            "resumed_by",
            "resumed_at",
        ]
    )
    _record_on_hazards(locked, actor=actor, action=HazardAction.RESUME, at=at, note=locked.acceptance_note)
    audit_record(
        actor=actor,
        action=AuditAction.DIRECTORY_UPDATE,
        target=locked,
        detail={"status": [OrderStatus.IN_FORCE, OrderStatus.RESUMED], "resumed_on": date},
    )
    _set_status(actor=actor, enterprise=enterprise, order=locked)
    return locked

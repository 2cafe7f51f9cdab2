"""Tip-offs from the public: filed without an account, triaged by the committee of the chosen region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from core.scoping import ancestor_paths, ensure_visible
from hazards.choices import OPEN_STATES, HazardState
from hazards.models import Hazard, Inspection
from hazards.services.notices import notices_send
from organizations.audit import audit_record
from organizations.choices import DEPARTMENT_ROLES, AuditAction, Role
from organizations.models import Department, Membership, Region, Tenant, User
from organizations.scoping import Scope, scope_for

from .choices import TipOffStatus
from .models import TipOff


class RateLimited(Exception):
    """Too many tip-offs from one address in the window."""


def _rate_limit(tenant: Tenant, client_address: str) -> None:
    """A fixed window per tenant and address in the shared cache, so every web process counts together."""
    key = f"tipoff-rate:{tenant.pk}:{client_address}"
    cache.add(key, 0, timeout=settings.TIPOFF_WINDOW_SECONDS)
    if cache.incr(key) > settings.TIPOFF_LIMIT:
        raise RateLimited


def tipoff_file(
    *,
    tenant: Tenant,
    region: Region,
    description: str,
    enterprise_name: str = "",
    contact: str = "",
    client_address: str,
) -> TipOff:
    if region.tenant_id != tenant.pk:
        raise ValidationError({"region": _("Choose a region of this province.")})
    if len(description.strip()) < 10:
        raise ValidationError({"description": _("Describe what you saw in at least 10 characters.")})
    _rate_limit(tenant, client_address)
    with transaction.atomic():
        tip = TipOff.objects.create(
            tenant=tenant,
            region=region,
            region_path=region.path,
            description=description,
            enterprise_name=enterprise_name[:200],
            contact=contact[:200],
        )
        # The committee that triages it hears at once: the nearest one at or above the region with staff.
        staff = Membership.objects.filter(tenant_id=tenant.pk, is_active=True, role=Role.COMMITTEE_STAFF)
        for path in reversed(ancestor_paths(region.path)):
            users = set(staff.filter(region__path=path).values_list("user_id", flat=True))
            if users:
                break
        else:
            users = set()
        notices_send(
            tenant_id=tenant.pk,
            users=users,
            kind="tip_off_received",
            params={"code": tip.tracking_code, "region": region.display_name},
            at=tip.created_at,
        )
    return tip


@transaction.atomic
def tipoff_triage(*, actor: User, tip_off: TipOff, lead: bool, public_note: str) -> TipOff:
    """Make the tip-off an inspection lead, or dismiss it with a reason the sender can read."""
    locked: TipOff = TipOff.objects.select_for_update(of=("self",)).get_visible(actor, pk=tip_off.pk)
    if Role.COMMITTEE_STAFF not in scope_for(actor).roles and not scope_for(actor).is_tenant_admin:
        raise PermissionDeniedError(_("Only committee staff triage tip-offs."))
    if locked.status != TipOffStatus.RECEIVED:
        raise InvalidStateError(_("This tip-off has already been triaged."))
    if not lead and not public_note.strip():
        raise ValidationError({"public_note": _("Say why the tip-off is closed without inspection.")})
    locked.status = TipOffStatus.LEAD if lead else TipOffStatus.DISMISSED
    locked.public_note, locked.triaged_by, locked.triaged_at = public_note, actor, timezone.now()
    locked.save()
    return locked


# ------------------------------------------------------------------ leads that go somewhere


def _committee_over(scope: Scope, tip: TipOff) -> bool:
    return Role.COMMITTEE_STAFF in scope.roles and any(
        tip.region_path.startswith(p) for p in scope.committee_paths
    )


def _locked(actor: User, tip_off: TipOff) -> TipOff:
    locked: TipOff = (
        TipOff.objects.select_for_update(of=("self",))
        .select_related("region")
        .get_visible(actor, pk=tip_off.pk)
    )
    return locked


@transaction.atomic
def tipoff_assign(
    *, actor: User, tip_off: TipOff, department: Department | None, now: dt.datetime | None = None
) -> TipOff:
    """Give a lead to the department that will inspect it; its staff are told at once."""
    at = now or timezone.now()
    locked = _locked(actor, tip_off)
    scope = scope_for(actor)
    if not _committee_over(scope, locked):
        raise PermissionDeniedError(_("Only committee staff over the tip-off's region assign it."))
    if locked.status != TipOffStatus.LEAD:
        raise InvalidStateError(
            _("Only a tip-off passed to inspectors as a lead is assigned; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    if locked.department_id is not None:
        raise InvalidStateError(
            _("This tip-off is already assigned to %(department)s.") % {"department": locked.department}
        )
    if department is None:
        raise ValidationError({"department": _("This field is required.")})
    # A department outside the committee's regions is not the committee's to direct: as if it did not exist.
    ensure_visible(actor, department)
    if not any(department.region.path.startswith(p) for p in scope.committee_paths):
        raise NotFoundError(_("Department not found."))
    if not locked.region_path.startswith(department.region.path) or not department.is_active:
        raise ValidationError(
            {
                "department": _("%(department)s does not cover the tip-off's region.")
                % {"department": department}
            }
        )
    locked.department, locked.assigned_by, locked.assigned_at = department, actor, at
    locked.save(update_fields=["department", "assigned_by", "assigned_at"])
    audit_record(
        actor=actor,
        action=AuditAction.TIP_OFF,
        target=locked,
        detail={"step": "assign", "department": department.pk},
    )
    staff = Membership.objects.filter(
        tenant_id=locked.tenant_id, is_active=True, department=department, role__in=DEPARTMENT_ROLES
    ).values_list("user_id", flat=True)
    notices_send(
        tenant_id=locked.tenant_id,
        users=staff,
        kind="tip_off",
        params={"code": locked.tracking_code, "region": locked.region.display_name, "department": department},
        at=at,
    )
    return locked


def tipoff_hazards(tip: TipOff) -> QuerySet[Hazard]:
    """The hazards found by the inspections the tip-off prompted."""
    return Hazard.objects.filter(tenant_id=tip.tenant_id, inspection__tip_off=tip)


@transaction.atomic
def tipoff_reward(
    *,
    actor: User,
    tip_off: TipOff,
    granted_on: dt.date | None,
    amount: Decimal | None = None,
    now: dt.datetime | None = None,
) -> TipOff:
    """Record the reward (举报奖励) granted for a tip-off that proved true. The amount is never published."""
    at = now or timezone.now()
    locked = _locked(actor, tip_off)
    scope = scope_for(actor)
    if not _committee_over(scope, locked):
        raise PermissionDeniedError(_("Only committee staff over the tip-off's region record its reward."))
    if locked.reward_granted_on is not None:
        raise InvalidStateError(
            _("A reward for this tip-off was already recorded on %(day)s.")
            % {"day": locked.reward_granted_on}
        )
    if not tipoff_hazards(locked).exists():
        raise InvalidStateError(
            _("A reward is granted once an inspection has found the hazard the tip-off reported.")
        )
    errors: dict[str, str] = {}
    if granted_on is None:
        errors["granted_on"] = _("This field is required.")
    elif granted_on > timezone.localtime(at).date():
        errors["granted_on"] = _("The reward cannot be dated in the future.")
    elif granted_on < timezone.localtime(locked.created_at).date():
        errors["granted_on"] = _("The reward cannot be dated before the tip-off was received.")
    if amount is not None and (not amount.is_finite() or amount < 0):
        errors["amount"] = _("The amount cannot be negative.")
    if errors:
        raise ValidationError(errors)
    locked.reward_granted_on, locked.reward_amount, locked.reward_recorded_by = granted_on, amount, actor
    locked.save(update_fields=["reward_granted_on", "reward_amount", "reward_recorded_by"])
    audit_record(
        actor=actor,
        action=AuditAction.TIP_OFF,
        target=locked,
        detail={"step": "reward", "granted_on": granted_on, "amount": amount},
    )
    return locked


class PublicStage(NamedTuple):
    """What the sender's status page says: reviewed words only, never what was found or by whom."""

    key: str
    label: str


def with_stage_flags(tip_offs: QuerySet[TipOff]) -> QuerySet[TipOff]:
    """Tip-offs with what `tipoff_public_stage` asks of the ledger, read in the same query (lists)."""
    found = Hazard.objects.filter(tenant_id=OuterRef("tenant_id"), inspection__tip_off=OuterRef("pk"))
    return tip_offs.annotate(
        stage_open=Exists(found.filter(state__in=OPEN_STATES)),
        stage_closed=Exists(found.filter(state=HazardState.CLOSED)),
        stage_inspected=Exists(
            Inspection.objects.filter(tenant_id=OuterRef("tenant_id"), tip_off=OuterRef("pk"))
        ),
    )


def tipoff_public_stage(tip: TipOff) -> PublicStage:
    """The stage the sender's page shows: the triage, then what the inspections it prompted found."""
    if tip.status == TipOffStatus.RECEIVED:
        return PublicStage("received", _("Received, being checked"))
    if tip.status == TipOffStatus.DISMISSED:
        return PublicStage("dismissed", _("Closed without inspection"))
    flags = getattr(tip, "stage_open", None)
    if flags is None:
        tip = with_stage_flags(TipOff.objects.filter(pk=tip.pk, tenant_id=tip.tenant_id)).get()
    if getattr(tip, "stage_open", False):
        return PublicStage("rectifying", _("Verified: a hazard was found and is being rectified"))
    if getattr(tip, "stage_closed", False):
        return PublicStage("rectified", _("Verified: the hazard found has been rectified"))
    if getattr(tip, "stage_inspected", False):
        return PublicStage("inspected", _("Inspected on site: no hazard was found"))
    return PublicStage("lead", _("Passed to inspectors as a lead"))

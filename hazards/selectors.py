"""Reads of the ledger, always from the caller's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from organizations.models import Enterprise, Region, User
from organizations.shared_readings import cached_for_scope, shared_reading

from .choices import OPEN_STATES, HazardLevel, HazardState, SelfInspectionStatus
from .enforcement import due_to_file
from .models import HandoverReceipt, Hazard, HazardEvent, SelfInspection, Verification

LIST_RELATED = ("enterprise", "region", "industry", "criterion__standard")


def hazard_list(*, actor: User, within: Region | None = None) -> QuerySet[Hazard]:
    """The ledger rows the actor may see (in one region subtree, if given), with what a list row shows
    joined in (no per-row queries)."""
    within_path = within.path if within is not None else None
    return Hazard.objects.visible_to(actor, within_path=within_path).select_related(*LIST_RELATED)


_WITHIN_ATTR = "_ledger_within_path"


def ledger_region(request: Any) -> Region | None:
    """The region the request's `region` filter names (404 when the user cannot see it), for reading the
    ledger within it from the start (hazard_list(within=...)); remembered on the request so that
    HazardFilter does not add the same subtree a second time."""
    value = request.GET.get("region")
    if not value:
        return None
    region: Region = Region.objects.get_visible(request.user, pk=value)
    setattr(request, _WITHIN_ATTR, value)
    return region


def region_already_applied(request: Any, value: str) -> bool:
    """Whether `ledger_region` already confined this request's ledger to the region `value` names."""
    return getattr(request, _WITHIN_ATTR, None) == value


_CHECKED_FOR = "_visible_to_user_id"


def hazard_get(*, actor: User, pk: int | str) -> Hazard:
    # The criterion and its standard (major hazards only) are read apart: joined too, the seven tables' join
    # order took PostgreSQL 4-6 ms to plan for a statement that runs in 0.6 ms.
    hazard: Hazard = (
        Hazard.objects.select_related("enterprise", "region", "industry", "discovered_by")
        .prefetch_related("criterion__standard")
        .get_visible(actor, pk=pk)
    )
    setattr(hazard, _CHECKED_FOR, actor.pk)  # later reads of its parts for this actor need not ask again
    return hazard


def hazard_timeline(*, actor: User, hazard: Hazard) -> QuerySet[HazardEvent]:
    if getattr(hazard, _CHECKED_FOR, None) != actor.pk:
        hazard_get(actor=actor, pk=hazard.pk)  # the timeline is as private as the hazard
    return HazardEvent.objects.filter(hazard=hazard, tenant_id=hazard.tenant_id).select_related("actor")


def _due_to_file(*, actor: User, region: Region, month: dt.date) -> QuerySet[Enterprise]:
    """Enterprises in the region (and below) that owe the month's self-inspection: operating ones, less the
    months an enforcement order kept them suspended (hazards/enforcement.py)."""
    return due_to_file(
        Enterprise.objects.visible_to(actor).filter(region_path__startswith=region.path), month
    )


def self_inspection_missing(*, actor: User, region: Region, month: dt.date) -> QuerySet[Enterprise]:
    """Enterprises owing the month's self-inspection (see _due_to_file) that have not submitted it."""
    submitted = SelfInspection.objects.filter(
        tenant_id=region.tenant_id,
        enterprise=OuterRef("pk"),
        period=month,
        status=SelfInspectionStatus.SUBMITTED,
    )
    return (
        _due_to_file(actor=actor, region=region, month=month)
        .annotate(filed=Exists(submitted))
        .filter(filed=False)
        .select_related("region")
        .order_by("region__path", "name")
    )


def filing_summary(*, actor: User, region: Region, month: dt.date) -> dict[str, Any]:
    total = _due_to_file(actor=actor, region=region, month=month).count()
    missing = self_inspection_missing(actor=actor, region=region, month=month).count()
    return {"total": total, "filed": total - missing, "missing": missing}


@shared_reading("landing-ledger")
def _ledger_counts(actor: User) -> dict[str, int]:
    """The landing page's tiles, counted in one grouped query over the actor's whole ledger."""
    open_q = Q(state__in=OPEN_STATES)
    return Hazard.objects.visible_to(actor).aggregate(
        open=Count("pk", filter=open_q),
        major=Count("pk", filter=open_q & Q(level=HazardLevel.MAJOR)),
        overdue=Count("pk", filter=open_q & Q(is_overdue=True)),
        listed=Count("pk", filter=open_q & Q(listed=True)),
        reported=Count("pk", filter=Q(state=HazardState.REPORTED)),
        pending=Count("pk", filter=Q(state=HazardState.PENDING_VERIFICATION)),
        closed=Count("pk", filter=Q(state=HazardState.CLOSED)),
    )


def landing_panel(actor: User) -> dict[str, Any] | None:
    """The ledger's numbers for a role's landing page: one grouped query, each tile linking to its rows."""
    # The whole scope's ledger is counted (a province's: a million rows): shared a minute within a scope.
    numbers = cached_for_scope("landing-ledger", actor)
    tiles = [
        ("open", _("Open hazards"), "state=" + "&state=".join(sorted(OPEN_STATES))),
        ("major", _("Open major hazards"), "level=major&state=" + "&state=".join(sorted(OPEN_STATES))),
        ("overdue", _("Overdue"), "overdue=true"),
        ("listed", _("Listed for supervision"), "listed=true&state=" + "&state=".join(sorted(OPEN_STATES))),
        ("reported", _("Awaiting confirmation"), "state=reported"),
        ("pending", _("Awaiting verification"), "state=pending_verification"),
        ("closed", pgettext("hazard state", "Closed"), "state=closed"),
    ]
    return {
        "template": "hazards/_landing_panel.html",
        "context": {
            "tiles": [
                {"key": key, "label": label, "count": numbers[key], "query": query}
                for key, label, query in tiles
            ]
        },
    }


def receipt_list(*, actor: User, pending: bool | None = None) -> QuerySet[HandoverReceipt]:
    """The handover receipts addressed to the actor's departments and committees, the nearest deadline
    first; `pending` keeps those not yet acknowledged (True) or those acknowledged (False)."""
    receipts = HandoverReceipt.objects.visible_to(actor).select_related(
        "department", "region", "escalated_to", "handover__hazard__enterprise", "handover__region"
    )
    if pending is not None:
        receipts = receipts.filter(acknowledged_at__isnull=pending)
    return receipts.order_by("receipt_deadline", "pk")


def verifications_with_acceptance() -> QuerySet[Verification]:
    """Verifications with their acceptance record, its attachments and its report's digest (not the PDF)."""
    return (
        Verification.objects.select_related("verified_by", "acceptance__department", "acceptance__report")
        .defer("acceptance__report__pdf")
        .prefetch_related("acceptance__attachments")
    )

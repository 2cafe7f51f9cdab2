"""Handover receipts (两移交): every receiver of a handover — the territorial committee and each following
department — gets a receipt with an acknowledgement deadline, hears of it at once, and is escalated once to
the committee above when the deadline passes unacknowledged.

`hazard_handover` (ledger.py) calls `receipts_issue` inside its transaction; the receiver acknowledges
through `hazard_acknowledge_handover`; the daily job calls `receipts_escalate` per tenant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.rls import tenant_context
from core.scoping import ancestor_paths
from organizations.choices import DEPARTMENT_ROLES, Role
from organizations.models import Department, Membership, Region, Tenant

from ..choices import HazardAction
from ..models import Handover, HandoverReceipt, Hazard
from .notices import notices_send
from .steps import record_event


def _notify(
    hazard: Hazard, users: Iterable[int], kind: str, params: dict[str, object], at: dt.datetime
) -> int:
    """Notices in the caller's transaction; once per user, hazard, kind and day."""
    return len(
        notices_send(tenant_id=hazard.tenant_id, users=users, kind=kind, params=params, at=at, hazard=hazard)
    )


def _department_staff(tenant_id: int, department_id: int) -> set[int]:
    return set(
        Membership.objects.filter(
            tenant_id=tenant_id, is_active=True, department_id=department_id, role__in=DEPARTMENT_ROLES
        ).values_list("user_id", flat=True)
    )


def _committee_staff(tenant_id: int, region_id: int) -> set[int]:
    return set(
        Membership.objects.filter(
            tenant_id=tenant_id, is_active=True, region_id=region_id, role=Role.COMMITTEE_STAFF
        ).values_list("user_id", flat=True)
    )


def receipts_issue(
    *, handover: Handover, departments: Sequence[Department], at: dt.datetime
) -> list[HandoverReceipt]:
    """One receipt for the territorial committee (the handover's region) and one per department, each with
    the acknowledgement deadline; every receiver's staff are told at once."""
    hazard = handover.hazard
    deadline = timezone.localtime(at).date() + dt.timedelta(days=settings.HANDOVER_RECEIPT_DAYS)
    unique = {d.pk: d for d in departments}
    # The departments first, then the territorial committee: the order the hazard page lists them in.
    receipts = HandoverReceipt.objects.bulk_create(
        [
            *(
                HandoverReceipt(
                    tenant_id=hazard.tenant_id, handover=handover, department=d, receipt_deadline=deadline
                )
                for d in unique.values()
            ),
            HandoverReceipt(
                tenant_id=hazard.tenant_id,
                handover=handover,
                region=handover.region,
                receipt_deadline=deadline,
            ),
        ]
    )
    params = {
        "code": hazard.code,
        "title": hazard.title,
        "enterprise": hazard.enterprise,
        "deadline": deadline,
    }
    users = _committee_staff(hazard.tenant_id, handover.region_id)
    for department_id in unique:
        users |= _department_staff(hazard.tenant_id, department_id)
    _notify(hazard, users, "handover", params, at)
    return receipts


# ------------------------------------------------------------------ escalation


@dataclass(frozen=True)
class EscalationResult:
    escalated: int
    notifications: int


def _claim_unanswered(tenant_id: int, today: dt.date, at: dt.datetime) -> list[int]:
    """Stamp receipts past their deadline that nobody acknowledged or escalated, in one statement:
    RETURNING gives exactly the rows this run claimed, so two sweeps at once never escalate twice."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE hazards_handoverreceipt SET escalated_at = %s
            WHERE tenant_id = %s AND receipt_deadline < %s
              AND acknowledged_at IS NULL AND escalated_at IS NULL
            RETURNING id
            """,
            [at, tenant_id, today],
        )
        return [row[0] for row in cursor.fetchall()]


def committee_above(receipt: HandoverReceipt) -> tuple[Region | None, set[int]]:
    """The nearest staffed committee above the receiver: over a department, its region's committee or the
    nearest one up; over a committee, the nearest one up from its parent region."""
    if receipt.department is not None:
        paths = ancestor_paths(receipt.department.region.path)
    else:
        assert receipt.region is not None  # the receipt_one_receiver constraint
        paths = ancestor_paths(receipt.region.path)[:-1]
    regions = {r.path: r for r in Region.objects.filter(tenant_id=receipt.tenant_id, path__in=paths)}
    for path in reversed(paths):  # nearest first
        region = regions.get(path)
        if region is None:
            continue
        staff = _committee_staff(receipt.tenant_id, region.pk)
        if staff:
            return region, staff
    return None, set()


@transaction.atomic
def receipts_escalate(
    *, tenant: Tenant, today: dt.date | None = None, now: dt.datetime | None = None
) -> EscalationResult:
    """Escalate each receipt whose deadline passed unacknowledged, once: the committee above hears of it and
    the hazard's timeline records it. Idempotent: a second run the same day, or any later day, finds the
    receipt already escalated and does nothing."""
    at = now or timezone.now()
    today = today or timezone.localtime(at).date()
    claimed = _claim_unanswered(tenant.pk, today, at)
    receipts = HandoverReceipt.objects.filter(pk__in=claimed).select_related(
        "department__region", "region", "handover__hazard__enterprise"
    )
    sent = 0
    for receipt in receipts.order_by("pk"):
        hazard = receipt.handover.hazard
        above, staff = committee_above(receipt)
        if above is not None:
            receipt.escalated_to = above
            receipt.save(update_fields=["escalated_to"])
        record_event(
            hazard,
            actor=None,
            action=HazardAction.RECEIPT_OVERDUE,
            from_state=hazard.state,
            at=at,
            data={
                "receipt": receipt.pk,
                "department": receipt.department_id,
                "committee": receipt.region_id,
                "deadline": receipt.receipt_deadline.isoformat(),
                "escalated_to": above.code if above else None,
            },
        )
        sent += _notify(
            hazard,
            staff,
            "receipt_escalation",
            {
                "receiver": receipt.receiver_name,
                "code": hazard.code,
                "title": hazard.title,
                "deadline": receipt.receipt_deadline,
            },
            at,
        )
    return EscalationResult(escalated=len(claimed), notifications=sent)


def receipts_escalate_all_tenants(*, today: dt.date | None = None) -> EscalationResult:
    """The daily job: every tenant in a transaction of its own, with its tenant set for the database."""
    now = timezone.now()
    escalated = notifications = 0
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant):
            result = receipts_escalate(tenant=tenant, today=today, now=now)
        escalated += result.escalated
        notifications += result.notifications
    return EscalationResult(escalated=escalated, notifications=notifications)

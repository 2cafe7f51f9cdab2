"""The daily overdue sweep: mark hazards whose deadline passed, remind the enterprise, escalate upward."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.rls import tenant_context
from organizations.models import Tenant

from ..choices import OPEN_STATES, HazardAction, HazardState
from ..models import Hazard, HazardEvent
from .listings import listings_escalate_overdue
from .notices import notices_send, recipients

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    newly_overdue: int
    notifications: int


def _claim_newly_overdue(today: dt.date, tenant_id: int | None) -> list[int]:
    """Flag open hazards past their deadline in one statement; RETURNING gives exactly the rows this run
    flagged, so two sweeps at once never notify twice."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE hazards_hazard SET is_overdue = TRUE, overdue_since = %s, updated_at = NOW()
            WHERE state = ANY(%s) AND deadline < %s AND NOT is_overdue
              AND (%s::bigint IS NULL OR tenant_id = %s::bigint)
            RETURNING id
            """,
            [today, sorted(OPEN_STATES), today, tenant_id, tenant_id],
        )
        return [row[0] for row in cursor.fetchall()]


def _notify(hazard: Hazard, users: set[int], kind: str, params: dict[str, object], now: dt.datetime) -> int:
    return len(
        notices_send(tenant_id=hazard.tenant_id, users=users, kind=kind, params=params, at=now, hazard=hazard)
    )


@transaction.atomic
def overdue_sweep(
    *, tenant: Tenant | None = None, today: dt.date | None = None, now: dt.datetime | None = None
) -> SweepResult:
    """Mark newly overdue hazards, notify, and remind enterprises of deadlines coming up. Idempotent.

    With `tenant`, only that tenant's ledger (the scheduled job runs one tenant per transaction)."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    tenant_id = tenant.pk if tenant else None
    in_tenant = {"tenant_id": tenant_id} if tenant_id else {}
    created = 0
    overdue_ids = _claim_newly_overdue(today, tenant_id)
    hazards = Hazard.objects.filter(pk__in=overdue_ids).select_related("enterprise", "industry")
    for hazard in hazards:
        HazardEvent.objects.create(
            tenant_id=hazard.tenant_id,
            hazard=hazard,
            actor=None,
            action=HazardAction.OVERDUE,
            from_state=hazard.state,
            to_state=hazard.state,
            created_at=now,
            data={"deadline": hazard.deadline.isoformat() if hazard.deadline else None},
        )
        who = recipients(hazard)
        created += _notify(
            hazard,
            who["enterprise"],
            "overdue",
            {"code": hazard.code, "title": hazard.title, "deadline": hazard.deadline},
            now,
        )
        created += _notify(
            hazard,
            who["departments"] | who["committee"],
            "escalation",
            {"enterprise": hazard.enterprise, "code": hazard.code, "deadline": hazard.deadline},
            now,
        )
    due = today + dt.timedelta(days=settings.DUE_SOON_DAYS)
    for hazard in Hazard.objects.filter(
        state=HazardState.RECTIFYING, deadline=due, is_overdue=False, **in_tenant
    ):
        created += _notify(
            hazard,
            recipients(hazard)["enterprise"],
            "due_soon",
            {"code": hazard.code, "title": hazard.title, "deadline": hazard.deadline},
            now,
        )
    created += len(listings_escalate_overdue(tenant_id=tenant_id, today=today, now=now))
    return SweepResult(newly_overdue=len(overdue_ids), notifications=created)


def overdue_sweep_all_tenants(*, today: dt.date | None = None) -> SweepResult:
    """The daily job: every tenant in a transaction of its own, with its tenant set for the database."""
    now = timezone.now()
    newly_overdue = notifications = 0
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant):
            result = overdue_sweep(tenant=tenant, today=today, now=now)
        newly_overdue += result.newly_overdue
        notifications += result.notifications
    return SweepResult(newly_overdue=newly_overdue, notifications=notifications)

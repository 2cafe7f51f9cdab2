"""The daily overdue sweep: mark hazards whose deadline passed, remind the enterprise, escalate upward."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.rls import tenant_context
from core.scoping import ancestor_paths
from organizations.choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, Role
from organizations.models import Membership, Tenant, User

from ..choices import OPEN_STATES, HazardAction, HazardState
from ..models import HandoverReceipt, Hazard, HazardEvent, Notification
from .listings import listings_escalate_overdue

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


def recipients(hazard: Hazard) -> dict[str, set[int]]:
    """Who hears about a hazard: its enterprise; its supervising departments; its nearest committee."""
    memberships = Membership.objects.filter(tenant_id=hazard.tenant_id, is_active=True)
    enterprise = set(
        memberships.filter(enterprise_id=hazard.enterprise_id, role__in=ENTERPRISE_ROLES).values_list(
            "user_id", flat=True
        )
    )
    handed = HandoverReceipt.objects.filter(handover__hazard=hazard).values("department_id")
    departments = set(
        memberships.filter(role__in=DEPARTMENT_ROLES)
        .filter(department__industries=hazard.industry_id)
        .filter(department__region__path__in=ancestor_paths(hazard.region_path))
        .values_list("user_id", flat=True)
    ) | set(memberships.filter(department_id__in=handed).values_list("user_id", flat=True))
    committee: set[int] = set()
    for path in reversed(ancestor_paths(hazard.region_path)):  # nearest committee first
        committee = set(
            memberships.filter(role=Role.COMMITTEE_STAFF, region__path=path).values_list("user_id", flat=True)
        )
        if committee:
            break
    return {"enterprise": enterprise, "departments": departments, "committee": committee}


def _notify(hazard: Hazard, users: set[int], kind: str, message: str, now: dt.datetime) -> list[Notification]:
    notes = [
        Notification(
            tenant_id=hazard.tenant_id,
            user_id=user_id,
            hazard=hazard,
            kind=kind,
            message=message,
            created_at=now,
            sent_on=timezone.localtime(now).date(),
        )
        for user_id in sorted(users)
    ]
    return Notification.objects.bulk_create(notes, ignore_conflicts=True)


def _email(notifications: list[Notification]) -> None:
    users = {user.pk: user for user in User.objects.filter(pk__in={n.user_id for n in notifications})}
    for note in notifications:
        user = users.get(note.user_id)
        if not user or not user.email:
            continue
        try:
            send_mail(_("Hazard ledger notice"), note.message, settings.DEFAULT_FROM_EMAIL, [user.email])
        except OSError:  # a mail outage must not undo the sweep; the in-app notice stands
            logger.exception("could not e-mail notification %s", note.pk)


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
    created: list[Notification] = []
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
            _("%(code)s “%(title)s” passed its rectification deadline %(deadline)s.")
            % {"code": hazard.code, "title": hazard.title, "deadline": hazard.deadline},
            now,
        )
        created += _notify(
            hazard,
            who["departments"] | who["committee"],
            "escalation",
            _("Escalation: %(enterprise)s has not rectified %(code)s by %(deadline)s.")
            % {"enterprise": hazard.enterprise, "code": hazard.code, "deadline": hazard.deadline},
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
            _("%(code)s “%(title)s” is due on %(deadline)s.")
            % {"code": hazard.code, "title": hazard.title, "deadline": hazard.deadline},
            now,
        )
    created += listings_escalate_overdue(tenant_id=tenant_id, today=today, now=now)
    # ignore_conflicts leaves pks unset; the rows this run inserted are those stamped with its `now`.
    sent = list(Notification.objects.filter(created_at=now, **in_tenant)) if created else []
    transaction.on_commit(lambda: _email(sent))
    return SweepResult(newly_overdue=len(overdue_ids), notifications=len(sent))


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

"""Notices at the moment of the event: an in-app notice per recipient and, in the same transaction, the outbox
rows that carry it by e-mail and the tenant's webhook (hazards/services/deliveries.py sends them).

Every notice of the ledger goes through `notices_send`, called inside the transaction of the event that
causes it (a handover, a submission, a rejection, a listing, a tip-off, the nightly sweep): if the event
rolls back, so do its notices and their deliveries.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.scoping import ancestor_paths
from organizations.choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, Role
from organizations.models import Membership, User

from ..choices import NoticeChannel
from ..models import HandoverReceipt, Hazard, NoticeDelivery, NoticePreference, NoticeWebhook, Notification
from ..notice_texts import notice_text

logger = logging.getLogger(__name__)


def _plain(value: Any) -> str:
    """A parameter as stored: dates in ISO form, everything else as its text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return "—" if value is None else str(value)


def notices_send(
    *,
    tenant_id: int,
    users: Iterable[int],
    kind: str,
    params: Mapping[str, Any],
    at: dt.datetime,
    hazard: Hazard | None = None,
    key: str | None = None,
) -> list[Notification]:
    """Notify `users` of one event, in the caller's transaction: the in-app notice (once per user, hazard,
    kind and day) and an outbox row per channel the user keeps for this kind. Returns the new notices."""
    recipients = sorted(set(users))
    if not recipients:
        return []
    stored = {name: _plain(value) for name, value in params.items()}
    key = key or kind
    same = Notification.objects.filter(
        tenant_id=tenant_id, kind=kind, hazard=hazard, created_at=at, user_id__in=recipients
    )
    before = set(same.values_list("pk", flat=True))
    Notification.objects.bulk_create(
        [
            Notification(
                tenant_id=tenant_id,
                user_id=user_id,
                hazard=hazard,
                kind=kind,
                message=notice_text(key, stored),
                message_key=key,
                params=stored,
                created_at=at,
                sent_on=timezone.localtime(at).date(),
            )
            for user_id in recipients
        ],
        ignore_conflicts=True,
    )
    # ignore_conflicts leaves pks unset: the rows this call inserted are those stamped with its moment
    # that were not there before (a notice already sent today is not sent again).
    created = [notice for notice in same.order_by("pk") if notice.pk not in before]
    notices_queue(tenant_id=tenant_id, notices=created, kind=kind, at=at)
    return created


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


def notices_queue(*, tenant_id: int, notices: list[Notification], kind: str, at: dt.datetime) -> None:
    """The outbox rows of notices just written: one per channel each recipient keeps for this kind."""
    if not notices:
        return
    user_ids = [notice.user_id for notice in notices]
    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids).only("pk", "email", "phone")}
    chosen = {pref.user_id: pref for pref in NoticePreference.objects.filter(user_id__in=user_ids, kind=kind)}
    hook = NoticeWebhook.objects.filter(tenant_id=tenant_id, is_active=True).first()
    needs_phone = hook is not None and "{phone}" in hook.body_template
    rows = []
    for notice in notices:
        user, pref = users[notice.user_id], chosen.get(notice.user_id)
        channels = []
        if user.email and (pref is None or pref.email):
            channels.append(NoticeChannel.EMAIL)
        if hook is not None and (pref is None or pref.webhook) and (user.phone or not needs_phone):
            channels.append(NoticeChannel.WEBHOOK)
        rows += [
            NoticeDelivery(
                tenant_id=tenant_id,
                notification=notice,
                user_id=notice.user_id,
                channel=channel,
                created_at=at,
                next_attempt_at=at,
            )
            for channel in channels
        ]
    ids = [delivery.pk for delivery in NoticeDelivery.objects.bulk_create(rows)]
    if ids:
        transaction.on_commit(lambda: notices_enqueue(tenant_id=tenant_id, delivery_ids=ids))


def notices_enqueue(*, tenant_id: int, delivery_ids: list[int], countdown: float = 0) -> None:
    """Hand deliveries to a worker. A broker that is down loses nothing: the rows wait in the outbox and the
    periodic sweep (hazards.tasks.deliver_pending_notices) sends them."""
    from ..tasks import deliver_notices  # here, not at the top: the tasks module imports the services

    try:
        deliver_notices.apply_async(args=[tenant_id, delivery_ids], countdown=countdown or None)
    except Exception:  # whatever the broker raised: the sweep is the fallback
        logger.warning("could not enqueue notice deliveries %s; the sweep will send them", delivery_ids)

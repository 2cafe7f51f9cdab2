"""Sending the outbox: each delivery is claimed with a conditional UPDATE (so two workers never send the
same one), sent outside any transaction, and marked sent — or failed, with the error, to be tried again after
a growing pause. Nothing is dropped: a failed delivery waits, visible to the tenant administrator, until it
goes. Every try is an attempt row.

A worker that dies between claiming and marking leaves the row `sending`; after NOTICE_CLAIM_STALE_SECONDS
the sweep claims it again (the one case where a message may leave twice: the receiver got it but we never
heard back).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation

from core.rls import tenant_context
from organizations.models import Tenant

from ..choices import DeliveryStatus, NoticeChannel, NoticeKind
from ..models import NoticeAttempt, NoticeDelivery, NoticeWebhook
from ..notice_texts import SUBJECT
from .webhooks import webhook_post, webhook_render

logger = logging.getLogger(__name__)

# A worker schedules its own retries of a delivery this many times; after that the sweep takes it.
TASK_RETRIES = 5


@dataclass
class RunResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    # The failed deliveries a worker should try again soon (their pause), and when the first is due; those
    # failed many times are left to the periodic sweep.
    retry_soon: list[int] = field(default_factory=list)
    retry_at: dt.datetime | None = None


def retry_pause(attempts: int) -> dt.timedelta:
    """Pause before the next try after `attempts` failures: NOTICE_RETRY_SECONDS, doubling, at most
    NOTICE_RETRY_MAX_SECONDS."""
    seconds = settings.NOTICE_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.NOTICE_RETRY_MAX_SECONDS))


def _due(now: dt.datetime) -> Q:
    stale = now - dt.timedelta(seconds=settings.NOTICE_CLAIM_STALE_SECONDS)
    waiting = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now)
    return waiting | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take one delivery for this worker: one conditional UPDATE, so only one worker wins it."""
    return bool(
        NoticeDelivery.objects.filter(_due(now), pk=delivery_id).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _link(delivery: NoticeDelivery) -> str:
    notice = delivery.notification
    path = reverse("hazard-detail", args=[notice.hazard_id]) if notice.hazard_id else reverse("notifications")
    return settings.SITE_URL.rstrip("/") + path


def _send(delivery: NoticeDelivery, hook: NoticeWebhook | None) -> str:
    """Send one delivery in its recipient's language; '' when it went, else what went wrong."""
    user, notice = delivery.user, delivery.notification
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject, text = str(SUBJECT), notice.text
        kind = str(NoticeKind(notice.kind).label) if notice.kind in NoticeKind.values else notice.kind
    url = _link(delivery)
    if delivery.channel == NoticeChannel.EMAIL:
        if not user.email:
            return "the user has no e-mail address"
        try:
            send_mail(subject, f"{text}\n\n{url}", settings.DEFAULT_FROM_EMAIL, [user.email])
        except (OSError, smtplib.SMTPException) as error:
            return f"{type(error).__name__}: {error}"
        return ""
    if hook is None or not hook.is_active:
        return "the tenant's webhook is not configured or not active"
    values = {
        "title": subject,
        "text": text,
        "url": url,
        "phone": user.phone,
        "name": str(user),
        "kind": kind,
        "tenant": str(delivery.tenant),
    }
    return webhook_post(hook, webhook_render(hook.body_template, values))


def deliveries_run(
    *, tenant: Tenant | int, delivery_ids: Sequence[int] | None = None, now: dt.datetime | None = None
) -> RunResult:
    """Send the tenant's due deliveries (those named, or all that are due): claim, send, record."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    result = RunResult()
    moment = now or timezone.now()
    with tenant_context(tenant_id):
        due = NoticeDelivery.objects.filter(_due(moment), tenant_id=tenant_id)
        if delivery_ids is not None:
            due = due.filter(pk__in=delivery_ids)
        ids = list(due.order_by("pk").values_list("pk", flat=True)[:500])
        hook = NoticeWebhook.objects.filter(tenant_id=tenant_id).first()
    for delivery_id in ids:
        at = now or timezone.now()
        with tenant_context(tenant_id):
            if not _claim(delivery_id, at):
                continue  # another worker has it, or it went meanwhile
            delivery = NoticeDelivery.objects.select_related("user", "notification", "tenant").get(
                pk=delivery_id
            )
        error = _send(delivery, hook)  # outside any transaction: a slow receiver holds no lock
        done = now or timezone.now()
        with tenant_context(tenant_id):
            NoticeAttempt.objects.create(
                tenant_id=tenant_id,
                delivery_id=delivery_id,
                number=delivery.attempts,
                at=done,
                ok=not error,
                error=error[:2000],
            )
            mine = NoticeDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING, claimed_at=at)
            if error:
                retry_at = done + retry_pause(delivery.attempts)
                mine.update(status=DeliveryStatus.FAILED, last_error=error[:2000], next_attempt_at=retry_at)
                result.failed.append(delivery_id)
                if delivery.attempts < TASK_RETRIES:
                    result.retry_soon.append(delivery_id)
                    result.retry_at = min(result.retry_at or retry_at, retry_at)
                logger.warning(
                    "notice delivery %s failed (attempt %s): %s", delivery_id, delivery.attempts, error
                )
            else:
                mine.update(status=DeliveryStatus.SENT, last_error="", sent_at=done)
                result.sent.append(delivery_id)
    return result


def deliveries_run_all() -> dict[str, RunResult]:
    """The periodic sweep: every tenant sends whatever is due (enqueued deliveries a broker lost, retries)."""
    return {tenant.slug: deliveries_run(tenant=tenant) for tenant in Tenant.objects.order_by("pk")}

"""A province's side of the exchange: records wait in the outbox, travel in signed, chained batches, and are
sent again until the national system has them.

The records are written by the database in the transaction of each ledger event (migration
exchange 0002: a trigger on the event table), so a change of a major hazard cannot happen without its
record. Batches are made from the oldest records first and sent in sequence order; one that fails is sent
again (the same bytes, the same id) after a growing pause, and nothing after it goes first.
"""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from core.rls import tenant_context
from organizations.models import Region, Tenant

from .choices import BatchState
from .format import GENESIS, SIGNATURE_HEADER, VERSION, body_bytes, sha256_hex, signature
from .models import UpwardBatch, UpwardLink, UpwardRecord

BATCH_SIZE = 500
# Pause before the n-th retry: 30 s, 1 min, 2 min … at most an hour.
FIRST_PAUSE = dt.timedelta(seconds=30)
LONGEST_PAUSE = dt.timedelta(hours=1)


@dataclass
class SendResult:
    sent_batches: int = 0
    sent_records: int = 0
    failed: str = ""


def province_code(tenant: Tenant) -> str:
    """The tenant's top region (its province) — the province a batch speaks for."""
    root = (
        Region.objects.filter(tenant=tenant, parent__isnull=True)
        .order_by("id")
        .values_list("code", flat=True)
    )
    return root.first() or ""


def _pause(attempts: int) -> dt.timedelta:
    return min(FIRST_PAUSE * (2 ** max(attempts - 1, 0)), LONGEST_PAUSE)


def _record_document(record: UpwardRecord) -> dict[str, Any]:
    return {**record.payload, "record_id": record.pk}


def upward_batch_make(*, tenant: Tenant, now: dt.datetime) -> UpwardBatch | None:
    """The next batch to send: the oldest one not yet delivered, or a new one of the oldest waiting records.
    Runs in the tenant's transaction; the link row's lock makes two senders take turns."""
    link = UpwardLink.objects.select_for_update().filter(tenant=tenant).first()
    if link is None:
        return None
    unsent = UpwardBatch.objects.filter(tenant=tenant).exclude(state=BatchState.SENT).order_by("seq").first()
    if unsent is not None:
        return unsent
    records = list(UpwardRecord.objects.filter(tenant=tenant, batch__isnull=True).order_by("id")[:BATCH_SIZE])
    if not records:
        return None
    last = UpwardBatch.objects.filter(tenant=tenant).aggregate(seq=Max("seq"))["seq"] or 0
    previous = UpwardBatch.objects.filter(tenant=tenant, seq=last).values_list("sha256", flat=True).first()
    seq, batch_id, prev_sha256 = last + 1, str(uuid.uuid4()), previous or GENESIS
    document: dict[str, Any] = {
        "version": VERSION,
        "batch_id": batch_id,
        "province": province_code(tenant),
        "seq": seq,
        "prev_sha256": prev_sha256,
        "created_at": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "records": [_record_document(record) for record in records],
    }
    body = body_bytes(document)
    batch = UpwardBatch.objects.create(
        tenant=tenant,
        seq=seq,
        batch_id=batch_id,
        prev_sha256=prev_sha256,
        sha256=sha256_hex(body),
        body=body.decode(),
        signature=signature(body, link.key),
        records=len(records),
        created_at=now,
    )
    UpwardRecord.objects.filter(pk__in=[record.pk for record in records]).update(batch=batch)
    return batch


def _deliver(batch: UpwardBatch, link: UpwardLink) -> str:
    """POST the batch; '' when the national system took it (or already had it), else what went wrong."""
    url = link.url or settings.NATIONAL_EXCHANGE_URL
    if not url:
        return "No exchange URL: set NATIONAL_EXCHANGE_URL or the link's URL."
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's configuration
        url,
        data=batch.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Token {link.token}",
            SIGNATURE_HEADER: f"sha256={batch.signature}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NATIONAL_EXCHANGE_TIMEOUT):  # noqa: S310
            return ""
    except urllib.error.HTTPError as error:
        detail = error.read()[:500].decode(errors="replace")
        return f"HTTP {error.code}: {detail}"
    except (urllib.error.URLError, OSError) as error:
        return f"{type(error).__name__}: {getattr(error, 'reason', error)}"


def upward_send(*, tenant: Tenant, now: dt.datetime | None = None, max_batches: int = 100) -> SendResult:
    """Send what is waiting, batch by batch in order, until nothing is left, a batch fails, or a failed
    batch's pause has not yet passed. The HTTP call runs outside any transaction."""
    result = SendResult()
    for _ in range(max_batches):
        moment = now or timezone.now()
        with tenant_context(tenant):
            batch = upward_batch_make(tenant=tenant, now=moment)
            link = UpwardLink.objects.filter(tenant=tenant).first()
        if batch is None or link is None:
            break
        if batch.next_attempt_at is not None and batch.next_attempt_at > moment:
            result.failed = batch.last_error
            break
        error = _deliver(batch, link)
        with tenant_context(tenant):
            if error:
                attempts = batch.attempts + 1
                UpwardBatch.objects.filter(pk=batch.pk).update(
                    state=BatchState.FAILED,
                    attempts=attempts,
                    last_error=error,
                    next_attempt_at=moment + _pause(attempts),
                )
                result.failed = error
                break
            UpwardBatch.objects.filter(pk=batch.pk).update(
                state=BatchState.SENT, attempts=batch.attempts + 1, last_error="", sent_at=moment
            )
        result.sent_batches += 1
        result.sent_records += batch.records
    return result


def upward_send_all() -> dict[str, SendResult]:
    """Every tenant with an upward link sends what waits (the Celery task, every minute)."""
    # The links are each tenant's own (row-level security): every tenant looks for its own.
    return {tenant.slug: upward_send(tenant=tenant) for tenant in Tenant.objects.order_by("id")}

"""Background jobs whose worker died while running them (a killed process, a lost host).

A job is claimed by a conditional UPDATE (queued -> running), so a task delivered twice runs it once; but a
worker that dies after the claim leaves it `running` for ever, and the task's redelivery finds it claimed.
Each such job therefore counts its attempts and carries a heartbeat, written with its progress; a beat task
looks for running jobs silent for JOB_STALL_MINUTES and queues them again — or fails them after
JOB_MAX_ATTEMPTS, so that a job that kills its worker every time does not loop. The job's own code keeps
what it did only while the job is still its attempt's.

The jobs' models have `status`, `attempts`, `heartbeat_at`, `rows_done`, `created_at` and `tenant_id`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .rls import tenant_context

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recovery:
    queued_again: int = 0
    failed: int = 0

    def __add__(self, other: Recovery) -> Recovery:
        return Recovery(self.queued_again + other.queued_again, self.failed + other.failed)


@dataclass(frozen=True)
class JobKind:
    """What differs between the kinds of job: the model, its states, the task that runs one, how one that
    stalled too often fails (sets its fields and saves it), and what a dead attempt leaves to clean up."""

    model: Any
    running: str
    queued: str
    task: Any
    give_up: Callable[[Any, dt.datetime], None]
    clean_up: Callable[[Any], None] = lambda job: None


def recover_stalled(kind: JobKind, *, tenant_id: int, now: dt.datetime | None = None) -> Recovery:
    """The tenant's jobs of `kind` whose worker has been silent for JOB_STALL_MINUTES, queued again (their
    task sent once this transaction commits) or, after JOB_MAX_ATTEMPTS, failed. Rows a live worker holds
    locked are passed over. In the caller's tenant transaction."""
    now = now or timezone.now()
    silent_since = now - dt.timedelta(minutes=settings.JOB_STALL_MINUTES)
    stalled = (
        kind.model.objects.select_for_update(skip_locked=True)
        .filter(
            Q(heartbeat_at__lt=silent_since) | Q(heartbeat_at__isnull=True, created_at__lt=silent_since),
            tenant_id=tenant_id,
            status=kind.running,
        )
        .order_by("pk")
    )
    queued_again = failed = 0
    for job in stalled:
        kind.clean_up(job)
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            kind.give_up(job, now)
            failed += 1
            continue
        job.status = kind.queued
        job.rows_done = 0
        job.heartbeat_at = None
        job.save(update_fields=["status", "rows_done", "heartbeat_at"])
        transaction.on_commit(partial(kind.task.delay, job.pk, tenant_id))
        queued_again += 1
    if queued_again or failed:
        name = kind.model._meta.model_name
        logger.warning(
            "tenant %s: %s stalled: %d queued again, %d failed", tenant_id, name, queued_again, failed
        )
    return Recovery(queued_again, failed)


def recover_stalled_all_tenants(
    kind: JobKind, *, tenant_ids: Iterable[int], now: dt.datetime | None = None
) -> Recovery:
    """Every few minutes (beat): every tenant in a transaction of its own, with its tenant set."""
    total = Recovery()
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            total += recover_stalled(kind, tenant_id=tenant_id, now=now)
    return total

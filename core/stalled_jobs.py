"""Background jobs whose worker died while running them (a killed process, a lost host).

A job is claimed by a conditional UPDATE (queued -> running), so a task delivered twice runs it once; but a
worker that dies after the claim leaves it `running` for ever, and the task's redelivery finds it claimed.
Each such job therefore counts its attempts and carries a heartbeat, written with its progress; a beat task
looks for running jobs silent for JOB_STALL_MINUTES and queues them again — or fails them after
JOB_MAX_ATTEMPTS, so that a job that kills its worker every time does not loop. The job's own code keeps
what it did only while the job is still its attempt's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet


def stalled_jobs(model: Any, *, tenant_id: int, running: str, now: dt.datetime) -> QuerySet[Any]:
    """The tenant's jobs of `model` in the `running` state whose worker has been silent for
    JOB_STALL_MINUTES, locked — skipping any a live worker holds locked while it finishes. In the caller's
    transaction."""
    silent_since = now - dt.timedelta(minutes=settings.JOB_STALL_MINUTES)
    return (
        model.objects.select_for_update(skip_locked=True)
        .filter(
            Q(heartbeat_at__lt=silent_since) | Q(heartbeat_at__isnull=True, created_at__lt=silent_since),
            tenant_id=tenant_id,
            status=running,
        )
        .order_by("pk")
    )


def out_of_attempts(job: Any) -> bool:
    """Whether the job has been tried JOB_MAX_ATTEMPTS times: then it fails instead of being queued again."""
    return int(job.attempts) >= settings.JOB_MAX_ATTEMPTS

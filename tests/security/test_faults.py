"""Faults: a killed worker, a restarted Redis, a task delivered twice, an enqueue that rolls back.

Each must leave exactly one result or none, never a half one. What it rests on: tasks ack late and are
requeued when their worker dies (settings CELERY_TASK_ACKS_LATE / CELERY_TASK_REJECT_ON_WORKER_LOST);
monthly results are unique per tenant, region and month, so a second delivery is a no-op; every piece of
work is one transaction; enqueues inside a transaction wait for its commit (`transaction.on_commit`).

To catch a job in the middle, the test holds an uncommitted twin of the second region's draft: the job
writes the first region's draft, then waits on the unique index for the second — the moment to strike.
The month's drafts are one transaction (the task's tenant transaction), so the strike leaves none.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from django.db import transaction
from django.utils import timezone

from accountability.models import RegionAssessment
from accountability.tasks import score_month
from config.celery import app
from disclosure.models import Publication
from disclosure.tasks import build_monthly_disclosures
from organizations.choices import Role
from organizations.imports import enterprise_import_start
from organizations.models import EnterpriseImport

from ..factories import MembershipFactory, UserFactory
from ..organizations.test_imports import good_rows, workbook
from .chaos import private_redis, wait_until, worker_process
from .concurrently import _lock_waiters

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def month() -> dt.date:
    return timezone.localdate().replace(day=1)


@pytest.fixture
def two_regions(world: Any, ledger: Any) -> Any:
    """Tenant A with committees in two cities (two drafts a month) and a handed-over major hazard."""
    w = world.a
    staff = UserFactory.create(username="alpha-committee-2", tenant=w.tenant)
    MembershipFactory.create(user=staff, role=Role.COMMITTEE_STAFF, region=w.other_city)
    ledger.handed_over()
    return w


def drafts(w: Any, month: dt.date) -> list[int]:
    return sorted(
        Publication.objects.filter(tenant=w.tenant, month=month).values_list("region_id", flat=True)
    )


@pytest.fixture
def queue() -> Iterator[str]:
    yield f"chaos-{uuid.uuid4().hex[:8]}"


def _hold_second_draft(w: Any, month: dt.date) -> None:
    """Inside the caller's transaction: an uncommitted twin of the city's draft (ordered after other_city)."""
    assert w.other_city.path < w.city.path
    Publication.objects.create(
        tenant=w.tenant, region=w.city, region_path=w.city.path, month=month, content={}
    )


def test_a_worker_killed_mid_publication_is_redelivered_and_leaves_one_draft_per_region(
    two_regions, month, queue
) -> None:
    w = two_regions
    with worker_process(queue) as worker:
        with transaction.atomic():
            _hold_second_draft(w, month)
            result = build_monthly_disclosures.apply_async((w.tenant.pk, f"{month:%Y-%m}"), queue=queue)
            wait_until(lambda: _lock_waiters() >= 1, 60, "the job to reach the second region")
            # The job has written the first region's draft, uncommitted: nobody else sees half a month.
            assert not Publication.objects.filter(tenant=w.tenant, month=month, region=w.other_city).exists()
            worker.kill_pool_child()
            transaction.set_rollback(True)  # the twin goes; the redelivered job may write the real one
        wait_until(lambda: result.state == "SUCCESS", 60, "the redelivered job")
        assert result.get(timeout=5) == {"created": 2, "existing": 0}
        assert "WorkerLostError" in worker.text() or "SIGKILL" in worker.text()
    assert drafts(w, month) == sorted([w.city.pk, w.other_city.pk])


def test_redis_restarted_mid_job_leaves_one_draft_per_region_and_the_worker_carries_on(
    two_regions, month, queue, tmp_path: Path
) -> None:
    w = two_regions
    with private_redis(tmp_path) as server, worker_process(queue, broker_url=server.url):
        # Not the current app: tasks the next tests enqueue must still go to the suite's own broker.
        sender = Celery("chaos-sender", broker=server.url, backend=server.url, set_as_current=False)
        with transaction.atomic():
            _hold_second_draft(w, month)
            sender.send_task(
                "disclosure.tasks.build_monthly_disclosures", (w.tenant.pk, f"{month:%Y-%m}"), queue=queue
            )
            wait_until(lambda: _lock_waiters() >= 1, 60, "the job to reach the second region")
            server.restart()
            transaction.set_rollback(True)
        wait_until(lambda: len(drafts(w, month)) == 2, 60, "the job to finish after the restart")
        # The worker reconnected: a second delivery of the same job finds the month done.
        again = sender.send_task(
            "disclosure.tasks.build_monthly_disclosures", (w.tenant.pk, f"{month:%Y-%m}"), queue=queue
        )
        assert again.get(timeout=60) == {"created": 0, "existing": 2}
        sender.close()
    assert drafts(w, month) == sorted([w.city.pk, w.other_city.pk])


def test_a_monthly_task_delivered_twice_stores_one_result(two_regions, month, live_worker) -> None:
    w = two_regions
    key = (w.tenant.pk, f"{month:%Y-%m}")
    first, second = build_monthly_disclosures.delay(*key), build_monthly_disclosures.delay(*key)
    outcomes = sorted([first.get(timeout=60), second.get(timeout=60)], key=lambda r: r["created"])
    assert outcomes == [{"created": 0, "existing": 2}, {"created": 2, "existing": 0}]
    scores = [score_month.delay(*key).get(timeout=60) for _ in range(2)]
    assert scores[0] == scores[1]
    assert drafts(w, month) == sorted([w.city.pk, w.other_city.pk])
    regions = list(
        RegionAssessment.objects.filter(tenant=w.tenant, month=month).values_list("region_id", flat=True)
    )
    assert regions and len(regions) == len(set(regions))


def _queued(queue: str) -> int:
    client = redis.Redis.from_url(app.conf.broker_url)
    try:
        return int(client.llen(queue))
    finally:
        client.delete(queue)
        client.close()


def test_an_enqueue_inside_a_rolled_back_transaction_never_reaches_the_broker(world, queue) -> None:
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue  # no worker listens: the queue shows what was sent
    content = workbook(good_rows(1))
    try:
        with transaction.atomic():
            enterprise_import_start(actor=world.a.admin, file_name="a.xlsx", content=content)
            transaction.set_rollback(True)
        assert _queued(queue) == 0
        assert not EnterpriseImport.objects.exists()
        with transaction.atomic():
            enterprise_import_start(actor=world.a.admin, file_name="a.xlsx", content=content)
        assert _queued(queue) == 1
    finally:
        app.conf.task_default_queue = previous

"""An enterprise import whose worker died while running it does not stay `running` for ever: once silent for
JOB_STALL_MINUTES it is queued again and run by the next worker (its transaction died with the first: nothing
was imported twice); one that stalls JOB_MAX_ATTEMPTS times fails, saying so; a dead attempt that wakes up
imports nothing."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.utils import timezone

from core.rls import tenant_context
from organizations.imports import (
    enterprise_import_claim,
    enterprise_import_process,
    enterprise_import_recover_stalled,
    enterprise_import_recover_stalled_all_tenants,
)
from organizations.models import Enterprise, EnterpriseImport
from organizations.tasks import enterprise_import_task

from .test_imports import good_rows, workbook


@pytest.fixture
def no_worker(monkeypatch: Any) -> list[tuple[Any, ...]]:
    """The tasks queued, kept here instead of sent (the test that needs a worker has a real one)."""
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(enterprise_import_task, "delay", lambda *args: sent.append(args))
    return sent


def _claimed(world: Any, rows: int = 5) -> EnterpriseImport:
    """An import claimed by a worker (attempt 1) that then died: running, nothing imported."""
    tenant = world.a.tenant
    with tenant_context(tenant):
        job = EnterpriseImport.objects.create(
            tenant=tenant,
            created_by=world.a.committee,
            file_name="ok.xlsx",
            content=workbook(good_rows(rows)),
            language="en",
        )
    with tenant_context(tenant):
        assert enterprise_import_claim(import_id=job.pk) == 1
    return job


def _later(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def _imported(world: Any) -> int:
    with tenant_context(world.a.tenant):
        return Enterprise.objects.filter(name__startswith="导入企业").count()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_died_is_queued_again_and_run_by_the_next(
    world: Any, settings: Any, live_worker: Any, app_role_connection: str
):
    job = _claimed(world)
    with tenant_context(world.a.tenant):
        quiet = enterprise_import_recover_stalled(tenant_id=world.a.tenant.pk, now=_later(5))
    assert quiet.queued_again == 0  # not silent long enough yet
    result = enterprise_import_recover_stalled_all_tenants(now=_later(settings.JOB_STALL_MINUTES + 1))
    assert (result.queued_again, result.failed) == (1, 0)
    deadline = time.monotonic() + 60
    while True:
        with tenant_context(world.a.tenant):
            job.refresh_from_db()
        if job.status == "succeeded":
            break
        assert time.monotonic() < deadline, f"the import stayed {job.status}"
        time.sleep(0.2)
    assert job.attempts == 2 and job.imported_count == 5
    assert _imported(world) == 5


@pytest.mark.django_db
def test_an_import_that_stalls_too_often_fails_saying_so(world: Any, settings: Any, no_worker: list[Any]):
    settings.JOB_MAX_ATTEMPTS = 1
    job = _claimed(world)
    now = _later(settings.JOB_STALL_MINUTES + 1)
    result = enterprise_import_recover_stalled(tenant_id=world.a.tenant.pk, now=now)
    assert (result.queued_again, result.failed) == (0, 1)
    job.refresh_from_db()
    assert job.status == "failed" and "stopped 1 times" in job.errors[0]["message"]
    assert no_worker == []


@pytest.mark.django_db
def test_a_running_import_is_left_alone(world: Any, settings: Any, no_worker: list[Any]):
    job = _claimed(world)
    now = _later(settings.JOB_STALL_MINUTES - 1)
    assert enterprise_import_recover_stalled(tenant_id=world.a.tenant.pk, now=now).queued_again == 0
    job.refresh_from_db()
    assert job.status == "running" and no_worker == []


@pytest.mark.django_db
def test_a_dead_attempt_that_wakes_up_imports_nothing(world: Any, no_worker: list[Any]):
    job = _claimed(world)
    # Meanwhile the import was taken for dead, queued again and claimed by another worker.
    EnterpriseImport.objects.filter(pk=job.pk).update(attempts=2)
    job = enterprise_import_process(import_id=job.pk, attempt=1)
    assert job.status == "running" and job.imported_count == 0
    assert _imported(world) == 0

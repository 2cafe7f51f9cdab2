"""An export whose worker died while writing it (a killed process, a lost host) does not stay `running` for
ever: once it has shown no sign of life for JOB_STALL_MINUTES it is queued again, what it half wrote
removed, and written by the next worker; one that stalls JOB_MAX_ATTEMPTS times fails, saying so; a dead
attempt that wakes up keeps nothing."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from core.errors import InvalidStateError
from core.progress import ProgressWriter
from core.rls import tenant_context
from exports import services
from exports.models import ExportJob
from exports.services import (
    export_claim,
    export_fail,
    export_recover_stalled,
    export_recover_stalled_all_tenants,
    export_request,
    export_write,
)
from exports.tasks import export_run_task


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def no_worker(monkeypatch: Any) -> list[tuple[Any, ...]]:
    """The tasks queued, kept here instead of sent (the tests that need a worker have a real one)."""
    sent: list[tuple[Any, ...]] = []
    monkeypatch.setattr(export_run_task, "delay", lambda *args: sent.append(args))
    return sent


def _claimed(world: Any, tenant: Any) -> tuple[ExportJob, int]:
    """A ledger export claimed by a worker (attempt 1) that then died: running, nothing more."""
    with tenant_context(tenant):
        job = export_request(actor=world.a.committee, kind="ledger", fmt="xlsx", params={})
    with tenant_context(tenant):
        attempt = export_claim(job_id=job.pk)
    assert attempt == 1
    return job, attempt


def _half_written(media: Path, job: ExportJob) -> Path:
    folder = media / "exports" / str(job.tenant_id) / f"{job.pk}-0123456789abcdef"
    folder.mkdir(parents=True)
    (folder / "ledger.xlsx").write_bytes(b"PK\x03\x04 half a workbook")
    return folder


def _later(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_an_export_whose_worker_died_is_queued_again_and_written_by_the_next(
    world: Any, ledger: Any, media: Path, settings: Any, live_worker: Any, app_role_connection: str
):
    tenant = world.a.tenant
    with tenant_context(tenant):
        ledger.reported()
    job, _attempt = _claimed(world, tenant)
    leftover = _half_written(media, job)
    with tenant_context(tenant):
        assert export_recover_stalled(tenant_id=tenant.pk, now=_later(5)).queued_again == 0  # not silent yet
    result = export_recover_stalled_all_tenants(now=_later(settings.JOB_STALL_MINUTES + 1))
    assert (result.queued_again, result.failed) == (1, 0)
    assert not leftover.exists()
    deadline = time.monotonic() + 60
    while True:
        with tenant_context(tenant):
            job.refresh_from_db()
        if job.status == "succeeded":
            break
        assert time.monotonic() < deadline, f"the export stayed {job.status}"
        time.sleep(0.2)
    assert job.attempts == 2 and job.rows_done == 1
    assert (media / job.file_path).is_file()


@pytest.mark.django_db
def test_an_export_that_stalls_too_often_fails_saying_so(
    world: Any, media: Path, settings: Any, no_worker: list[Any]
):
    tenant = world.a.tenant
    settings.JOB_MAX_ATTEMPTS = 1
    job, _attempt = _claimed(world, tenant)
    result = export_recover_stalled(tenant_id=tenant.pk, now=_later(settings.JOB_STALL_MINUTES + 1))
    assert (result.queued_again, result.failed) == (0, 1)
    job.refresh_from_db()
    assert job.status == "failed" and "stopped 1 times" in job.error
    assert no_worker == []


@pytest.mark.django_db
def test_a_working_export_is_left_alone(world: Any, media: Path, settings: Any, no_worker: list[Any]):
    tenant = world.a.tenant
    job, _attempt = _claimed(world, tenant)
    folder = _half_written(media, job)  # the file it is writing
    minutes = settings.JOB_STALL_MINUTES - 1
    assert export_recover_stalled(tenant_id=tenant.pk, now=_later(minutes)).queued_again == 0
    job.refresh_from_db()
    assert job.status == "running" and folder.exists() and no_worker == []


@pytest.mark.django_db(transaction=True)
def test_a_dead_attempt_that_wakes_up_keeps_nothing(
    world: Any, ledger: Any, media: Path, settings: Any, no_worker: list[Any], monkeypatch: Any
):
    tenant = world.a.tenant
    with tenant_context(tenant):
        ledger.reported()
    job, first = _claimed(world, tenant)
    write_rows = services._write_counted

    def taken_over_meanwhile(job: ExportJob, table: Any, target: Path) -> int:
        done = write_rows(job, table, target)
        # Meanwhile the job was taken for dead, queued again and claimed by another worker (committed).
        with ProgressWriter(model=ExportJob, pk=job.pk, tenant_id=job.tenant_id) as other_worker:
            other_worker.write(attempts=first + 1)
        return done

    monkeypatch.setattr(services, "_write_counted", taken_over_meanwhile)
    with tenant_context(tenant):
        written = export_write(job_id=job.pk, attempt=first)
    assert written.status == "running" and written.file_path == ""
    assert not list((media / "exports").rglob("*.xlsx"))  # its file removed
    with tenant_context(tenant):
        failed = export_fail(job_id=job.pk, error=RuntimeError("late"), attempt=first)
        assert failed.status == "running"  # the next attempt's job, not the dead one's to fail
        with pytest.raises(InvalidStateError):
            export_write(job_id=job.pk, attempt=first)

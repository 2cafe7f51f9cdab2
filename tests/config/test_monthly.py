"""The monthly pipeline: one list, config.monthly.MONTHLY_JOBS, that Celery beat and `run_monthly_jobs` both
walk, in the list's order; no monthly job waits for another by the clock."""

import datetime as dt
import io
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.utils import timezone

from accountability.models import RegionAssessment
from config import monthly
from config.monthly import monthly_jobs, monthly_jobs_for_all_tenants
from disclosure.models import Publication
from organizations.models import Tenant

# (job, tenant slug, month) in the order the recording jobs below ran.
RUNS: list[tuple[str, str, str]] = []


def first_job(*, tenant: Tenant, month: dt.date) -> str:
    RUNS.append(("first", tenant.slug, f"{month:%Y-%m}"))
    return "one"


def second_job(*, tenant: Tenant, month: dt.date) -> str:
    RUNS.append(("second", tenant.slug, f"{month:%Y-%m}"))
    return "two"


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch) -> Any:
    """`pipeline("second_job", "first_job")` makes the pipeline those recording jobs, in that order."""
    RUNS.clear()

    def use(*names: str) -> None:
        monkeypatch.setattr(monthly, "MONTHLY_JOBS", tuple(f"{__name__}.{name}" for name in names))

    yield use
    RUNS.clear()


def _run_command(tenant: str, month: str) -> str:
    out = io.StringIO()
    call_command("run_monthly_jobs", "--tenant", tenant, "--month", month, stdout=out)
    return out.getvalue()


def test_beat_starts_the_whole_pipeline_once_a_month_and_nothing_else_monthly(settings) -> None:
    every_day = crontab().day_of_month
    monthly_entries = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["schedule"].day_of_month != every_day
    }
    assert monthly_entries == {"config.monthly.monthly_jobs_for_all_tenants"}
    # No job of the pipeline is scheduled on its own, at a time picked to come after another.
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert not scheduled & {"disclosure.tasks.build_monthly_disclosures", "accountability.tasks.score_month"}


def test_a_fresh_worker_process_knows_the_pipeline_task() -> None:
    """Beat sends the task by name: a worker must register it without this test process's imports."""
    registered = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from config.celery import app; "
            "app.loader.import_default_modules(); print(sorted(app.tasks))",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    ).stdout
    assert "'config.monthly.monthly_jobs_for_all_tenants'" in registered
    assert "'config.monthly.monthly_jobs'" in registered


def test_the_command_runs_the_list_in_its_order(world, pipeline) -> None:
    pipeline("first_job", "second_job")
    output = _run_command("alpha", "2024-05")
    assert RUNS == [("first", "alpha", "2024-05"), ("second", "alpha", "2024-05")]
    assert output.splitlines() == [f"{__name__}.first_job: one", f"{__name__}.second_job: two"]
    RUNS.clear()
    pipeline("second_job", "first_job")
    _run_command("alpha", "2024-05")
    assert RUNS == [("second", "alpha", "2024-05"), ("first", "alpha", "2024-05")]


def test_the_beat_task_runs_the_same_list_in_its_order(world, pipeline) -> None:
    pipeline("second_job", "first_job")
    result = monthly_jobs.apply(args=(world.a.tenant.pk, "2024-05")).get()
    assert RUNS == [("second", "alpha", "2024-05"), ("first", "alpha", "2024-05")]
    assert list(result.items()) == [(f"{__name__}.second_job", "two"), (f"{__name__}.first_job", "one")]


def test_the_real_pipeline_leaves_the_months_drafts_and_scores(world, ledger) -> None:
    ledger.handed_over()
    month = timezone.localdate().replace(day=1)
    result = monthly_jobs.apply(args=(world.a.tenant.pk, f"{month:%Y-%m}")).get()
    assert list(result) == list(monthly.MONTHLY_JOBS)
    assert Publication.objects.filter(tenant=world.a.tenant, month=month).exists()
    assert RegionAssessment.objects.filter(tenant=world.a.tenant, month=month).exists()
    assert not Publication.objects.filter(tenant=world.b.tenant).exists()


@pytest.mark.celery
def test_beats_entry_runs_the_pipeline_for_every_tenant_on_a_worker(world, live_worker, pipeline) -> None:
    pipeline("first_job", "second_job")
    assert monthly_jobs_for_all_tenants.delay().get(timeout=60) == Tenant.objects.count() == 2
    deadline = time.monotonic() + 60
    while len(RUNS) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    first = timezone.localdate().replace(day=1)
    previous = f"{(first - dt.timedelta(days=1)):%Y-%m}"
    for slug in ("alpha", "beta"):
        assert [(job, month) for job, tenant, month in RUNS if tenant == slug] == [
            ("first", previous),
            ("second", previous),
        ]

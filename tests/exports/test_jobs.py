"""Exports as jobs: a worker writes the file while its progress shows, the requester downloads it until it
expires, nobody else reaches it; regions and industries by name, dates as dates, in every kind."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from accountability.scoring import assessment_compute_month
from campaigns.list_sheets import list_export
from campaigns.plan_services import risk_create
from campaigns.services import campaign_create, task_create
from campaigns.task_sheets import tasks_export
from core.errors import InvalidStateError
from exports.models import ExportJob
from exports.services import export_expire_all_tenants, export_file, export_job_run, export_request
from hazards.models import Hazard
from organizations.models import Membership

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MANY = 3000


def _clone(hazard: Hazard, count: int) -> None:
    """`count` more rows like `hazard` (a few thousand rows in a second, without the services' events)."""
    copies = []
    for index in range(count):
        row = copy.copy(hazard)
        row.pk = None
        row.code = f"{hazard.code}-{index:05d}"
        copies.append(row)
    Hazard.objects.bulk_create(copies, batch_size=1000)


def _english(model: Any) -> str:
    with translation.override("en"):
        return str(model.display_name)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def big_ledger(world: Any, ledger: Any) -> Hazard:
    """Tenant A's ledger with MANY + 1 rectifying hazards (a deadline each), built as the owner."""
    hazard = ledger.rectifying("general")
    _clone(hazard, MANY)
    return hazard


@pytest.fixture
def committee_client(world: Any, client: Any) -> Any:
    """Tenant A's committee signed in (a session: the middleware sets the tenant for the database), before
    the application's role takes over the connection."""
    client.force_login(world.a.committee)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _header_index(header: list[Any]) -> dict[str, int]:
    return {str(name): index for index, name in enumerate(header)}


@pytest.mark.celery
def test_a_large_ledger_export_runs_on_a_real_worker_with_progress_and_opens_in_excel(
    world, big_ledger, media, settings, live_worker, committee_client, app_role_connection
) -> None:
    settings.EXPORT_PROGRESS_ROWS = 50
    client = committee_client
    body = {"kind": "ledger", "format": "xlsx"}
    response = client.post("/api/v1/exports/", body, content_type="application/json")
    assert response.status_code == 202, response.content
    job_url = f"/api/v1/exports/{response.json()['id']}/"
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(job_url).json()
        seen.append(job["rows_done"])
        if job["status"] in {"succeeded", "failed"}:
            break
        time.sleep(0.005)
    assert job["status"] == "succeeded", job
    total = MANY + 1
    assert job["rows_total"] == job["rows_done"] == total
    # The bar moved while the worker wrote: values between none and all were seen, never going back.
    assert any(0 < done < total for done in seen), seen
    assert seen == sorted(seen)

    download = client.get(job["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert download["Content-Disposition"].startswith("attachment;")
    content = b"".join(download.streaming_content)
    assert len(content) == job["size"]
    assert hashlib.sha256(content).hexdigest() == job["sha256"]
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows())
    at = _header_index([cell.value for cell in rows[0]])
    assert len(rows) == total + 1
    first = rows[1]
    assert first[at["Region"]].value == _english(world.a.county) == "County A"
    assert first[at["Region code"]].value == world.a.county.code
    assert first[at["Industry"]].value == _english(world.a.industries["hazardous_chemicals"])
    assert first[at["Deadline"]].is_date and first[at["Found"]].is_date
    assert first[at["Deadline"]].value.date() == big_ledger.deadline


def test_a_csv_job_names_regions_and_writes_dates_in_iso(world, big_ledger, media) -> None:
    with translation.override("zh-hans"):
        job = export_request(actor=world.a.committee, kind="ledger", fmt="csv", params={"level": ["general"]})
    assert export_job_run(job_id=job.pk, tenant_id=world.a.tenant.pk) == "succeeded"
    job.refresh_from_db()
    text = export_file(job=job).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    at = _header_index(rows[0])
    assert rows[0][0] == "隐患编号"  # the requester's language, though the worker has none of its own
    assert len(rows) == MANY + 2
    assert {row[at["地区"]] for row in rows[1:]} == {world.a.county.name}
    assert {row[at["行政区划代码"]] for row in rows[1:]} == {world.a.county.code}
    assert big_ledger.deadline is not None
    assert {row[at["整改时限"]] for row in rows[1:]} == {big_ledger.deadline.isoformat()}


def test_running_a_job_twice_writes_one_file(world, ledger, media) -> None:
    ledger.reported()
    job = export_request(actor=world.a.committee, kind="ledger", fmt="xlsx", params={})
    assert export_job_run(job_id=job.pk, tenant_id=world.a.tenant.pk) == "succeeded"
    job.refresh_from_db()
    first = (job.file_path, job.sha256)
    assert export_job_run(job_id=job.pk, tenant_id=world.a.tenant.pk) == "succeeded"
    job.refresh_from_db()
    assert (job.file_path, job.sha256) == first
    assert len(list((media / "exports" / str(world.a.tenant.pk)).iterdir())) == 1


def test_expired_files_are_deleted_and_the_job_stays(
    world, ledger, media, settings, client, django_capture_on_commit_callbacks
) -> None:
    settings.EXPORT_KEEP_DAYS = 3
    ledger.reported()
    job = export_request(actor=world.a.committee, kind="ledger", fmt="csv", params={})
    export_job_run(job_id=job.pk, tenant_id=world.a.tenant.pk)
    job.refresh_from_db()
    assert job.finished_at is not None and job.expires_at == job.finished_at + dt.timedelta(days=3)
    path = export_file(job=job)
    assert export_expire_all_tenants(now=job.expires_at - dt.timedelta(seconds=1)).expired == 0
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the rows say so
        assert export_expire_all_tenants(now=job.expires_at).expired == 1
    job.refresh_from_db()
    assert job.status == "expired" and job.file_path == "" and job.sha256
    assert not path.exists() and not path.parent.exists()
    client.force_login(world.a.committee)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 409
    assert "Expired" in client.get("/exports/", headers={"Accept-Language": "en"}).content.decode()


def test_only_the_requester_reaches_an_export(world, ledger, media, client, api) -> None:
    ledger.reported()
    job = export_request(actor=world.a.committee, kind="ledger", fmt="csv", params={})
    export_job_run(job_id=job.pk, tenant_id=world.a.tenant.pk)
    paths = [
        f"/exports/{job.pk}/progress.json",
        f"/exports/{job.pk}/download/",
        f"/api/v1/exports/{job.pk}/",
        f"/api/v1/exports/{job.pk}/download/",
    ]
    for other in (world.b.admin, world.a.admin, world.a.inspector):
        client.force_login(other)
        assert [client.get(path).status_code for path in paths] == [404] * 4, other
        assert api.as_user(other).get("/api/v1/exports/").json()["results"] == []
    client.force_login(world.a.committee)
    download = client.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="ledger-' in download["Content-Disposition"]
    progress = client.get(f"/exports/{job.pk}/progress.json").json()
    assert progress["status"] == "succeeded" and progress["download_url"].endswith("/download/")


def test_what_may_not_be_exported_is_refused_when_asked(world, ledger, media, api) -> None:
    campaign = campaign_create(
        actor=world.b.committee,
        region=world.b.city,
        name="乙省专项整治",
        start_date=timezone.localdate() - dt.timedelta(days=10),
        end_date=timezone.localdate() + dt.timedelta(days=10),
        industries=[world.b.industries["hazardous_chemicals"]],
        status="active",
    )
    api.as_user(world.a.officer)
    post = lambda body: api.post("/api/v1/exports/", body, format="json")  # noqa: E731
    assert post({"kind": "rankings", "format": "csv"}).status_code == 403
    assert post({"kind": "campaign", "params": {"campaign": campaign.pk}}).status_code == 404
    bad = post({"kind": "ledger", "params": {"state": "no-such-state"}})
    assert bad.status_code == 400 and "state" in bad.content.decode()
    assert post({"kind": "everything"}).status_code == 400
    assert ExportJob.objects.count() == 0
    queued = post({"kind": "ledger", "format": "csv"})
    assert queued.status_code == 202
    assert api.get(f"/api/v1/exports/{queued.json()['id']}/download/").status_code == 409


def test_campaign_and_rankings_jobs_name_regions_and_industries_and_keep_dates(
    world, ledger, media, client
) -> None:
    w = world.a
    today = timezone.localdate()
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市专项整治",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=60),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )
    hazard = ledger.rectifying("general")
    month = today.replace(day=1)
    assessment_compute_month(tenant=w.tenant, month=month)
    with translation.override("en"):
        on_lists = export_request(
            actor=w.committee, kind="campaign", fmt="xlsx", params={"campaign": [str(campaign.pk)]}
        )
        rankings = export_request(
            actor=w.committee,
            kind="rankings",
            fmt="xlsx",
            params={"level": ["region"], "region": [str(w.city.pk)], "month": [f"{month:%Y-%m}"]},
        )
    for job in (on_lists, rankings):
        assert export_job_run(job_id=job.pk, tenant_id=w.tenant.pk) == "succeeded"
        job.refresh_from_db()

    sheet = load_workbook(export_file(job=on_lists)).worksheets[0]
    rows = list(sheet.iter_rows())
    at = _header_index([cell.value for cell in rows[0]])
    line = next(row for row in rows[1:] if row[at["Code"]].value == hazard.code)
    assert line[at["Region"]].value == "County A"
    assert line[at["Industry"]].value == _english(w.industries["hazardous_chemicals"])
    assert line[at["Due date"]].is_date and line[at["Due date"]].value.date() == hazard.deadline
    assert line[at["Found"]].is_date

    sheet = load_workbook(export_file(job=rankings)).worksheets[0]
    rows = list(sheet.iter_rows())
    at = _header_index([cell.value for cell in rows[0]])
    assert len(rows) > 1
    assert {row[at["Region"]].value for row in rows[1:]} >= {"County A", "County B"}
    assert all(row[at["Month"]].is_date for row in rows[1:])
    assert rows[1][at["Month"]].value.date() == month


def test_a_large_direct_ledger_export_becomes_a_job(world, ledger, media, settings, client) -> None:
    settings.EXPORT_DIRECT_MAX_ROWS = 2
    for _ in range(3):
        ledger.reported()
    client.force_login(world.a.committee)
    response = client.get("/ledger/export.csv", {"level": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("/exports/new/?")
    page = client.get(response["Location"])
    assert page.status_code == 200
    created = client.post(response["Location"], {"kind": "ledger", "format": "csv"})
    assert created.status_code == 302 and created["Location"] == "/exports/"
    job = ExportJob.objects.get()
    assert (job.kind, job.format, job.requested_by) == ("ledger", "csv", world.a.committee)
    page = client.get("/exports/").content.decode()
    assert f'data-progress-url="/exports/{job.pk}/progress.json"' in page
    settings.EXPORT_DIRECT_MAX_ROWS = 3
    assert client.get("/ledger/export.csv").status_code == 200


def test_export_file_refuses_a_job_that_is_not_ready(world, ledger, media) -> None:
    job = export_request(actor=world.a.committee, kind="ledger", fmt="csv", params={})
    with pytest.raises(InvalidStateError):
        export_file(job=job)


def test_the_campaign_sheets_name_the_regions_beside_their_codes(world) -> None:
    w = world.a
    today = timezone.localdate()
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市专项整治",
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=60),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )
    task_create(
        actor=w.committee, campaign=campaign, number="1", title="排查", due_date=today, regions=[w.county]
    )
    risk_create(
        actor=w.committee,
        campaign=campaign,
        number="R1",
        title="储罐区",
        responsible_position="区长",
        due_date=today,
        owner_region=w.county,
    )
    with translation.override("en"):
        tasks = load_workbook(io.BytesIO(tasks_export(campaign))).worksheets[0]
        risks = load_workbook(io.BytesIO(list_export(campaign, "risks"))).worksheets[0]
    header, line = ([cell.value for cell in row] for row in tasks.iter_rows(max_row=2))
    assert line[header.index("regions")] == w.county.code
    assert line[header.index("region_names")] == "County A"
    header, line = ([cell.value for cell in row] for row in risks.iter_rows(max_row=2))
    assert line[header.index("owner")] == w.county.code
    assert line[header.index("owner_region_name")] == "County A"


def test_a_job_its_requester_may_no_longer_run_fails_with_a_reason_and_leaves_no_file(world, media) -> None:
    w = world.a
    assessment_compute_month(tenant=w.tenant, month=timezone.localdate().replace(day=1))
    job = export_request(actor=w.committee, kind="rankings", fmt="csv", params={})
    Membership.objects.filter(user=w.committee).update(is_active=False)  # moved to another post
    assert export_job_run(job_id=job.pk, tenant_id=w.tenant.pk) == "failed"
    job.refresh_from_db()
    assert job.error and job.file_path == "" and job.finished_at is not None
    assert list((media / "exports" / str(w.tenant.pk)).iterdir()) == []


def test_the_campaign_page_offers_its_lists_as_an_export_job(world, client) -> None:
    w = world.a
    today = timezone.localdate()
    campaign = campaign_create(
        actor=w.committee,
        region=w.city,
        name="一市专项整治",
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=60),
        industries=[w.industries["hazardous_chemicals"]],
        status="active",
    )
    client.force_login(w.committee)
    page = client.get(f"/campaigns/{campaign.pk}/four-lists/").content.decode()
    link = f"/exports/new/?kind=campaign&amp;campaign={campaign.pk}"
    assert link in page
    url = link.replace("&amp;", "&")
    assert client.post(url, {"kind": "campaign", "format": "xlsx"}).status_code == 302
    job = ExportJob.objects.get()
    assert (job.kind, job.params) == ("campaign", {"campaign": [str(campaign.pk)]})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_that_looks_like_a_formula_stays_text_in_a_jobs_file(world, ledger, media, fmt) -> None:
    """An enterprise's own words open as text in Excel, never as a formula (=, +, -, @)."""
    for title in ('=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"):
        ledger.reported(title=title)
    job = export_request(actor=world.a.committee, kind="ledger", fmt=fmt, params={})
    assert export_job_run(job_id=job.pk, tenant_id=world.a.tenant.pk) == "succeeded"
    job.refresh_from_db()
    if fmt == "csv":
        rows = list(
            csv.reader(io.StringIO(export_file(job=job).read_text(encoding="utf-8").lstrip("\ufeff")))
        )
    else:
        rows = [
            list(row)
            for row in load_workbook(export_file(job=job), read_only=True).active.iter_rows(values_only=True)
        ]
    cells = {str(cell) for row in rows[1:] for cell in row if cell is not None}
    assert {'\'=HYPERLINK("http://x")', "'+1+1", "'-2", "'@SUM(A1)"} <= cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)

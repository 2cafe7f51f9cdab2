"""Bulk enterprise import: all rows or none, a per-row report, refusal of files that are not XLSX."""

import io
import time
from typing import Any

import pytest
from django.db import connection, connections
from openpyxl import Workbook, load_workbook

from core.errors import PermissionDeniedError
from core.rls import BINDING_SQL, SET_TENANT_SQL, signed_setting, tenant_context
from organizations import imports
from organizations.imports import (
    COLUMNS,
    enterprise_import_claim,
    enterprise_import_process,
    enterprise_import_run,
    enterprise_import_start,
)
from organizations.models import Enterprise, EnterpriseImport

from ..conftest import _build_tenant
from ..factories import valid_credit_code
from ..workbooks import BROKEN_MULTIPART, BROKEN_MULTIPART_TYPE, BROKEN_XLSX, zip_bomb_xlsx


def workbook(rows: list[list[object]], header: list[str] = COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows(count: int, region: str = "210211", start: int = 5000) -> list[list[object]]:
    return [
        [
            f"导入企业{index}有限公司",
            valid_credit_code(start + index, region),
            region,
            "hazardous_chemicals,coal_mines",
            f"导入路{index}号",
            "small",
            "operating",
        ]
        for index in range(count)
    ]


def test_a_valid_workbook_imports_every_row(world) -> None:
    job = enterprise_import_start(
        actor=world.a.committee, file_name="ok.xlsx", content=workbook(good_rows(30))
    )
    job = enterprise_import_run(import_id=job.pk)
    assert job.status == "succeeded"
    assert job.imported_count == 30
    imported = Enterprise.objects.filter(name__startswith="导入企业")
    assert imported.count() == 30
    first = imported.get(name="导入企业0有限公司")
    assert sorted(first.industries.values_list("code", flat=True)) == ["coal_mines", "hazardous_chemicals"]
    assert first.region_path == world.a.county.path
    assert first.tenant_id == world.a.tenant.pk


def test_one_bad_row_means_nothing_is_imported_and_the_report_names_row_and_field(world) -> None:
    rows = good_rows(5)
    rows[2][1] = "914403001922038217"  # mistyped check character
    rows[3][2] = "999999"  # no such region
    rows[4][3] = "spaceships"  # no such industry
    job = enterprise_import_start(actor=world.a.admin, file_name="bad.xlsx", content=workbook(rows))
    job = enterprise_import_run(import_id=job.pk)
    assert job.status == "failed"
    assert Enterprise.objects.filter(name__startswith="导入企业").count() == 0
    report = {(error["row"], error["field"]) for error in job.errors}
    assert report == {(4, "credit_code"), (5, "region_code"), (6, "industries")}
    assert "should be 6" in next(e["message"] for e in job.errors if e["field"] == "credit_code")


def test_duplicate_credit_codes_inside_the_file_and_against_the_directory_are_reported(world) -> None:
    rows = good_rows(3)
    rows[1][1] = rows[0][1]
    rows[2][1] = world.a.enterprise.credit_code
    job = enterprise_import_run(
        import_id=enterprise_import_start(
            actor=world.a.admin, file_name="dup.xlsx", content=workbook(rows)
        ).pk
    )
    messages = {error["row"]: error["message"] for error in job.errors}
    assert "row 2" in messages[3]
    assert "already registered" in messages[4]
    assert job.imported_count == 0


def test_committee_staff_cannot_import_into_regions_outside_their_own(world) -> None:
    rows = good_rows(2, region="210100")
    job = enterprise_import_run(
        import_id=enterprise_import_start(
            actor=world.a.committee, file_name="x.xlsx", content=workbook(rows)
        ).pk
    )
    assert job.status == "failed"
    assert {error["field"] for error in job.errors} == {"region_code"}


def test_another_tenants_region_codes_are_unknown(world) -> None:
    rows = good_rows(1, region=world.b.county.code)
    job = enterprise_import_run(
        import_id=enterprise_import_start(actor=world.a.admin, file_name="x.xlsx", content=workbook(rows)).pk
    )
    assert job.status == "failed"
    assert not Enterprise.objects.filter(tenant=world.a.tenant, name__startswith="导入企业").exists()


def test_a_missing_header_column_is_reported(world) -> None:
    content = workbook([["甲公司", "914403001922038216"]], header=["name", "credit_code"])
    job = enterprise_import_run(
        import_id=enterprise_import_start(actor=world.a.admin, file_name="x.xlsx", content=content).pk
    )
    assert job.status == "failed"
    assert "region_code" in job.errors[0]["message"]


@pytest.mark.parametrize(
    "content",
    [
        b"name,credit_code\n\xe7\x94\xb2,914403001922038216\n",  # CSV renamed .xlsx
        b"\x89PNG\r\n\x1a\n" + b"\0" * 64,  # a picture
        b"PK\x03\x04" + b"\0" * 64,  # a broken zip
    ],
)
def test_files_that_are_not_xlsx_are_refused_at_upload(world, api, content) -> None:
    api.as_user(world.a.admin)
    upload = io.BytesIO(content)
    upload.name = "enterprises.xlsx"
    response = api.post("/api/v1/enterprises/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "xlsx" in response.json()["file"][0].lower()
    assert not EnterpriseImport.objects.exists()


@pytest.mark.parametrize("role", ["officer", "inspector", "outsider"])
def test_only_directory_managers_may_import(world, api, role) -> None:
    api.as_user(world.a.users[role])
    upload = io.BytesIO(workbook(good_rows(1)))
    upload.name = "e.xlsx"
    assert api.post("/api/v1/enterprises/import/", {"file": upload}, format="multipart").status_code == 403


@pytest.mark.parametrize("role", ["officer", "inspector", "outsider"])
def test_a_role_that_may_not_import_gets_403_before_the_upload_is_opened(
    world, api, client, settings, role
) -> None:
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024  # the bomb is refused with a 400 once it is opened
    user = world.a.users[role]
    api.as_user(user)
    client.force_login(user)
    for content in (BROKEN_XLSX, zip_bomb_xlsx()):
        upload = io.BytesIO(content)
        upload.name = "enterprises.xlsx"
        assert (
            api.post("/api/v1/enterprises/import/", {"file": upload}, format="multipart").status_code == 403
        )
        upload.seek(0)
        assert client.post("/directory/enterprises/import/", {"file": upload}).status_code == 403
    # The upload is not even read: a body no multipart parser accepts (a 400 if parsed) is still a 403.
    for sender, url in ((api, "/api/v1/enterprises/import/"), (client, "/directory/enterprises/import/")):
        response = sender.generic("POST", url, BROKEN_MULTIPART, content_type=BROKEN_MULTIPART_TYPE)
        assert response.status_code == 403, url
    with pytest.raises(PermissionDeniedError):  # the service, too, asks the role before the workbook
        enterprise_import_start(actor=user, file_name="e.xlsx", content=BROKEN_XLSX)
    assert not EnterpriseImport.objects.exists()


def test_for_a_role_that_may_import_the_same_uploads_are_opened_and_refused_as_bad_input(
    world, api, client, settings
) -> None:
    """The counterpart of the 403 above: these files do fail once opened, so the 403 is the role's."""
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024
    api.as_user(world.a.committee)
    for content in (BROKEN_XLSX, zip_bomb_xlsx()):
        upload = io.BytesIO(content)
        upload.name = "enterprises.xlsx"
        response = api.post("/api/v1/enterprises/import/", {"file": upload}, format="multipart")
        assert response.status_code == 400 and "file" in response.json()
    response = api.generic(
        "POST", "/api/v1/enterprises/import/", BROKEN_MULTIPART, content_type=BROKEN_MULTIPART_TYPE
    )
    assert response.status_code == 400
    client.force_login(world.a.committee)
    response = client.generic(
        "POST", "/directory/enterprises/import/", BROKEN_MULTIPART, content_type=BROKEN_MULTIPART_TYPE
    )
    assert response.status_code == 400
    assert not EnterpriseImport.objects.exists()


def test_an_import_of_our_own_quoted_text_takes_the_quote_off(world) -> None:
    rows = good_rows(1)
    rows[0][0] = "'=甲化工有限公司"  # as our exports write a name beginning with "="
    job = enterprise_import_start(actor=world.a.admin, file_name="ok.xlsx", content=workbook(rows))
    assert enterprise_import_run(import_id=job.pk).status == "succeeded"
    assert Enterprise.objects.filter(name="=甲化工有限公司").exists()


def test_an_import_job_is_404_for_the_other_tenant(world, api) -> None:
    job = enterprise_import_start(actor=world.a.admin, file_name="ok.xlsx", content=workbook(good_rows(1)))
    api.as_user(world.b.admin)
    assert api.get(f"/api/v1/enterprise-imports/{job.pk}/").status_code == 404
    api.as_user(world.a.admin)
    assert api.get(f"/api/v1/enterprise-imports/{job.pk}/").status_code == 200


def test_running_an_import_twice_imports_once(world) -> None:
    job = enterprise_import_start(actor=world.a.admin, file_name="ok.xlsx", content=workbook(good_rows(4)))
    enterprise_import_run(import_id=job.pk)
    enterprise_import_run(import_id=job.pk)
    assert Enterprise.objects.filter(name__startswith="导入企业").count() == 4


def test_the_template_download_has_the_expected_header(world, api) -> None:
    api.as_user(world.a.committee)
    response = api.get("/api/v1/enterprises/import-template/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == COLUMNS


@pytest.mark.celery
def test_upload_is_imported_by_a_real_celery_worker_with_progress(live_worker, api) -> None:
    w = _build_tenant(
        "gamma",
        {
            "province": "210000",
            "city": "210200",
            "county": "210211",
            "sibling": "210202",
            "other_city": "210100",
        },
        "gamma",
    )
    api.as_user(w.committee)
    upload = io.BytesIO(workbook(good_rows(40)))
    upload.name = "ok.xlsx"
    response = api.post("/api/v1/enterprises/import/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    job_url = f"/api/v1/enterprise-imports/{response.json()['id']}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = api.get(job_url).json()
        if job["status"] in {"succeeded", "failed"}:
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    assert job["progress_percent"] == 100
    assert Enterprise.objects.filter(tenant=w.tenant, name__startswith="导入企业").count() == 40


def _progress_seen_elsewhere(job: EnterpriseImport) -> tuple[int, int]:
    """(rows_total, rows_done) of the job as another database connection reads it now."""
    side = connections.create_connection("default")
    try:
        side.set_autocommit(False)
        with side.cursor() as cursor:
            cursor.execute(BINDING_SQL)
            cursor.execute(
                SET_TENANT_SQL, {"tenant_text": signed_setting(job.tenant_id, cursor.fetchone()[0])}
            )
            cursor.execute(
                "SELECT rows_total, rows_done FROM organizations_enterpriseimport WHERE id = %s", [job.pk]
            )
            total, done = cursor.fetchone()
        side.rollback()
        return total, done
    finally:
        side.close()


def test_another_connection_sees_the_progress_while_the_import_runs(
    transactional_db, world, monkeypatch
) -> None:
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 10)
    job = EnterpriseImport.objects.create(
        tenant=world.a.tenant,
        created_by=world.a.committee,
        file_name="ok.xlsx",
        content=workbook(good_rows(40)),
        language="en",
    )
    seen: list[tuple[bool, tuple[int, int]]] = []
    validate = imports._RowValidator.validate

    def observed(self: Any, number: int, record: dict[str, str]) -> Any:
        if number == 27:  # the 26th data row: 20 rows checked and reported, the import's transaction open
            seen.append((connection.in_atomic_block, _progress_seen_elsewhere(job)))
        return validate(self, number, record)

    monkeypatch.setattr(imports._RowValidator, "validate", observed)
    with tenant_context(world.a.tenant):
        assert enterprise_import_claim(import_id=job.pk)
    with tenant_context(world.a.tenant):
        assert enterprise_import_process(import_id=job.pk).status == "succeeded"
    assert seen == [(True, (40, 20))]

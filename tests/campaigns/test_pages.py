"""Campaign pages: who sees them (404), who runs them (403), the summary files, both languages."""

import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import Task
from campaigns.services import progress_report, task_create
from campaigns.task_sheets import tasks_import
from core.errors import PermissionDeniedError

from ..factories import png_bytes
from ..workbooks import BROKEN_MULTIPART, BROKEN_MULTIPART_TYPE, BROKEN_XLSX, zip_bomb_xlsx

EN = {"Accept-Language": "en"}


def pages(campaign, task) -> list[str]:
    return [
        f"/campaigns/{campaign.pk}/",
        f"/campaigns/{campaign.pk}/wall-chart/",
        f"/campaigns/{campaign.pk}/dashboard/",
        f"/campaigns/{campaign.pk}/summary.xlsx",
        f"/campaigns/{campaign.pk}/summary.pdf",
        f"/campaigns/{campaign.pk}/tasks.xlsx",
        f"/tasks/{task.pk}/",
    ]


@pytest.fixture
def task(world, campaign) -> Task:
    return task_create(
        actor=world.a.committee,
        campaign=campaign,
        number="1",
        title="危化企业全覆盖排查",
        due_date=campaign.end_date,
        departments=[world.a.department],
    )


def test_campaign_pages_open_for_those_it_covers(world, client, campaign, task) -> None:
    for role in ("committee", "inspector", "officer", "admin"):
        client.force_login(world.a.users[role])
        for url in pages(campaign, task):
            assert client.get(url, headers=EN).status_code == 200, (role, url)


def test_the_dashboard_lists_every_week_with_the_hazards_found_and_closed_in_it(
    world, client, campaign, ledger
) -> None:
    found = [ledger.reported(), ledger.reported()]
    client.force_login(world.a.committee)

    page = client.get(f"/campaigns/{campaign.pk}/dashboard/", headers=EN).content.decode()

    day = timezone.localtime(found[0].discovered_at).date()
    monday = day - dt.timedelta(days=day.weekday())
    rows = re.findall(
        r'<th scope="row" class="nowrap">([\d-]+)</th>\s*<td class="number">(\d+)</td>'
        r'\s*<td class="number">(\d+)</td>',
        page,
    )
    assert rows == [(monday.isoformat(), "2", "0")]


@pytest.mark.parametrize("role", ["officer", "inspector", "committee", "admin", "outsider"])
def test_campaign_pages_are_404_for_the_other_tenant(world, client, campaign, task, role) -> None:
    client.force_login(world.b.users[role])
    for url in pages(campaign, task):
        assert client.get(url).status_code == 404, url


def test_campaign_pages_are_404_for_an_enterprise_in_another_city(world, client, campaign, task) -> None:
    client.force_login(world.a.outsider)
    for url in pages(campaign, task):
        assert client.get(url).status_code == 404, url


def test_detail_shows_the_current_stage(world, client, campaign, task) -> None:
    client.force_login(world.a.committee)
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert campaign.current_stage().name in page
    assert task.title in page


def test_only_the_committee_adds_tasks_and_the_responsible_unit_reports(
    world, client, campaign, task
) -> None:
    data = {
        "number": "2",
        "title": "x",
        "due_date": campaign.end_date.isoformat(),
        "weight": "1",
        "departments": [world.a.department.pk],
    }
    client.force_login(world.a.inspector)
    assert client.post(f"/campaigns/{campaign.pk}/tasks/new/", data).status_code == 403
    client.force_login(world.a.committee)
    assert client.post(f"/campaigns/{campaign.pk}/tasks/new/", data).status_code == 302
    assert client.post(f"/tasks/{task.pk}/", {"percent": "50", "narrative": "x"}).status_code == 403
    client.force_login(world.a.inspector)
    response = client.post(f"/tasks/{task.pk}/", {"percent": "150", "narrative": "x"}, headers=EN)
    assert response.status_code == 400
    assert client.post(f"/tasks/{task.pk}/", {"percent": "50", "narrative": "已排查一半"}).status_code == 302
    task.refresh_from_db()
    assert task.percent == 50


@pytest.mark.parametrize("role", ["inspector", "officer"])
def test_a_role_that_may_not_import_tasks_gets_403_before_the_upload_is_opened(
    world, client, settings, campaign, task, role
) -> None:
    """They see the campaign, but only its committee runs it: the import page is a 403 before any upload is
    read, even one that would fail (or cost dearly) once opened."""
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024  # the bomb is refused with a 400 once it is opened
    user = world.a.users[role]
    url = f"/campaigns/{campaign.pk}/tasks/import/"
    client.force_login(user)
    assert client.get(url).status_code == 403
    for content in (BROKEN_XLSX, zip_bomb_xlsx()):
        upload = io.BytesIO(content)
        upload.name = "tasks.xlsx"
        assert client.post(url, {"file": upload}).status_code == 403
    response = client.generic("POST", url, BROKEN_MULTIPART, content_type=BROKEN_MULTIPART_TYPE)
    assert response.status_code == 403  # a body no parser accepts: the upload was not even read
    with pytest.raises(PermissionDeniedError):  # the import itself asks before opening the workbook
        tasks_import(actor=user, campaign=campaign, content=BROKEN_XLSX)
    assert list(campaign.tasks.all()) == [task]
    # The committee that runs the campaign does reach the parser, which refuses these files as bad input.
    client.force_login(world.a.committee)
    for content in (BROKEN_XLSX, zip_bomb_xlsx()):
        upload = io.BytesIO(content)
        upload.name = "tasks.xlsx"
        assert client.post(url, {"file": upload}).status_code == 400
    response = client.generic("POST", url, BROKEN_MULTIPART, content_type=BROKEN_MULTIPART_TYPE)
    assert response.status_code == 400
    assert list(campaign.tasks.all()) == [task]


def test_summary_xlsx_and_pdf_hold_the_tasks_in_chinese(world, client, campaign, task) -> None:
    client.force_login(world.a.committee)
    workbook = load_workbook(io.BytesIO(client.get(f"/campaigns/{campaign.pk}/summary.xlsx").content))
    assert task.title in [row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    pdf = client.get(f"/campaigns/{campaign.pk}/summary.pdf").content
    assert pdf.startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:  # poppler-utils: present on the CI machine kind
        text = subprocess.run(
            [pdftotext, "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert campaign.name in text.replace("\n", "")


def test_progress_attachments_are_served_only_in_scope(world, client, campaign, task) -> None:
    report = progress_report(
        actor=world.a.inspector,
        task=task,
        percent=20,
        narrative="x",
        attachments=[SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")],
    )
    url = f"/attachments/{report.attachments.get().pk}/"
    client.force_login(world.a.committee)
    assert client.get(url).status_code == 200
    assert url in client.get(f"/tasks/{task.pk}/").content.decode()
    for outsider in (world.a.outsider, world.b.admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_a_fake_attachment_is_refused(world, campaign, task) -> None:
    with pytest.raises(ValidationError) as error:
        progress_report(
            actor=world.a.inspector,
            task=task,
            percent=20,
            narrative="x",
            attachments=[SimpleUploadedFile("p.png", b"<html></html>", content_type="image/png")],
        )
    assert "attachments" in error.value.message_dict
    task.refresh_from_db()
    assert task.percent == 0

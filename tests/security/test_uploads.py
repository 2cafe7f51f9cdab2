"""Hostile uploads: polyglots (an image or PDF header with HTML or script glued on), zip bombs posing as
XLSX workbooks, and oversized bodies are refused with a clear message, and nothing is stored."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from campaigns.services import campaign_create
from campaigns.task_sheets import tasks_import
from core.uploads import sniff_content_type
from hazards.models import Evidence, Hazard
from hazards.services import hazard_report
from organizations.models import EnterpriseImport

from ..conftest import World
from ..factories import png_bytes

EN = {"Accept-Language": "en"}
SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_real_photos_and_pdfs_are_recognised() -> None:
    assert sniff_content_type(png_bytes()) == "image/png"
    assert sniff_content_type(_jpeg()) == "image/jpeg"
    assert sniff_content_type(PDF) == "application/pdf"


@pytest.mark.parametrize(
    "polyglot",
    [
        pytest.param(png_bytes() + SCRIPT, id="png-then-html"),
        pytest.param(_jpeg() + SCRIPT, id="jpeg-then-html"),
        pytest.param(b"%PDF-1.4\n" + SCRIPT + b"\n%%EOF", id="pdf-header-on-html"),
        pytest.param(
            PDF.replace(b">> endobj", b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj"),
            id="pdf-with-javascript",
        ),
        pytest.param(png_bytes() + b"\x00" * 16, id="png-with-trailing-bytes"),
        pytest.param(b"GIF89a" + SCRIPT, id="gif-html"),
    ],
)
def test_an_evidence_polyglot_is_refused_and_nothing_is_stored(world: World, polyglot: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        hazard_report(
            category="equipment",
            actor=world.a.officer,
            enterprise=world.a.enterprise,
            title="t",
            description="d",
            location="l",
            photos=[SimpleUploadedFile("site.png", polyglot, content_type="image/png")],
        )
    assert "is not a JPEG, PNG or PDF file" in str(refused.value)
    assert not Hazard.objects.exists()
    assert not Evidence.objects.exists()


def _zip_bomb(inflated_bytes: int) -> bytes:
    """An archive that looks like an XLSX workbook and inflates a run of zeros to `inflated_bytes`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * inflated_bytes)
    return buffer.getvalue()


def test_a_zip_bomb_posing_as_an_enterprise_import_is_refused_before_it_is_unpacked(
    world: World, client: Client, settings: Any
) -> None:
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024
    bomb = _zip_bomb(4 * 1024 * 1024)
    assert len(bomb) < 20 * 1024  # a few kilobytes on the wire
    client.force_login(world.a.admin)
    upload = SimpleUploadedFile("enterprises.xlsx", bomb)
    response = client.post("/api/v1/enterprises/import/", {"file": upload}, headers=EN)
    assert response.status_code == 400
    assert "unpacks to more than 1 MB" in response.json()["file"][0]
    assert not EnterpriseImport.objects.exists()


def test_a_zip_bomb_posing_as_a_task_table_is_refused(world: World, settings: Any) -> None:
    settings.IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024
    today = timezone.localdate()
    campaign = campaign_create(
        actor=world.a.committee,
        region=world.a.city,
        name="c",
        start_date=today,
        end_date=today + dt.timedelta(days=90),
        industries=[world.a.industries["construction"]],
        status="active",
    )
    with pytest.raises(ValidationError) as refused:
        tasks_import(actor=world.a.committee, campaign=campaign, content=_zip_bomb(4 * 1024 * 1024))
    assert "unpacks to more than 1 MB" in str(refused.value)
    assert not campaign.tasks.exists()


def test_an_oversized_json_body_is_refused_before_it_is_read(world: World, client: Client, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client.force_login(world.a.officer)
    body = '{"title": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = client.post("/api/v1/hazards/", body, content_type="application/json", headers=EN)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is larger than 1 MB."}
    assert not Hazard.objects.exists()


def test_an_oversized_upload_is_refused_with_a_page_that_says_so(
    world: World, client: Client, settings
) -> None:
    settings.MAX_UPLOAD_REQUEST_BYTES = 1024 * 1024
    client.force_login(world.a.admin)
    upload = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024))
    response = client.post("/directory/enterprises/import/", {"file": upload}, headers=EN)
    assert response.status_code == 413
    assert "The request is larger than 1 MB." in response.content.decode()
    assert not EnterpriseImport.objects.exists()

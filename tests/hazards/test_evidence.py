"""Evidence files: checked by content, size-limited, random names, served only inside the scope."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import sniff_content_type
from hazards.models import Evidence
from hazards.services import hazard_report, hazard_submit

from ..factories import photo, png_bytes

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def report_with(world, upload):
    return hazard_report(
        category="equipment",
        actor=world.a.officer,
        enterprise=world.a.enterprise,
        title="t",
        description="d",
        location="l",
        photos=[upload],
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", b"<html><body><script>alert(1)</script></body></html>"),  # HTML wearing a PNG name
        ("photo.jpg", b"#!/bin/sh\nrm -rf /\n"),  # a script wearing a JPEG name
        ("photo.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),  # PNG signature + HTML
        ("scan.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>"),  # PDF header, no PDF body
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),  # a real GIF: not an accepted type
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_and_nothing_is_saved(world, standards, name, content):
    with pytest.raises(ValidationError) as error:
        report_with(world, SimpleUploadedFile(name, content, content_type="image/png"))
    assert "evidence" in error.value.message_dict
    assert not Evidence.objects.exists()


def test_an_oversized_file_is_refused(world, standards, settings) -> None:
    settings.EVIDENCE_MAX_BYTES = 100
    big = png_bytes((200, 200))
    assert len(big) > 100
    with pytest.raises(ValidationError) as error:
        report_with(world, SimpleUploadedFile("big.png", big, content_type="image/png"))
    assert "larger than" in error.value.message_dict["evidence"][0]


def test_real_png_jpeg_and_pdf_are_accepted_under_random_names(world, standards) -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (4, 4)).save(jpeg, format="JPEG")
    assert sniff_content_type(jpeg.getvalue()) == "image/jpeg"
    assert sniff_content_type(PDF) == "application/pdf"
    hazard = report_with(world, photo("现场照片.png"))
    stored = hazard.evidence.get()
    assert stored.content_type == "image/png"
    assert "现场照片" not in stored.file.name
    assert stored.file.name.startswith("evidence/")
    assert len(stored.sha256) == 64


def test_evidence_is_served_only_to_those_who_see_the_hazard(world, client, standards) -> None:
    hazard = report_with(world, photo())
    url = f"/evidence/{hazard.evidence.get().pk}/"
    client.force_login(world.a.officer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    for outsider in (world.a.outsider, world.b.committee, world.b.admin):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_media_files_have_no_public_url(client, world, standards) -> None:
    hazard = report_with(world, photo())
    stored = hazard.evidence.get()
    assert client.get(f"/media/{stored.file.name}").status_code == 404


def test_a_major_hazard_needs_evidence_to_be_submitted(world, ledger) -> None:
    with pytest.raises(ValidationError) as error:
        hazard_submit(actor=world.a.officer, hazard=ledger.rectifying(), report="done")
    assert "evidence" in error.value.message_dict

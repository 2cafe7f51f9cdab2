"""Evidence photos: kept as sent, shown as an upright smaller copy with the time and place their camera
recorded; checked by their decoded structure, so a genuine photo is never refused for what its compressed
bytes happen to spell, while polyglots, mislabelled files and decompression bombs are."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import struct
import subprocess
import zlib
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import ExifTags, Image

from core.photos import photo_facts
from core.uploads import sniff_content_type
from disclosure.models import Publication
from disclosure.services import publication_build_month, publication_publish
from hazards.models import Evidence, Hazard
from hazards.services import evidence_store, hazard_report

from ..factories import png_bytes

EN = {"Accept-Language": "en"}
RED, BLUE = (220, 20, 20), (20, 20, 220)
TAKEN = "2026:11:30 14:05:09"
LATITUDE, LONGITUDE = "37.870167", "112.550100"  # 37°52'12.6" N, 112°33'0.36" E


def camera_jpeg(
    size: tuple[int, int] = (2400, 1800), *, offset: str | None = "+08:00", gps: bool = True
) -> bytes:
    """A photo as a phone stores it: sensor-oriented (left half red, right half blue) with EXIF saying
    "rotate 90° clockwise to show" (orientation 6), the time it was taken and where."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestCam"
    camera = exif.get_ifd(ExifTags.IFD.Exif)
    camera[ExifTags.Base.DateTimeOriginal] = TAKEN
    if offset:
        camera[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps:
        position = exif.get_ifd(ExifTags.IFD.GPSInfo)
        position[ExifTags.GPS.GPSLatitudeRef] = "N"
        position[ExifTags.GPS.GPSLatitude] = (37.0, 52.0, 12.6)
        position[ExifTags.GPS.GPSLongitudeRef] = "E"
        position[ExifTags.GPS.GPSLongitude] = (112.0, 33.0, 0.36)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def report_with(world: Any, *uploads: SimpleUploadedFile) -> Hazard:
    return hazard_report(
        category="equipment",
        actor=world.a.officer,
        enterprise=world.a.enterprise,
        title="t",
        description="d",
        location="l",
        photos=list(uploads),
    )


def jpeg_upload(data: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


# ------------------------------------------------------------------ kept as sent, shown upright and smaller


def test_a_photo_is_kept_as_sent_and_pages_get_an_upright_smaller_copy_without_metadata(
    world, standards
) -> None:
    sent = camera_jpeg()
    stored = report_with(world, jpeg_upload(sent)).evidence.get()
    with stored.file.open("rb") as original:
        assert original.read() == sent
    assert stored.sha256 == hashlib.sha256(sent).hexdigest()
    assert stored.size == len(sent)
    with stored.display.open("rb") as display:
        copy = Image.open(io.BytesIO(display.read()))
        copy.load()
    assert copy.format == "JPEG"
    assert copy.size == (1200, 1600)  # turned upright (portrait), long side 1600
    red, blue = copy.convert("RGB").getpixel((600, 100)), copy.convert("RGB").getpixel((600, 1500))
    assert isinstance(red, tuple) and isinstance(blue, tuple)
    assert red[0] > 180 and red[2] < 80  # the sensor's left half is now the top
    assert blue[2] > 180 and blue[0] < 80
    assert not copy.getexif()  # no orientation, time, position or camera left in the copy
    assert "exif" not in copy.info and "xmp" not in copy.info


def test_the_time_and_place_the_camera_recorded_are_kept(world, standards) -> None:
    stored = report_with(world, jpeg_upload(camera_jpeg())).evidence.get()
    stored.refresh_from_db()
    assert stored.taken_at == dt.datetime(2026, 11, 30, 6, 5, 9, tzinfo=dt.UTC)  # 14:05:09 at +08:00
    assert stored.latitude == Decimal(LATITUDE)
    assert stored.longitude == Decimal(LONGITUDE)


def test_a_photo_without_an_offset_is_read_in_the_sites_time_zone(settings) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    facts = photo_facts(camera_jpeg((64, 48), offset=None))
    assert facts.taken_at == dt.datetime(2026, 11, 30, 6, 5, 9, tzinfo=dt.UTC)
    western = photo_facts(camera_jpeg((64, 48), offset="-05:00"))
    assert western.taken_at == dt.datetime(2026, 11, 30, 19, 5, 9, tzinfo=dt.UTC)


def test_southern_and_western_positions_are_negative_and_a_void_fix_is_no_position() -> None:
    image = Image.new("RGB", (32, 32))
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "S", 2: (33.0, 51.0, 54.0), 3: "W", 4: (70.0, 39.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    facts = photo_facts(buffer.getvalue())
    assert (facts.latitude, facts.longitude) == (Decimal("-33.865000"), Decimal("-70.650000"))
    gps[ExifTags.GPS.GPSStatus] = "V"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert photo_facts(buffer.getvalue()).latitude is None


def test_a_photo_without_exif_has_no_time_or_place_and_no_error(world, standards, client) -> None:
    hazard = report_with(
        world, SimpleUploadedFile("plain.png", png_bytes((40, 30)), content_type="image/png")
    )
    stored = hazard.evidence.get()
    assert (stored.taken_at, stored.latitude, stored.longitude) == (None, None, None)
    assert stored.display  # a copy all the same
    client.force_login(world.a.officer)
    page = client.get(f"/ledger/{hazard.pk}/", headers=EN).content.decode()
    assert f"/evidence/{stored.pk}/display/" in page
    assert "Taken" not in page and 'class="photo-position"' not in page


def test_the_hazard_page_shows_the_copy_with_when_and_where_and_links_the_original(
    world, standards, client
) -> None:
    hazard = report_with(world, jpeg_upload(camera_jpeg()))
    stored = hazard.evidence.get()
    client.force_login(world.a.officer)
    page = client.get(f"/ledger/{hazard.pk}/", headers=EN).content.decode()
    assert f'<img src="/evidence/{stored.pk}/display/"' in page
    assert f'href="/evidence/{stored.pk}/"' in page  # the original, as sent
    assert 'datetime="2026-11-30T14:05:09+08:00"' in page and "2026-11-30 14:05" in page
    assert f"At {LATITUDE}, {LONGITUDE}" in page
    display = client.get(f"/evidence/{stored.pk}/display/")
    assert display.status_code == 200
    assert display["Content-Type"] == "image/jpeg"
    assert display["X-Content-Type-Options"] == "nosniff"
    with stored.display.open("rb") as copy:
        assert b"".join(display.streaming_content) == copy.read()
    original = client.get(f"/evidence/{stored.pk}/")
    assert hashlib.sha256(b"".join(original.streaming_content)).hexdigest() == stored.sha256


def test_the_api_gives_the_time_the_place_and_both_files(world, standards, client) -> None:
    hazard = report_with(world, jpeg_upload(camera_jpeg()))
    stored = hazard.evidence.get()
    client.force_login(world.a.officer)
    (photo,) = client.get(f"/api/v1/hazards/{hazard.pk}/").json()["photos"]
    assert photo["taken_at"] == "2026-11-30T14:05:09+08:00"
    assert (photo["latitude"], photo["longitude"]) == (float(LATITUDE), float(LONGITUDE))
    assert photo["url"] == f"/evidence/{stored.pk}/"
    assert photo["display_url"] == f"/evidence/{stored.pk}/display/"
    assert photo["sha256"] == stored.sha256


def test_a_photo_without_a_copy_yet_is_shown_from_its_original(world, standards, client) -> None:
    """Uploads from before display copies existed: the page and the display URL fall back to the file."""
    hazard = report_with(world, jpeg_upload(camera_jpeg((64, 48))))
    stored = hazard.evidence.get()
    Evidence.objects.filter(pk=stored.pk).update(display="")
    client.force_login(world.a.officer)
    response = client.get(f"/evidence/{stored.pk}/display/")
    assert response.status_code == 200
    with stored.file.open("rb") as original:
        assert b"".join(response.streaming_content) == original.read()
    assert client.get(f"/ledger/{hazard.pk}/", headers=EN).status_code == 200


def test_the_display_copy_is_served_only_inside_the_scope(world, standards, client) -> None:
    stored = report_with(world, jpeg_upload(camera_jpeg((64, 48)))).evidence.get()
    for outsider in (world.a.outsider, world.b.committee):
        client.force_login(outsider)
        assert client.get(f"/evidence/{stored.pk}/display/").status_code == 404


def test_the_report_form_offers_camera_and_gallery(world, client) -> None:
    client.force_login(world.a.officer)
    page = client.get("/ledger/new/", headers=EN).content.decode()
    assert 'accept="image/jpeg,image/png"' in page
    assert "capture=" not in page  # `capture` would force the camera and hide the gallery


def test_the_public_never_sees_a_photos_time_or_place(world, ledger, client) -> None:
    w = world.a
    major = ledger.handed_over()
    stored = evidence_store(actor=w.officer, upload=jpeg_upload(camera_jpeg((64, 48))), hazard=major)
    assert stored.latitude is not None
    month = timezone.localdate().replace(day=1)
    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    item = publication_publish(actor=w.committee, publication=draft)
    base = f"/public/alpha/p/{item.public_id}"
    pages = {
        url: client.get(url, headers=EN).content
        for url in (
            "/public/alpha/",
            f"{base}/",
            f"{base}.csv",
            f"{base}.json",
            "/public/alpha/feed.atom",
            f"/public/alpha/enterprises/{major.enterprise.credit_code}/",
        )
    }
    assert major.code.encode() in pages[f"{base}/"]  # the hazard is there, its photo's metadata is not
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils, installed by make) reads PDFs back"
    pdf = client.get(f"{base}.pdf").content
    pages["pdf"] = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True).stdout
    for url, content in pages.items():
        for secret in (b"37.87", b"112.55", b"/evidence/", b"2026-11-30 14:05", b"14:05:09"):
            assert secret not in content, (url, secret)


# ------------------------------------------------------------------ the check reads structure, not bytes


def stored_png(pixels: bytes, width: int, height: int) -> bytes:
    """A genuine 8-bit greyscale PNG whose deflate stream is 'stored' (level 0): the pixel bytes appear
    in the file verbatim, as any PNG encoder may write them."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + pixels[row * width : (row + 1) * width] for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 0))
        + chunk(b"IEND", b"")
    )


ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34]


def jpeg_spelling(word: bytes) -> bytes:
    """A genuine JPEG whose quantisation table (binary image data, in zigzag order) spells `word`."""
    table = [16] * 64
    for index, byte in enumerate(word):
        table[ZIGZAG[index]] = byte
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 60)).save(buffer, format="JPEG", qtables=[table, table])
    return buffer.getvalue()


def test_genuine_images_whose_bytes_spell_markup_are_accepted(world, standards) -> None:
    png = stored_png((b"<script>alert(1)</script><html>" * 5)[:128], 32, 4)
    jpeg = jpeg_spelling(b"<html>")
    assert b"<script" in png and b"<html" in jpeg  # the old byte-pattern check refused both
    Image.open(io.BytesIO(png)).load()
    Image.open(io.BytesIO(jpeg)).load()
    hazard = report_with(
        world,
        SimpleUploadedFile("scan.png", png, content_type="image/png"),
        jpeg_upload(jpeg, "site.jpg"),
    )
    assert sorted(e.content_type for e in hazard.evidence.all()) == ["image/jpeg", "image/png"]
    with hazard.evidence.get(content_type="image/png").file.open("rb") as kept:
        assert kept.read() == png


def _jpeg(**options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 30)).save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def _png_with(kind: bytes, body: bytes) -> bytes:
    plain = png_bytes()
    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return plain[:33] + chunk + plain[33:]  # after IHDR (8 + 25 bytes)


def test_phone_photos_with_further_pictures_or_padding_after_the_first_are_accepted() -> None:
    # Multi-picture JPEGs (depth maps, HDR gain maps) carry a second JPEG after the first one's EOI.
    assert sniff_content_type(_jpeg() + _jpeg()) == "image/jpeg"
    assert sniff_content_type(_jpeg() + b"\x00" * 64) == "image/jpeg"
    assert sniff_content_type(_jpeg(comment=b"Shot on TestCam")) == "image/jpeg"
    assert sniff_content_type(_png_with(b"tEXt", b"Software\0TestCam 1.0")) == "image/png"


@pytest.mark.parametrize(
    "polyglot",
    [
        pytest.param(_jpeg(comment=b"<script>alert(document.cookie)</script>"), id="jpeg-comment-script"),
        pytest.param(_jpeg() + b"<html><script>alert(1)</script></html>", id="jpeg-then-html"),
        pytest.param(_jpeg() + _jpeg() + b"<svg onload=alert(1)>", id="jpeg-pair-then-svg"),
        pytest.param(_png_with(b"tEXt", b"Comment\0<html><body>hi</body></html>"), id="png-text-html"),
        pytest.param(
            _png_with(b"iTXt", b"XML\0\x01\x00\0\0" + zlib.compress(b"<svg onload=alert(1)></svg>")),
            id="png-compressed-itxt-svg",
        ),
        pytest.param(
            _png_with(b"zTXt", b"Comment\0\x00" + zlib.compress(b"<script>1</script>")), id="png-ztxt"
        ),
        pytest.param(_png_with(b"htML", b"<!DOCTYPE html><p>x"), id="png-unknown-chunk-html"),
        pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"),
    ],
)
def test_polyglots_whose_markup_is_real_content_are_refused(world, standards, polyglot: bytes) -> None:
    with pytest.raises(ValidationError) as refused:
        report_with(world, SimpleUploadedFile("site.png", polyglot, content_type="image/png"))
    assert "is not a JPEG, PNG or PDF file" in str(refused.value)
    assert not Evidence.objects.exists()


def test_a_png_named_jpg_is_refused(world, standards) -> None:
    with pytest.raises(ValidationError) as refused:
        report_with(world, SimpleUploadedFile("site.jpg", png_bytes(), content_type="image/jpeg"))
    assert refused.value.message_dict["evidence"] == [
        "site.jpg is a PNG file, but its name or type says image/jpeg."
    ]
    assert not Hazard.objects.exists()


def test_a_declared_type_that_disagrees_is_refused_and_a_generic_one_is_not(world, standards) -> None:
    with pytest.raises(ValidationError) as refused:
        report_with(world, SimpleUploadedFile("site", _jpeg(), content_type="image/png"))
    assert "is a JPEG file, but its name or type says image/png" in str(refused.value)
    hazard = report_with(world, SimpleUploadedFile("blob", _jpeg(), content_type="application/octet-stream"))
    assert hazard.evidence.get().content_type == "image/jpeg"


def png_bomb(width: int, height: int) -> bytes:
    """A genuine 1-bit PNG of `width` by `height` white pixels: a few kilobytes that decode to gigabytes."""
    deflate = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    body = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_it_is_decoded(world, standards) -> None:
    bomb = png_bomb(20_000, 20_000)  # 400 million pixels
    assert len(bomb) < 100 * 1024
    with pytest.raises(ValidationError) as refused:
        report_with(world, SimpleUploadedFile("site.png", bomb, content_type="image/png"))
    assert refused.value.message_dict["evidence"] == ["site.png has more than 100 million pixels."]
    assert not Evidence.objects.exists()


def test_the_pixel_limit_is_a_setting(world, standards, settings) -> None:
    settings.EVIDENCE_MAX_PIXELS = 1_000_000
    with pytest.raises(ValidationError) as refused:
        report_with(world, jpeg_upload(camera_jpeg((1200, 900))))
    assert "has more than 1 million pixels" in str(refused.value)
    assert report_with(world, jpeg_upload(camera_jpeg((1000, 750)))).evidence.exists()


def test_older_photos_get_their_copy_time_and_place_once(world, standards) -> None:
    sent = camera_jpeg((640, 480))
    stored = report_with(world, jpeg_upload(sent)).evidence.get()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    report_with(world, SimpleUploadedFile("plan.pdf", pdf, content_type="application/pdf"))
    Evidence.objects.filter(pk=stored.pk).update(display="", taken_at=None, latitude=None, longitude=None)
    out = io.StringIO()
    call_command("evidence_display_copies", stdout=out)
    assert out.getvalue().strip() == "1 photos completed."  # the PDF has no copy to make
    stored.refresh_from_db()
    assert stored.latitude == Decimal(LATITUDE) and stored.taken_at is not None
    with stored.display.open("rb") as display:
        assert Image.open(io.BytesIO(display.read())).size == (480, 640)
    with stored.file.open("rb") as original:
        assert original.read() == sent
    again = io.StringIO()
    call_command("evidence_display_copies", stdout=again)
    assert again.getvalue().strip() == "0 photos completed."


def test_a_truncated_photo_is_refused() -> None:
    whole = camera_jpeg((640, 480))
    assert sniff_content_type(whole) == "image/jpeg"
    assert sniff_content_type(whole[: len(whole) * 2 // 3]) is None
    assert sniff_content_type(png_bytes((64, 64))[:-30]) is None

"""Uploads that must never be opened by someone who may not import: each one fails, or costs dearly, as
soon as a parser reaches it, so a 403 (not a 400) proves the role was asked first."""

from __future__ import annotations

import io
import zipfile

# A zip's local-file signature followed by garbage: the zip reader fails on it.
BROKEN_XLSX = b"PK\x03\x04" + b"\xff" * 256
# A multipart request no parser accepts (its type names no boundary): Django and DRF answer 400 the moment
# request.POST, request.FILES or request.data is read.
BROKEN_MULTIPART = b"--boundary\r\nnot a part"
BROKEN_MULTIPART_TYPE = "multipart/form-data"


def zip_bomb_xlsx(unpacked_mb: int = 16) -> bytes:
    """A few kilobytes that claim to be a workbook and inflate to `unpacked_mb` megabytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (unpacked_mb * 1024 * 1024))
    return buffer.getvalue()

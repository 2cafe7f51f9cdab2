"""Uploaded Excel workbooks: an XLSX file is a zip archive, so it is checked as one before openpyxl
unpacks it. A "zip bomb" (a few kilobytes that inflate to gigabytes) is refused from its directory."""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_MEMBERS = 1000


def check_workbook(content: bytes, *, field: str = "file") -> None:
    """Refuse anything but an XLSX archive whose members unpack to at most IMPORT_MAX_UNZIPPED_BYTES.

    Python's zipfile never inflates a member past the size its directory declares (it stops and fails
    the CRC check), so the declared sizes are a safe bound on what openpyxl will unpack.
    """
    not_xlsx = ValidationError(
        {field: _("This is not an Excel workbook (.xlsx). Save it as .xlsx and try again.")}
    )
    if not content.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise not_xlsx from None
    if not any(member.filename == "xl/workbook.xml" for member in members):
        raise not_xlsx
    limit = settings.IMPORT_MAX_UNZIPPED_BYTES
    if len(members) > MAX_MEMBERS or sum(member.file_size for member in members) > limit:
        raise ValidationError(
            {
                field: _("The workbook unpacks to more than %(mb)d MB; split it into smaller files.")
                % {"mb": limit // (1024 * 1024)}
            }
        )

"""Uploaded files (photos, PDFs): recognised by their content, never by their name or declared type."""

from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def sniff_content_type(data: bytes) -> str | None:
    """The real type of an upload from its bytes; None for anything but a well-formed JPEG, PNG or PDF."""
    if data.startswith(b"%PDF-"):
        # A PDF ends with %%EOF (allowing trailing whitespace); HTML or scripts after a fake header do not.
        return "application/pdf" if b"%%EOF" in data[-1024:] else None
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()  # walks the chunks: a PNG signature glued to HTML fails here
                kind = image.format
        except Exception:
            return None
        return {"PNG": "image/png", "JPEG": "image/jpeg"}.get(kind or "")
    return None


def check_upload(upload: UploadedFile, *, field: str) -> tuple[bytes, str, str]:
    """(bytes, content type, sha256) of an acceptable upload, or a ValidationError on `field`."""
    limit = settings.EVIDENCE_MAX_BYTES
    too_big = ValidationError(
        {field: _("%(name)s is larger than %(mb)d MB.") % {"name": upload.name, "mb": limit // (1024 * 1024)}}
    )
    if upload.size is not None and upload.size > limit:
        raise too_big
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ValidationError({field: _("%(name)s is not a JPEG, PNG or PDF file.") % {"name": upload.name}})
    return data, content_type, hashlib.sha256(data).hexdigest()

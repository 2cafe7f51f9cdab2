"""Uploaded files (photos, PDFs): recognised by their content, never by their name or declared type."""

from __future__ import annotations

import hashlib
import io
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
PNG_END = b"IEND\xaeB`\x82"
# Markup a browser would render or a PDF reader would run. A real photo or scan holds none of it; a
# polyglot (a valid image header with HTML or script glued on) does. Case-insensitive for HTML.
ACTIVE_CONTENT = re.compile(
    rb"(?i:<\s*(?:script|html|!doctype|svg|iframe|object|embed|body|\?php))|/JavaScript|/JS[\s(<]|/Launch"
)


def sniff_content_type(data: bytes) -> str | None:
    """The real type of an upload from its bytes; None for anything but a well-formed JPEG, PNG or PDF
    without active content (markup or PDF scripts)."""
    if ACTIVE_CONTENT.search(data):
        return None
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
        if kind == "PNG" and not data.endswith(PNG_END):
            return None  # nothing may follow the IEND chunk of a PNG
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

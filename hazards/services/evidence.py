"""Evidence files: JPEG, PNG or PDF, recognised by their content, never by their name."""

from __future__ import annotations

import hashlib
import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

from organizations.models import User

from ..models import Evidence, Hazard, RectificationReport, SelfInspectionItem

ALLOWED = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


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


def evidence_check(upload: UploadedFile) -> tuple[bytes, str]:
    """The upload's bytes and content type, or a ValidationError a person can act on."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {
                "evidence": _("%(name)s is larger than %(mb)d MB.")
                % {"name": upload.name, "mb": limit // (1024 * 1024)}
            }
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {
                "evidence": _("%(name)s is larger than %(mb)d MB.")
                % {"name": upload.name, "mb": limit // (1024 * 1024)}
            }
        )
    content_type = sniff_content_type(data)
    if content_type is None:
        raise ValidationError(
            {"evidence": _("%(name)s is not a JPEG, PNG or PDF file.") % {"name": upload.name}}
        )
    return data, content_type


def evidence_store(
    *,
    actor: User,
    upload: UploadedFile,
    hazard: Hazard | None = None,
    report: RectificationReport | None = None,
    item: SelfInspectionItem | None = None,
) -> Evidence:
    """Store a checked file under a random name; it is served only through the scoped evidence view."""
    data, content_type = evidence_check(upload)
    owner = hazard or item
    assert owner is not None
    evidence = Evidence(
        tenant_id=owner.tenant_id,
        hazard=hazard,
        report=report,
        self_inspection_item=item,
        original_name=(upload.name or "upload")[:255],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save(f"{uuid.uuid4().hex}.{ALLOWED[content_type]}", ContentFile(data), save=False)
    evidence.save()
    return evidence

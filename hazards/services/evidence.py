"""Evidence files: JPEG, PNG or PDF, recognised by their content (core.uploads), never by name."""

from __future__ import annotations

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from core.uploads import EXTENSIONS, check_upload
from organizations.models import User

from ..models import ClosureAcceptance, Evidence, Hazard, RectificationReport, SelfInspectionItem

ALLOWED = EXTENSIONS


def evidence_check(upload: UploadedFile, *, field: str = "evidence") -> tuple[bytes, str]:
    """The upload's bytes and content type, or a ValidationError on `field` a person can act on."""
    data, content_type, _digest = check_upload(upload, field=field)
    return data, content_type


def evidence_store(
    *,
    actor: User,
    upload: UploadedFile,
    hazard: Hazard | None = None,
    report: RectificationReport | None = None,
    item: SelfInspectionItem | None = None,
    acceptance: ClosureAcceptance | None = None,
    field: str = "evidence",
) -> Evidence:
    """Store a checked file under a random name; it is served only through the scoped evidence view."""
    data, content_type = evidence_check(upload, field=field)
    owner = hazard or item
    assert owner is not None
    evidence = Evidence(
        tenant_id=owner.tenant_id,
        hazard=hazard,
        report=report,
        self_inspection_item=item,
        acceptance=acceptance,
        original_name=(upload.name or "upload")[:255],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save(f"{uuid.uuid4().hex}.{ALLOWED[content_type]}", ContentFile(data), save=False)
    evidence.save()
    return evidence

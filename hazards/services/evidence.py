"""Evidence files: JPEG, PNG or PDF, recognised by their decoded content (core.uploads), never by name.

A photo is kept as sent (the evidence, with its SHA-256) beside a downscaled upright copy for pages, made
in the request: the upload check has just decoded the picture, the copy costs a fraction of that, and a
page never waits for a copy that is not there yet. The time and GPS position its camera recorded are kept
with it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from core.photos import PhotoFacts, display_copy, photo_facts
from core.rls import tenant_context
from core.uploads import EXTENSIONS, check_upload
from organizations.models import Tenant, User

from ..models import ClosureAcceptance, Evidence, Hazard, RectificationReport, SelfInspectionItem

ALLOWED = EXTENSIONS
logger = logging.getLogger(__name__)


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
    """Store a checked file under a random name, and for a photo its display copy, time and position; both
    are served only through the scoped evidence views."""
    data, content_type = evidence_check(upload, field=field)
    owner = hazard or item
    assert owner is not None
    photo = content_type.startswith("image/")
    facts = photo_facts(data) if photo else PhotoFacts()
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
        taken_at=facts.taken_at,
        latitude=facts.latitude,
        longitude=facts.longitude,
    )
    name = uuid.uuid4().hex
    evidence.file.save(f"{name}.{ALLOWED[content_type]}", ContentFile(data), save=False)
    if photo:
        evidence.display.save(f"{name}-display.jpg", ContentFile(display_copy(data)), save=False)
    evidence.save()
    return evidence


def evidence_complete_photos(*, tenant: Tenant) -> int:
    """Give the tenant's photos stored before display copies existed their copy, time and position (read
    from the file as sent, which stays untouched). One transaction per photo; a second run does nothing."""
    with tenant_context(tenant):
        pending = list(
            Evidence.objects.filter(tenant=tenant, content_type__startswith="image/", display="")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    done = 0
    for pk in pending:
        with tenant_context(tenant):
            evidence = Evidence.objects.select_for_update().filter(pk=pk, display="").first()
            if evidence is None:  # another run got there first
                continue
            try:
                with evidence.file.open("rb") as original:
                    data = original.read()
                copy = display_copy(data)
            except Exception:  # a missing or unreadable file keeps showing as it did; the others go on
                logger.warning("evidence %s: no display copy could be made", pk, exc_info=True)
                continue
            facts = photo_facts(data)
            evidence.taken_at, evidence.latitude, evidence.longitude = (
                facts.taken_at,
                facts.latitude,
                facts.longitude,
            )
            evidence.display.save(f"{uuid.uuid4().hex}-display.jpg", ContentFile(copy), save=False)
            evidence.save(update_fields=["display", "taken_at", "latitude", "longitude"])
            done += 1
    return done


def evidence_complete_photos_all_tenants() -> int:
    """`manage.py evidence_display_copies`: every tenant's older photos."""
    return sum(evidence_complete_photos(tenant=tenant) for tenant in Tenant.objects.order_by("pk"))

"""Closure acceptance (销号验收): what `hazard_verify` records when it closes a hazard.

A major hazard is closed only with its on-site acceptance: at least two participants (inspectors and experts,
each named with their role), the method, the conclusion, and any attachments (stored as Evidence). Closing
then produces the closure report PDF once, frozen with its SHA-256 (the database role may not change it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, NotFoundError
from organizations.models import Department, User
from organizations.scoping import Scope

from ..choices import AcceptanceMethod, AcceptanceRole, HazardLevel, HazardState
from ..closure_pdf import render_closure_report
from ..models import ClosureAcceptance, ClosureReport, HandoverReceipt, Hazard, Verification
from .evidence import evidence_store
from .permissions import covering_departments, handed_to_departments

MIN_PARTICIPANTS = 2


@dataclass(frozen=True)
class Acceptance:
    """A checked acceptance record, not yet written."""

    participants: list[dict[str, str]]
    method: str
    conclusion: str
    attachments: Sequence[UploadedFile]


def acceptance_check(
    *,
    hazard: Hazard,
    accepted: bool,
    participants: Sequence[Mapping[str, Any]],
    method: str,
    conclusion: str,
    attachments: Sequence[UploadedFile],
) -> Acceptance | None:
    """The acceptance to record with this verification, or a ValidationError naming the field.

    Required when a major hazard is accepted; recorded for a general one when given; ignored on rejection."""
    rows = [row for row in participants if any(str(value).strip() for value in row.values())]
    given = bool(rows or method or conclusion.strip() or attachments)
    if not accepted or (hazard.level != HazardLevel.MAJOR and not given):
        return None
    errors: dict[str, str] = {}
    cleaned = []
    for row in rows:
        name, role = str(row.get("name", "")).strip(), str(row.get("role", "")).strip()
        unit = str(row.get("unit", "")).strip()
        if not name or role not in AcceptanceRole.values or len(name) > 100 or len(unit) > 200:
            errors["participants"] = _(
                "Name every participant and say whether they are an inspector or an expert."
            )
            break
        cleaned.append({"name": name, "role": role, "unit": unit})
    else:
        if len(cleaned) < MIN_PARTICIPANTS:
            errors["participants"] = _("Name at least two participants of the on-site acceptance.")
    if method not in AcceptanceMethod.values:
        errors["method"] = _("Choose how the rectification was accepted.")
    if not conclusion.strip():
        errors["conclusion"] = _("Write the acceptance conclusion.")
    if errors:
        raise ValidationError(errors)
    return Acceptance(
        participants=cleaned, method=method, conclusion=conclusion.strip(), attachments=attachments
    )


def verifying_department(scope: Scope, hazard: Hazard) -> Department | None:
    """The department whose verification this is: the actor's department the hazard was handed over to, or
    covering it; for committee staff, the first department it was handed over to."""
    mine = handed_to_departments(scope, hazard) or covering_departments(scope, hazard)
    if mine:
        return Department.objects.get(pk=min(mine))
    receipt = (
        HandoverReceipt.objects.filter(tenant_id=hazard.tenant_id, handover__hazard=hazard)
        .select_related("department")
        .order_by("handover__created_at", "pk")
        .first()
    )
    return receipt.department if receipt is not None else None


def closure_record(
    *,
    actor: User,
    scope: Scope,
    hazard: Hazard,
    verification: Verification,
    acceptance: Acceptance,
    at: dt.datetime,
) -> ClosureReport:
    """Write the acceptance and its attachments, then generate the closure report once and freeze it.

    Called by hazard_verify inside its transaction, with the hazard locked and about to close."""
    record = ClosureAcceptance.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        verification=verification,
        department=verifying_department(scope, hazard),
        participants=acceptance.participants,
        method=acceptance.method,
        conclusion=acceptance.conclusion,
        created_at=at,
    )
    for upload in acceptance.attachments:
        evidence_store(actor=actor, upload=upload, hazard=hazard, acceptance=record, field="attachments")
    pdf = render_closure_report(closure_report_content(hazard, record, verification))
    return ClosureReport.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        acceptance=record,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        created_at=at,
    )


def _local(at: dt.datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def closure_report_content(
    hazard: Hazard, acceptance: ClosureAcceptance, verification: Verification
) -> dict[str, Any]:
    """Everything the report shows, from the ledger's own rows only."""
    criterion = hazard.criterion
    report = hazard.reports.order_by("-submitted_at", "-pk").first()
    listing = ""
    if hazard.listed:
        listing = " ".join(
            part
            for part in (hazard.listing_body, hazard.listing_document, str(hazard.listing_deadline or ""))
            if part
        )
    return {
        "hazard": {
            "code": hazard.code,
            "enterprise": hazard.enterprise.name,
            "credit_code": hazard.enterprise.credit_code,
            "region": hazard.region.name,
            "industry": hazard.industry.name,
            "title": hazard.title,
            "description": hazard.description,
            "location": hazard.location,
            "level": hazard.level,
            "criterion": f"{criterion.standard.name} {criterion.number} {criterion.text}"
            if criterion
            else "",
            "discovered_at": _local(hazard.discovered_at),
            "listing": listing,
            "responsible_person": hazard.responsible_person,
            "measures": hazard.measures,
            "funds": str(hazard.funds) if hazard.funds is not None else "",
            "deadline": str(hazard.deadline or ""),
            "contingency_plan": hazard.contingency_plan,
        },
        "report": report.report if report is not None else "",
        "acceptance": {
            "at": _local(verification.verified_at),
            "department": acceptance.department.name if acceptance.department else "",
            "verified_by": verification.verified_by.full_name or verification.verified_by.username,
            "method": acceptance.method,
            "conclusion": acceptance.conclusion,
            "note": verification.note,
        },
        "participants": acceptance.participants,
        "attachments": [
            {"name": item.original_name, "sha256": item.sha256}
            for item in acceptance.attachments.order_by("pk")
        ],
    }


def closure_report_get(*, hazard: Hazard) -> ClosureReport:
    """The hazard's latest closure report (the caller found the hazard in the actor's scope).

    409 while the hazard is not closed and has none (it is generated at closure); 404 when a closed hazard
    has none (a general hazard closed without an acceptance record, or closed before reports existed)."""
    report = (
        ClosureReport.objects.filter(tenant_id=hazard.tenant_id, hazard=hazard)
        .order_by("-created_at", "-pk")
        .first()
    )
    if report is not None:
        return report
    if hazard.state != HazardState.CLOSED:
        raise InvalidStateError(
            _("Hazard %(code)s is not closed: its closure report is generated when it is.")
            % {"code": hazard.code}
        )
    raise NotFoundError(_("Hazard %(code)s was closed without a closure report.") % {"code": hazard.code})

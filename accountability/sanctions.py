"""Sanctions without an accident: poor work is sanctionable on its own record.

A committee (of the subject's region or above) imposes a sanction from the catalogue on an official or on an
enterprise and cites the records that ground it. The records must exist, be in the committee's scope, lie in
the subject's region and show what the basis says:

- bottom_rank_twice — two assessments (regions' or departments') of the same unit in consecutive months, each
  at the bottom of its rank group (of more than one unit);
- overdue_major_hazards — major hazards past their deadline and not closed;
- unacknowledged_handovers — handover receipts past their deadline and not acknowledged;
- accident_reporting — accidents reported late, or found missed, false or concealed.

The evidence is kept with a summary of what each record said when cited. Nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import ensure_visible
from hazards.choices import HazardLevel, HazardState
from hazards.models import HandoverReceipt, Hazard
from organizations.models import Region, User

from .choices import REPORTING_VIOLATIONS, SanctionBasis, Track
from .models import Accident, DepartmentAssessment, RegionAssessment, Sanction, SanctionEvidence
from .services import _require_committee, check_kind

EVIDENCE_KINDS = ("region_assessment", "department_assessment", "hazard", "handover_receipt", "accident")
BASIS_EVIDENCE: dict[str, set[str]] = {
    SanctionBasis.BOTTOM_RANK_TWICE: {"region_assessment", "department_assessment"},
    SanctionBasis.OVERDUE_MAJOR_HAZARDS: {"hazard"},
    SanctionBasis.UNACKNOWLEDGED_HANDOVERS: {"handover_receipt"},
    SanctionBasis.ACCIDENT_REPORTING: {"accident"},
}


@dataclass(frozen=True)
class Cited:
    kind: str
    record: models.Model
    path: str  # the region path the record belongs to
    summary: str


def _visible(actor: User, kind: str, pk: int) -> tuple[models.Model, str] | None:
    """The record of that kind and id the actor may see, with its region path; None when there is none."""
    if kind == "region_assessment":
        ra = RegionAssessment.objects.visible_to(actor).select_related("region").filter(pk=pk).first()
        return (ra, ra.region_path) if ra else None
    if kind == "department_assessment":
        da = DepartmentAssessment.objects.visible_to(actor).select_related("department").filter(pk=pk).first()
        return (da, da.region_path) if da else None
    if kind == "hazard":
        hazard = Hazard.objects.visible_to(actor).filter(pk=pk).first()
        return (hazard, hazard.region_path) if hazard else None
    if kind == "handover_receipt":
        receipt = (
            HandoverReceipt.objects.filter(pk=pk, handover__hazard__in=Hazard.objects.visible_to(actor))
            .select_related("handover__hazard", "department__region")
            .first()
        )
        return (receipt, receipt.department.region.path) if receipt else None
    accident = Accident.objects.visible_to(actor).select_related("enterprise").filter(pk=pk).first()
    return (accident, accident.region_path) if accident else None


def _supports(basis: str, cited: list[Cited], today: dt.date) -> str | None:
    """Why the cited records do not show the basis, or None when they do."""
    if basis == SanctionBasis.BOTTOM_RANK_TWICE:
        rows: list[Any] = [c.record for c in cited]
        units = {
            (
                type(row).__name__,
                getattr(row, "region_id" if isinstance(row, RegionAssessment) else "department_id"),
            )
            for row in rows
        }
        if len(rows) < 2 or len(units) != 1:
            return _("Cite two assessments of the same unit.")
        if any(row.rank != row.rank_of or row.rank_of < 2 for row in rows):
            return _("Each cited assessment must be at the bottom of its rank group.")
        months = sorted(row.month for row in rows)
        for earlier, later in itertools.pairwise(months):
            if (earlier + dt.timedelta(days=32)).replace(day=1) != later:
                return _("The cited months must follow each other.")
        return None
    if basis == SanctionBasis.OVERDUE_MAJOR_HAZARDS:
        for c in cited:
            hazard: Any = c.record
            if hazard.level != HazardLevel.MAJOR or hazard.state in (
                HazardState.CLOSED,
                HazardState.WITHDRAWN,
            ):
                return _("%(code)s is not an open major hazard.") % {"code": hazard.code}
            if hazard.deadline is None or hazard.deadline >= today:
                return _("%(code)s is not past its deadline.") % {"code": hazard.code}
        return None
    if basis == SanctionBasis.UNACKNOWLEDGED_HANDOVERS:
        for c in cited:
            receipt: Any = c.record
            if receipt.acknowledged_at is not None or receipt.receipt_deadline >= today:
                return _("Handover %(receipt)s was acknowledged or is not yet due.") % {"receipt": receipt}
        return None
    for c in cited:
        accident: Any = c.record
        if accident.reporting not in REPORTING_VIOLATIONS:
            return _("The accident at %(name)s was reported on time.") % {"name": accident.enterprise.name}
    return None


def evidence_summary(kind: str, record: Any) -> str:
    """How a cited record reads in the sanction (kept as it was when cited)."""
    if kind == "region_assessment":
        return f"{record.region.name} {record.month:%Y-%m}: {record.rank}/{record.rank_of}, {record.score}"
    if kind == "department_assessment":
        return (
            f"{record.department.name} {record.month:%Y-%m}: {record.rank}/{record.rank_of}, {record.score}"
        )
    if kind == "hazard":
        return f"{record.code} {record.title[:100]} ({record.deadline})"
    if kind == "handover_receipt":
        return f"{record.handover.hazard.code} → {record.department.name} ({record.receipt_deadline})"
    when = f"{record.occurred_at:%Y-%m-%d}"
    return f"{record.enterprise.name} {when} {record.get_grade_display()} {record.get_reporting_display()}"


@transaction.atomic
def sanction_impose(
    *,
    actor: User,
    region: Region,
    track: str,
    kind: str,
    basis: str,
    subject: str,
    issuing_body: str,
    decided_on: dt.date,
    evidence: list[dict[str, Any]],
    amount: Decimal | None = None,
    note: str = "",
) -> Sanction:
    """Impose a sanction for poor work, citing the records that show it (see the module docstring)."""
    ensure_visible(actor, region)
    _require_committee(actor, region.path)
    if track not in Track.values:
        raise ValidationError({"track": _("Choose whom the sanction is for.")})
    if basis not in BASIS_EVIDENCE:
        raise ValidationError(
            {
                "basis": _(
                    "Choose the poor work the sanction rests on; an accident's sanctions go on its case."
                )
            }
        )
    check_kind(kind=kind, track=track, amount=amount)
    for field, value in (("subject", subject), ("issuing_body", issuing_body)):
        if not value.strip():
            raise ValidationError({field: _("This field is required.")})
    today = timezone.localdate()
    if decided_on > today:
        raise ValidationError({"decided_on": _("A decision cannot be dated in the future.")})
    if not evidence:
        raise ValidationError({"evidence": _("Cite the records the sanction rests on.")})
    cited: list[Cited] = []
    seen: set[tuple[str, int]] = set()
    for reference in evidence:
        kind_of, pk = reference.get("kind"), reference.get("id")
        if kind_of not in BASIS_EVIDENCE[basis] or not isinstance(pk, int):
            raise ValidationError(
                {
                    "evidence": _("This basis cites: %(kinds)s.")
                    % {"kinds": ", ".join(sorted(BASIS_EVIDENCE[basis]))}
                }
            )
        if (kind_of, pk) in seen:
            continue
        seen.add((kind_of, pk))
        found = _visible(actor, kind_of, pk)
        if found is None:
            raise ValidationError({"evidence": _("No %(kind)s #%(id)s.") % {"kind": kind_of, "id": pk}})
        record, path = found
        if not path.startswith(region.path):
            raise ValidationError(
                {"evidence": _("A cited record lies outside %(region)s.") % {"region": region.name}}
            )
        cited.append(Cited(kind_of, record, path, evidence_summary(kind_of, record)))
    problem = _supports(basis, cited, today)
    if problem:
        raise ValidationError({"evidence": problem})
    sanction = Sanction.objects.create(
        tenant_id=region.tenant_id,
        region=region,
        region_path=region.path,
        track=track,
        basis=basis,
        kind=kind,
        subject=subject,
        issuing_body=issuing_body,
        decided_on=decided_on,
        amount=amount,
        note=note,
        recorded_by=actor,
    )
    SanctionEvidence.objects.bulk_create(
        [
            SanctionEvidence(
                tenant_id=region.tenant_id, sanction=sanction, summary=c.summary[:300], **{c.kind: c.record}
            )
            for c in cited
        ]
    )
    return sanction

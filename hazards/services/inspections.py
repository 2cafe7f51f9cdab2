"""Discovery: enterprise self-inspections against their checklist, and department inspections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from core.months import first_of_month
from core.scoping import ensure_visible
from organizations.choices import DEPARTMENT_ROLES
from organizations.models import Department, Enterprise, User
from organizations.scoping import scope_for, tenant_of

from ..choices import (
    GENERAL_CHECKLIST,
    HazardCategory,
    HazardLevel,
    HazardSource,
    InspectionKind,
    ItemResult,
    SelfInspectionStatus,
    StopProduction,
)
from ..models import Criterion, Evidence, Inspection, SelfInspection, SelfInspectionItem
from .evidence import evidence_store
from .ledger import hazard_report


@dataclass(frozen=True)
class ChecklistLine:
    key: str  # "C<criterion id>" or a general code such as "GEN-1"
    label: str
    criterion_id: int | None
    general_code: str


def checklist_for(enterprise: Enterprise) -> list[ChecklistLine]:
    """The enterprise's checklist: criteria of the current standards of its industries, then general items."""
    english = (get_language() or "").startswith("en")
    codes = list(enterprise.industries.values_list("code", flat=True))
    criteria = Criterion.objects.filter(
        standard__industry_code__in=codes, standard__is_current=True
    ).order_by("standard__industry_code", "standard_id", "id")
    lines = [ChecklistLine(f"C{c.pk}", c.display_text, c.pk, "") for c in criteria]
    lines += [ChecklistLine(code, en if english else zh, None, code) for code, zh, en in GENERAL_CHECKLIST]
    return lines


def _require_enterprise_member(actor: User, enterprise: Enterprise) -> None:
    ensure_visible(actor, enterprise)
    if enterprise.pk not in scope_for(actor).enterprise_ids:
        raise PermissionDeniedError(_("Only the enterprise's officer or head files its self-inspection."))


@transaction.atomic
def self_inspection_open(*, actor: User, enterprise: Enterprise, period: dt.date) -> SelfInspection:
    """The month's self-inspection, started as a draft on first use."""
    _require_enterprise_member(actor, enterprise)
    period = first_of_month(period)
    if period > first_of_month(timezone.localdate()):
        raise ValidationError({"period": _("A self-inspection cannot be filed for a future month.")})
    inspection, _created = SelfInspection.objects.get_or_create(
        tenant_id=enterprise.tenant_id,
        enterprise=enterprise,
        period=period,
        defaults={"created_by": actor, "region_path": enterprise.region_path},
    )
    return inspection


@transaction.atomic
def self_inspection_save(
    *,
    actor: User,
    self_inspection: SelfInspection,
    answers: dict[str, dict[str, str]],
    extra_hazards: Sequence[dict[str, Any]] = (),
    note: str | None = None,
) -> SelfInspection:
    """Save answers to a draft: {line key: {"result", "category", "description", "location"}}, plus free-form
    hazards {"category", "description", "location", "photos": [uploads]}. A line answered "hazard" needs its
    category by submission; a free-form hazard needs it at once."""
    locked = SelfInspection.objects.select_for_update(of=("self",)).get_visible(actor, pk=self_inspection.pk)
    _require_enterprise_member(actor, locked.enterprise)
    if locked.status != SelfInspectionStatus.DRAFT:
        raise InvalidStateError(_("This self-inspection has been submitted and can no longer change."))
    lines = {line.key: line for line in checklist_for(locked.enterprise)}
    errors: dict[str, str] = {}
    for key, answer in answers.items():
        if key not in lines:
            errors[key] = _("Not an item of this enterprise's checklist.")
        elif answer.get("result") not in ItemResult.values:
            errors[key] = _("Mark the item ok, hazard or not applicable.")
        elif answer.get("category", "") not in ("", *HazardCategory.values):
            errors[key] = _("Choose equipment or facility, behaviour, management or environment.")
    for index, extra in enumerate(extra_hazards):
        if not str(extra.get("description", "")).strip() or not str(extra.get("location", "")).strip():
            errors[f"extra_{index}"] = _("Describe the hazard and say where it is.")
        elif extra.get("category") not in HazardCategory.values:
            errors[f"extra_{index}"] = _("Choose the hazard's category.")
    if errors:
        raise ValidationError(errors)
    for key, answer in answers.items():
        line = lines[key]
        # criterion_id is None for a general item; the lookup finds the one row per checklist line.
        lookup: dict[str, Any] = {
            "tenant_id": locked.tenant_id,
            "self_inspection": locked,
            "criterion_id": line.criterion_id,
            "general_code": line.general_code,
        }
        SelfInspectionItem.objects.update_or_create(
            **lookup,
            defaults={
                "label": line.label,
                "result": answer["result"],
                # Only a hazard has a category; an answer changed to ok or n.a. drops it.
                "category": answer.get("category", "") if answer["result"] == ItemResult.HAZARD else "",
                "description": answer.get("description", ""),
                "location": answer.get("location", ""),
            },
        )
    for extra in extra_hazards:
        item = SelfInspectionItem.objects.create(
            tenant_id=locked.tenant_id,
            self_inspection=locked,
            label=str(extra["description"])[:200],
            result=ItemResult.HAZARD,
            category=str(extra["category"]),
            description=str(extra["description"]),
            location=str(extra["location"]),
        )
        for photo in extra.get("photos", ()):
            evidence_store(actor=actor, upload=photo, item=item)
    if note is not None:
        locked.note = note
        locked.save(update_fields=["note"])
    return locked


@transaction.atomic
def self_inspection_submit(
    *, actor: User, self_inspection: SelfInspection, now: dt.datetime | None = None
) -> SelfInspection:
    """The enterprise head submits: every hazard item becomes a ledger record in `reported`.

    A hazard item that is a criterion of a determination standard keeps the criterion and is reported as
    major (`proposed_level`), which tells the regulators at once (hazard_report)."""
    at = now or timezone.now()
    locked = SelfInspection.objects.select_for_update(of=("self",)).get_visible(actor, pk=self_inspection.pk)
    enterprise = locked.enterprise
    if enterprise.pk not in scope_for(actor).head_enterprise_ids:
        raise PermissionDeniedError(_("Only the enterprise head submits the self-inspection."))
    if locked.status != SelfInspectionStatus.DRAFT:
        raise InvalidStateError(_("This self-inspection has already been submitted."))
    items = list(locked.items.select_related("criterion__standard"))
    answered = {item.criterion_id or item.general_code for item in items}
    missing = [
        line for line in checklist_for(enterprise) if (line.criterion_id or line.general_code) not in answered
    ]
    if missing:
        raise ValidationError(
            {
                "items": _("%(count)d checklist item(s) are not marked yet, e.g. “%(first)s”.")
                % {"count": len(missing), "first": missing[0].label[:60]}
            }
        )
    for item in items:
        if item.result != ItemResult.HAZARD:
            continue
        if not item.location.strip():
            raise ValidationError(
                {"items": _("Say where the hazard “%(item)s” is.") % {"item": item.label[:60]}}
            )
        if not item.category:
            raise ValidationError(
                {"items": _("Choose the category of the hazard “%(item)s”.") % {"item": item.label[:60]}}
            )
        hazard = hazard_report(
            actor=actor,
            enterprise=enterprise,
            title=item.label[:200],
            description=item.description or item.label,
            location=item.location,
            category=item.category,
            level=HazardLevel.MAJOR if item.criterion_id else "",
            criterion=item.criterion,
            source=HazardSource.SELF_INSPECTION,
            self_inspection=locked,
            now=at,
        )
        Evidence.objects.filter(self_inspection_item=item).update(hazard=hazard)
    locked.status = SelfInspectionStatus.SUBMITTED
    locked.submitted_by, locked.submitted_at = actor, at
    locked.save(update_fields=["status", "submitted_by", "submitted_at"])
    return locked


@transaction.atomic
def inspection_record(
    *,
    actor: User,
    enterprise: Enterprise,
    date: dt.date,
    kind: str,
    inspectors: Sequence[User] = (),
    summary: str = "",
    rectification_order: bool = False,
    stop_production: str = StopProduction.NONE,
    fine_amount: Decimal = Decimal("0"),
    findings: Sequence[dict[str, Any]] = (),
    department: Department | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    """An inspector logs an inspection; each finding becomes a hazard that starts `confirmed` with its grade.

    A finding is {"title", "description", "location", "category", "level", "criterion", "industry", "photos"}.
    """
    ensure_visible(actor, enterprise)
    scope = scope_for(actor)
    if not scope.roles & DEPARTMENT_ROLES:
        raise PermissionDeniedError(_("Only inspectors log inspections."))
    if department is None:
        department = Department.objects.filter(pk__in=scope.department_ids).order_by("pk").first()
    if department is None or department.pk not in scope.department_ids:
        raise ValidationError({"department": _("Log the inspection for a department you belong to.")})
    if kind not in InspectionKind.values:
        raise ValidationError({"kind": _("Choose the kind of inspection.")})
    if stop_production not in StopProduction.values:
        raise ValidationError({"stop_production": _("Choose none, partial or full.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("An inspection cannot be dated in the future.")})
    if fine_amount < 0:
        raise ValidationError({"fine_amount": _("A fine cannot be negative.")})
    team = {actor.pk: actor}
    for person in inspectors:
        ensure_visible(actor, person)
        if person.tenant_id != actor.tenant_id:
            raise ValidationError({"inspectors": _("Inspectors must belong to your tenant.")})
        team[person.pk] = person
    inspection = Inspection.objects.create(
        tenant_id=tenant_of(actor),
        enterprise=enterprise,
        region_path=enterprise.region_path,
        department=department,
        date=date,
        kind=kind,
        summary=summary,
        rectification_order=rectification_order,
        stop_production=stop_production,
        fine_amount=fine_amount,
        created_by=actor,
    )
    inspection.inspectors.set(list(team.values()))
    at = now or timezone.now()
    for index, finding in enumerate(findings):
        try:
            hazard_report(
                actor=actor,
                enterprise=enterprise,
                title=finding.get("title", ""),
                description=finding.get("description", ""),
                location=finding.get("location", ""),
                category=finding.get("category", ""),
                industry=finding.get("industry"),
                level=finding.get("level") or "general",
                criterion=finding.get("criterion"),
                source=HazardSource.INSPECTION,
                inspection=inspection,
                photos=finding.get("photos", ()),
                now=at,
            )
        except ValidationError as error:
            raise ValidationError({f"findings[{index}]": error.messages}) from None
    return inspection

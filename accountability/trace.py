"""The trace of "one case, three investigations": what the ledger held about the enterprise before the
accident, and what should have been found or rectified but was not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from core.months import months_before
from hazards.choices import HazardAction, HazardLevel, HazardSource, SelfInspectionStatus
from hazards.enforcement import suspended_months
from hazards.models import HandoverReceipt, Hazard, HazardEvent, Inspection, SelfInspection

from .models import Accident

LOOKBACK_MONTHS = 6


def _day(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).date().isoformat() if moment else None


def _status_at(hazard: Hazard, at: dt.datetime, withdrawn_at: dt.datetime | None) -> str:
    """Where the hazard stood at the moment of the accident."""
    if withdrawn_at and withdrawn_at < at:
        return "withdrawn"
    if hazard.closed_at and hazard.closed_at < at:
        return "closed"
    if hazard.deadline and hazard.deadline < timezone.localtime(at).date():
        return "overdue"
    return "open"


def assemble_trace(accident: Accident) -> dict[str, Any]:
    at = accident.occurred_at
    day = timezone.localtime(at).date()
    hazards = list(
        Hazard.objects.filter(
            tenant_id=accident.tenant_id, enterprise=accident.enterprise, discovered_at__lt=at
        )
        .select_related("criterion__standard")
        .order_by("discovered_at")
    )
    withdrawn = dict(
        HazardEvent.objects.filter(hazard__in=hazards, action=HazardAction.WITHDRAW).values_list(
            "hazard_id", "created_at"
        )
    )
    listed_at = dict(
        HazardEvent.objects.filter(hazard__in=hazards, action=HazardAction.LIST_SUPERVISION).values_list(
            "hazard_id", "created_at"
        )
    )
    rows = []
    for hazard in hazards:
        rows.append(
            {
                "code": hazard.code,
                "title": hazard.title,
                "level": hazard.level,
                "source": hazard.source,
                "found": _day(hazard.discovered_at),
                "deadline": hazard.deadline.isoformat() if hazard.deadline else None,
                "closed": _day(hazard.closed_at),
                "state_now": hazard.state,
                "status_at_accident": _status_at(hazard, at, withdrawn.get(hazard.pk)),
                "listed_before": bool(hazard.pk in listed_at and listed_at[hazard.pk] < at),
                "criterion": f"{hazard.criterion.standard.document_number} {hazard.criterion.number}"
                if hazard.criterion
                else "",
            }
        )
    self_inspections = list(
        SelfInspection.objects.filter(
            tenant_id=accident.tenant_id, enterprise=accident.enterprise, period__lte=day
        ).order_by("period")
    )
    inspections = list(
        Inspection.objects.filter(tenant_id=accident.tenant_id, enterprise=accident.enterprise, date__lte=day)
        .select_related("department")
        .order_by("date")
    )
    receipts = list(
        HandoverReceipt.objects.filter(
            handover__hazard__in=hazards, handover__created_at__lt=at
        ).select_related("department", "handover__hazard")
    )
    # Months an enforcement order kept the enterprise suspended owe no self-inspection.
    excused = suspended_months(
        tenant_id=accident.tenant_id,
        enterprise_id=accident.enterprise_id,
        months=months_before(day, LOOKBACK_MONTHS),
    )
    return {
        "accident": {"enterprise": accident.enterprise.name, "occurred": _day(at), "deaths": accident.deaths},
        "hazards": rows,
        "self_inspections": [
            {
                "month": si.period.strftime("%Y-%m"),
                "status": si.status,
                "hazards_reported": si.hazards.count(),
            }
            for si in self_inspections
        ],
        "inspections": [
            {
                "date": i.date.isoformat(),
                "kind": i.kind,
                "department": i.department.name,
                "findings": i.hazards.count(),
            }
            for i in inspections
        ],
        "handovers": [
            {
                "hazard": r.handover.hazard.code,
                "department": r.department.name,
                "acknowledged_before": bool(r.acknowledged_at and r.acknowledged_at < at),
            }
            for r in receipts
        ],
        "flags": _flags(rows, self_inspections, hazards, receipts, at, day, excused),
    }


def _flags(
    rows: list[dict[str, Any]],
    self_inspections: list[SelfInspection],
    hazards: list[Hazard],
    receipts: list[HandoverReceipt],
    at: dt.datetime,
    day: dt.date,
    excused: set[dt.date],
) -> list[dict[str, Any]]:
    """What should have been found or rectified but was not."""
    flags: list[dict[str, Any]] = []
    for row in rows:
        if row["level"] == HazardLevel.MAJOR and row["status_at_accident"] in {"open", "overdue"}:
            flags.append({"kind": "major_open", "hazard": row["code"]})
        if row["status_at_accident"] == "overdue":
            flags.append({"kind": "overdue", "hazard": row["code"]})
    flags += [
        {
            "kind": "handover_not_acknowledged",
            "hazard": r.handover.hazard.code,
            "department": r.department.name,
        }
        for r in receipts
        if not (r.acknowledged_at and r.acknowledged_at < at)
    ]
    filed = {si.period for si in self_inspections if si.status == SelfInspectionStatus.SUBMITTED}
    flags += [
        {"kind": "self_inspection_missing", "month": month.strftime("%Y-%m")}
        for month in months_before(day, LOOKBACK_MONTHS)
        if month not in filed and month not in excused
    ]
    reported_by_month: dict[dt.date, int] = {si.period: si.hazards.count() for si in self_inspections}
    for hazard in hazards:  # the self-inspection gap: departments found majors the enterprise did not report
        month = timezone.localtime(hazard.discovered_at).date().replace(day=1)
        if (
            hazard.level == HazardLevel.MAJOR
            and hazard.source == HazardSource.INSPECTION
            and month in filed
            and reported_by_month.get(month, 0) == 0
        ):
            flags.append(
                {"kind": "self_inspection_gap", "hazard": hazard.code, "month": month.strftime("%Y-%m")}
            )
    return flags

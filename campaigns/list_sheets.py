"""The stored lists (institutional measures, risks) as XLSX sheets, like the table of tasks: written through
core.spreadsheets (no text becomes a formula), imported all-or-nothing with a per-row report. Only
those who run the campaign import, checked before the upload is opened."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from core.spreadsheets import WorkbookWriter, restored
from core.workbooks import check_workbook
from organizations.models import Department, Region, User

from .choices import ListKind
from .models import Campaign, InstitutionalMeasure, Risk
from .plan_services import measure_create, risk_create
from .services import require_campaign_runner
from .task_sheets import _cell_date

COMMON = ["number", "title", "description", "owner", "responsible_position", "due_date", "state"]
COLUMNS: dict[str, list[str]] = {
    ListKind.MEASURES: [*COMMON, "document_number", "document_date", "document_issuer"],
    ListKind.RISKS: [*COMMON, "level", "controls"],
}


def entries_of(campaign: Campaign, kind: str) -> Iterable[InstitutionalMeasure | Risk]:
    """The campaign's entries of a stored list (the campaign is already in the caller's scope)."""
    manager = campaign.institutional_measures if kind == ListKind.MEASURES else campaign.risks
    return manager.select_related("owner_department", "owner_region").order_by("id")


def _owner_cell(entry: InstitutionalMeasure | Risk) -> str:
    if entry.owner_department is not None:
        return entry.owner_department.name
    return entry.owner_region.code if entry.owner_region is not None else ""


def _owner_name(entry: InstitutionalMeasure | Risk) -> str:
    """A region owner by name (the owner column keeps its code, which an import reads)."""
    return entry.owner_region.display_name if entry.owner_region is not None else ""


def entry_row(entry: InstitutionalMeasure | Risk) -> list[Any]:
    row: list[Any] = [
        entry.number,
        entry.title,
        entry.description,
        _owner_cell(entry),
        entry.responsible_position,
        entry.due_date,
        entry.state,
    ]
    if isinstance(entry, InstitutionalMeasure):
        row += [entry.document_number, entry.document_date, entry.document_issuer]
    else:
        row += [entry.level, entry.controls]
    return [*row, _owner_name(entry)]


def append_list_sheet(workbook: WorkbookWriter, campaign: Campaign, kind: str) -> None:
    sheet = workbook.sheet(kind)
    sheet.append([*COLUMNS[kind], "owner_region_name"])
    for entry in entries_of(campaign, kind):
        sheet.append(entry_row(entry))


def list_export(campaign: Campaign, kind: str) -> bytes:
    workbook = WorkbookWriter()
    append_list_sheet(workbook, campaign, kind)
    return workbook.to_bytes()


def _rows(content: bytes, kind: str) -> list[tuple[Any, ...]]:
    check_workbook(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ValidationError({"file": _("This is not an Excel workbook (.xlsx).")}) from None
    # The sheet named for the list (as in the one-table-four-lists workbook), else the first one.
    sheet = workbook[kind] if kind in workbook.sheetnames else workbook.worksheets[0]
    return list(sheet.iter_rows(values_only=True))


@transaction.atomic
def list_import(*, actor: User, campaign: Campaign, kind: str, content: bytes) -> list[dict[str, Any]]:
    """Import every row of a measures or risks sheet, or none. Returns the per-row errors."""
    if kind not in COLUMNS:
        raise ValidationError({"kind": _("Only the measures and risks lists are imported.")})
    require_campaign_runner(actor, campaign)  # a role that may not import never has its workbook opened
    rows = _rows(content, kind)
    header = [str(cell or "").strip().lower() for cell in (rows[0] if rows else ())]
    required = {"number", "title", "owner", "responsible_position", "due_date"}
    if not required <= set(header):
        raise ValidationError(
            {"file": _("The first row must name the columns %(columns)s.") % {"columns": ", ".join(COMMON)}}
        )
    departments = {d.name: d for d in Department.objects.visible_to(actor)}
    regions = {r.code: r for r in Region.objects.visible_to(actor)}
    errors: list[dict[str, Any]] = []
    savepoint = transaction.savepoint_create()
    for number, values in enumerate(rows[1:], start=2):
        record = {
            column: ("" if value is None else restored(value) if isinstance(value, str) else value)
            for column, value in zip(header, values, strict=False)
        }
        if not any(str(value).strip() for value in record.values()):
            continue
        due = _cell_date(record.get("due_date", ""))
        if due is None:
            errors.append(
                {"row": number, "field": "due_date", "message": _("Give the due date as YYYY-MM-DD.")}
            )
            continue
        owner = str(record.get("owner", "")).strip()
        department, region = departments.get(owner), regions.get(owner)
        if department is None and region is None:
            errors.append(
                {
                    "row": number,
                    "field": "owner",
                    "message": _("Unknown department or region: %(names)s.") % {"names": owner},
                }
            )
            continue
        fields: dict[str, Any] = {
            "actor": actor,
            "campaign": campaign,
            "number": str(record.get("number", "")),
            "title": str(record.get("title", "")),
            "description": str(record.get("description", "")),
            "responsible_position": str(record.get("responsible_position", "")),
            "due_date": due,
            "owner_department": department,
            "owner_region": None if department else region,
            "state": str(record.get("state") or "open").strip(),
        }
        try:
            if kind == ListKind.MEASURES:
                raw_date = record.get("document_date", "")
                document_date = _cell_date(raw_date) if str(raw_date).strip() else None
                if str(raw_date).strip() and document_date is None:
                    raise ValidationError({"document_date": _("Give the date as YYYY-MM-DD.")})
                measure_create(
                    **fields,
                    document_number=str(record.get("document_number", "")),
                    document_date=document_date,
                    document_issuer=str(record.get("document_issuer", "")),
                )
            else:
                risk_create(
                    **fields,
                    level=str(record.get("level") or "high").strip(),
                    controls=str(record.get("controls", "")),
                )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.append({"row": number, "field": field, "message": " ".join(messages)})
    if errors:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return errors

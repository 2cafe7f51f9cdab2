"""The table of tasks as an XLSX sheet: export it (through core.spreadsheets, so no title becomes a
formula), and import it all-or-nothing with a per-row report. Only those who run the campaign import, and
that is checked before the upload is opened."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from core.spreadsheets import WorkbookWriter, restored
from core.workbooks import check_workbook
from organizations.models import Department, Region, User

from .models import Campaign, Task
from .services import require_campaign_runner, task_create

COLUMNS = ["number", "parent", "title", "description", "due_date", "weight", "departments", "regions"]
_SEPARATORS = re.compile("[,\uff0c;\uff1b\u3001\\n]+")


def tasks_export(campaign: Campaign) -> bytes:
    workbook = WorkbookWriter()
    append_tasks_sheet(workbook, campaign)
    return workbook.to_bytes()


def append_tasks_sheet(workbook: WorkbookWriter, campaign: Campaign) -> None:
    """The table of tasks as a sheet named "tasks" (also the first sheet of the one-table-four-lists book)."""
    sheet = workbook.sheet("tasks")
    # The regions by name after the columns an import reads (which name them by code, the stable key).
    sheet.append([*COLUMNS, "status", "percent", "region_names"])
    tasks = campaign.tasks.select_related("parent").prefetch_related("departments", "regions").order_by("id")
    for task in tasks:
        sheet.append(
            [
                task.number,
                task.parent.number if task.parent else "",
                task.title,
                task.description,
                task.due_date,
                float(task.weight),
                "、".join(d.name for d in task.departments.all()),
                "、".join(r.code for r in task.regions.all()),
                task.status,
                task.percent,
                "、".join(r.display_name for r in task.regions.all()),
            ]
        )


def _cell_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


@transaction.atomic
def tasks_import(*, actor: User, campaign: Campaign, content: bytes) -> list[dict[str, Any]]:
    """Import every row or none. Returns the per-row errors (empty when all rows were imported)."""
    require_campaign_runner(actor, campaign)  # a role that may not import never has its workbook opened
    check_workbook(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ValidationError({"file": _("This is not an Excel workbook (.xlsx).")}) from None
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header = [str(cell or "").strip().lower() for cell in (rows[0] if rows else ())]
    if "number" not in header or "title" not in header or "due_date" not in header:
        raise ValidationError({"file": _("The first row must name the columns number, title and due_date.")})
    departments = {d.name: d for d in Department.objects.visible_to(actor)}
    regions = {r.code: r for r in Region.objects.visible_to(actor)}
    errors: list[dict[str, Any]] = []
    created: dict[str, Task] = {task.number: task for task in campaign.tasks.all()}
    savepoint = transaction.savepoint_create()
    for number, values in enumerate(rows[1:], start=2):
        record = {
            column: ("" if value is None else restored(value) if isinstance(value, str) else value)
            for column, value in zip(header, values, strict=False)
        }
        if not any(str(value).strip() for value in record.values()):
            continue

        def fail(field: str, message: str, row: int = number) -> None:
            errors.append({"row": row, "field": field, "message": message})

        due = _cell_date(record.get("due_date", ""))
        if due is None:
            fail("due_date", _("Give the due date as YYYY-MM-DD."))
        try:
            weight = Decimal(str(record.get("weight") or "1"))
        except InvalidOperation:
            fail("weight", _("The weight must be a number."))
            weight = Decimal("1")
        units_d = [name for name in _SEPARATORS.split(str(record.get("departments", ""))) if name.strip()]
        units_r = [code for code in _SEPARATORS.split(str(record.get("regions", ""))) if code.strip()]
        unknown = [n for n in units_d if n.strip() not in departments] + [
            c for c in units_r if c.strip() not in regions
        ]
        if unknown:
            fail("departments", _("Unknown department or region: %(names)s.") % {"names": ", ".join(unknown)})
        parent_number = str(record.get("parent", "")).strip()
        parent = created.get(parent_number) if parent_number else None
        if parent_number and parent is None:
            fail("parent", _("No task %(number)s above this row.") % {"number": parent_number})
        if (errors and errors[-1]["row"] == number) or due is None:
            continue
        try:
            task = task_create(
                actor=actor,
                campaign=campaign,
                number=str(record.get("number", "")),
                title=str(record.get("title", "")),
                description=str(record.get("description", "")),
                due_date=due,
                weight=weight,
                parent=parent,
                departments=[departments[n.strip()] for n in units_d],
                regions=[regions[c.strip()] for c in units_r],
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                fail(field, " ".join(messages))
            continue
        created[task.number] = task
    if errors:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return errors

"""Bulk enterprise import from XLSX: every row is validated first, then all rows are imported or none."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from core.progress import ProgressWriter
from core.spreadsheets import WorkbookWriter, restored
from core.stalled_jobs import JobKind, Recovery, recover_stalled, recover_stalled_all_tenants
from core.workbooks import check_workbook

from .audit import audit_record
from .choices import (
    DIRECTORY_MANAGER_ROLES,
    KEY_INDUSTRIES,
    AuditAction,
    EnterpriseScale,
    EnterpriseStatus,
    ImportStatus,
)
from .models import Enterprise, EnterpriseImport, Industry, Region, Tenant, User
from .scoping import Scope, require_role, scope_for, tenant_of
from .validators import validate_credit_code

COLUMNS = ["name", "credit_code", "region_code", "industries", "address", "scale", "status"]
REQUIRED = {"name", "credit_code", "region_code", "industries"}
PROGRESS_EVERY = 1000
# ASCII and full-width commas and semicolons, the enumeration comma, and spaces.
_LIST_SEPARATORS = re.compile("[,\uff0c;\uff1b\u3001\\s]+")


def _choice_lookup(choices: Any) -> dict[str, str]:
    """Accept a choice by code, English label or Chinese label, case-insensitively."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                lookup[str(label).lower()] = value
    return lookup


def require_importer(actor: User) -> Scope:
    """Refuse (403) a role that may not import. Asked first, before anything of an upload is read, so that
    a file from someone who may not import is never opened, however large or malformed it is."""
    return require_role(
        actor, DIRECTORY_MANAGER_ROLES, _("Only committee staff and tenant admins manage the directory.")
    )


def enterprise_import_template() -> bytes:
    """An XLSX with the expected header, one example row and a sheet of valid codes."""
    workbook = WorkbookWriter()
    sheet = workbook.sheet("enterprises")
    sheet.append(COLUMNS)
    sheet.append(
        [
            "大连示例化工有限公司",
            "914403001922038216",
            "210211",
            "hazardous_chemicals",
            "甘井子区示例路1号",
            "medium",
            "operating",
        ]
    )
    codes = workbook.sheet("codes")
    codes.append(["industries", "scale", "status"])
    scales, statuses = EnterpriseScale.values, EnterpriseStatus.values
    for index, (code, _zh, _en) in enumerate(KEY_INDUSTRIES):
        codes.append(
            [
                code,
                scales[index] if index < len(scales) else None,
                statuses[index] if index < len(statuses) else None,
            ]
        )
    return workbook.to_bytes()


@transaction.atomic
def enterprise_import_start(*, actor: User, file_name: str, content: bytes) -> EnterpriseImport:
    """Check the upload is an XLSX workbook and queue it; the worker validates and imports it."""
    require_importer(actor)
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB.")
                % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            }
        )
    check_workbook(content)
    job = EnterpriseImport.objects.create(
        tenant_id=tenant_of(actor),
        created_by=actor,
        file_name=file_name[:255],
        content=content,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    from .tasks import enterprise_import_task  # here, not at the top: the tasks module imports this one

    transaction.on_commit(lambda: enterprise_import_task.delay(job.pk, job.tenant_id))
    return job


def _rows(content: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell or "").strip().lower() for cell in next(rows, ())]
    missing = [column for column in COLUMNS if column in REQUIRED and column not in header]
    if missing:
        raise ValidationError(
            _("The first row must name the columns; missing: %(cols)s.") % {"cols": ", ".join(missing)}
        )
    for number, values in enumerate(rows, start=2):
        record = {
            column: ("" if value is None else restored(str(value)).strip())
            for column, value in zip(header, values, strict=False)
            if column in COLUMNS
        }
        if any(record.values()):
            yield number, record
    workbook.close()


class _RowValidator:
    """Validates rows against the tenant's directory, loaded once (no query per row)."""

    def __init__(self, actor: User) -> None:
        scope = scope_for(actor)
        tenant_id = tenant_of(actor)
        self.regions = {region.code: region for region in Region.objects.visible_to(actor)}
        self.paths = None if scope.is_tenant_admin else scope.committee_paths
        self.industries: dict[str, Industry] = {}
        for industry in Industry.objects.visible_to(actor):
            self.industries[industry.code.lower()] = industry
            self.industries[industry.name.lower()] = industry
            if industry.name_en:
                self.industries[industry.name_en.lower()] = industry
        self.existing_codes = set(
            Enterprise.objects.filter(tenant_id=tenant_id).values_list("credit_code", flat=True)
        )
        self.seen_codes: dict[str, int] = {}
        self.scales = _choice_lookup(EnterpriseScale)
        self.statuses = _choice_lookup(EnterpriseStatus)

    def validate(
        self, number: int, record: dict[str, str]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        errors: list[dict[str, Any]] = []

        def fail(field: str, message: str) -> None:
            errors.append({"row": number, "field": field, "message": message})

        for column in sorted(REQUIRED):
            if not record.get(column):
                fail(column, _("This value is required."))
        name = record.get("name", "")
        if len(name) > 200:
            fail("name", _("At most 200 characters."))
        code = record.get("credit_code", "").upper()
        if code:
            try:
                validate_credit_code(code)
            except ValidationError as error:
                fail("credit_code", " ".join(error.messages))
            else:
                if code in self.existing_codes:
                    fail("credit_code", _("An enterprise with this credit code is already registered."))
                elif code in self.seen_codes:
                    fail(
                        "credit_code", _("Same credit code as row %(row)d.") % {"row": self.seen_codes[code]}
                    )
                self.seen_codes.setdefault(code, number)
        region = self.regions.get(record.get("region_code", ""))
        if record.get("region_code") and region is None:
            fail("region_code", _("No region with code %(code)s.") % {"code": record["region_code"]})
        elif region is not None and self.paths is not None and not region.path.startswith(tuple(self.paths)):
            fail("region_code", _("%(region)s is outside the regions you manage.") % {"region": region})
        industries = []
        for token in _LIST_SEPARATORS.split(record.get("industries", "")):
            if token:
                industry = self.industries.get(token.lower())
                if industry is None:
                    fail("industries", _("Unknown industry %(code)s.") % {"code": token})
                else:
                    industries.append(industry)
        scale = (
            self.scales.get(record.get("scale", "").lower()) if record.get("scale") else EnterpriseScale.SMALL
        )
        if scale is None:
            fail("scale", _("Use one of: %(values)s.") % {"values": ", ".join(EnterpriseScale.values)})
        status = (
            self.statuses.get(record.get("status", "").lower())
            if record.get("status")
            else EnterpriseStatus.OPERATING
        )
        if status is None:
            fail("status", _("Use one of: %(values)s.") % {"values": ", ".join(EnterpriseStatus.values)})
        if errors:
            return None, errors
        assert region is not None
        return {
            "name": name,
            "credit_code": code,
            "region": region,
            "address": record.get("address", "")[:300],
            "scale": scale,
            "status": status,
            "industries": industries,
        }, []


def enterprise_import_claim(*, import_id: int) -> int | None:
    """Only one worker runs a given import, however often the task is delivered. The worker claims in a
    transaction of its own, before the import's: the job row is then not locked while the import runs, and
    its progress (written on a connection of its own, core.progress) is seen as it moves. Returns the
    attempt claimed (1 the first time), or None when the import was not waiting."""
    claimed = EnterpriseImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return int(EnterpriseImport.objects.values_list("attempts", flat=True).get(pk=import_id))


def enterprise_import_run(*, import_id: int) -> EnterpriseImport:
    """Claim the job, then validate every row and import all of them in one transaction, or none with a
    per-row report."""
    attempt = enterprise_import_claim(import_id=import_id)
    if attempt is None:
        return EnterpriseImport.objects.get(pk=import_id)
    return enterprise_import_process(import_id=import_id, attempt=attempt)


def enterprise_import_process(*, import_id: int, attempt: int | None = None) -> EnterpriseImport:
    """Run a claimed job (enterprise_import_claim; its attempt, the job's latest when not given)."""
    job = EnterpriseImport.objects.select_related("created_by").get(pk=import_id)
    with translation.override(job.language):
        return _run(job, job.attempts if attempt is None else attempt)


def _still_this_attempts(job: EnterpriseImport, attempt: int) -> bool:
    """Lock the job row for the rest of the import's transaction, if the job is still this attempt's: one
    taken for dead meanwhile and queued again (enterprise_import_recover_stalled) is the next attempt's,
    and the recovery passes over a row locked here."""
    return (
        EnterpriseImport.objects.select_for_update()
        .filter(pk=job.pk, status=ImportStatus.RUNNING, attempts=attempt)
        .exists()
    )


def _run(job: EnterpriseImport, attempt: int) -> EnterpriseImport:
    try:
        valid, errors = _validate_all(job)
    except ValidationError as error:
        valid, errors = [], [{"row": 1, "field": "file", "message": " ".join(error.messages)}]
    except Exception:  # a workbook openpyxl cannot read is a user error, not a crash
        valid, errors = [], [{"row": 0, "field": "file", "message": _("The workbook could not be read.")}]
    with transaction.atomic():  # the job row's lock (the attempt's check) held until its rows are written
        return _import_rows(job, attempt, valid, errors)


def _import_rows(
    job: EnterpriseImport, attempt: int, valid: list[dict[str, Any]], errors: list[dict[str, Any]]
) -> EnterpriseImport:
    """Import the validated rows, or record the errors — if the job is still this attempt's."""
    if not _still_this_attempts(job, attempt):
        job.refresh_from_db()
        return job
    if errors or not valid:
        if not errors:
            errors = [{"row": 0, "field": "file", "message": _("The workbook has no data rows.")}]
        return _finish(job, ImportStatus.FAILED, errors=errors)
    created = Enterprise.objects.bulk_create(
        [
            Enterprise(
                tenant_id=job.tenant_id,
                name=row["name"],
                credit_code=row["credit_code"],
                region=row["region"],
                region_path=row["region"].path,
                address=row["address"],
                scale=row["scale"],
                status=row["status"],
            )
            for row in valid
        ],
        batch_size=2000,
    )
    through = Enterprise.industries.through
    through.objects.bulk_create(
        [
            through(enterprise_id=enterprise.pk, industry_id=industry.pk)
            for enterprise, row in zip(created, valid, strict=True)
            for industry in {industry.pk: industry for industry in row["industries"]}.values()
        ],
        batch_size=5000,
    )
    audit_record(
        actor=job.created_by,
        action=AuditAction.DIRECTORY_CREATE,
        target=job,
        detail={"enterprises": len(created)},
    )
    return _finish(job, ImportStatus.SUCCEEDED, imported=len(created))


def _validate_all(job: EnterpriseImport) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    validator = _RowValidator(job.created_by)
    valid: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    rows = list(_rows(bytes(job.content)))
    with ProgressWriter(model=EnterpriseImport, pk=job.pk, tenant_id=job.tenant_id) as progress:
        progress.write(rows_total=len(rows), rows_done=0, heartbeat_at=timezone.now())
        for done, (number, record) in enumerate(rows, start=1):
            row, row_errors = validator.validate(number, record)
            if row is not None:
                valid.append(row)
            errors.extend(row_errors)
            if done % PROGRESS_EVERY == 0:
                progress.write(rows_done=done, heartbeat_at=timezone.now())
    job.rows_total = len(rows)
    return valid, errors


def _finish(
    job: EnterpriseImport, status: str, *, errors: list[dict[str, Any]] | None = None, imported: int = 0
) -> EnterpriseImport:
    job.status = status
    job.errors = errors or []
    job.imported_count = imported
    job.rows_done = job.rows_total
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "imported_count", "rows_total", "rows_done", "finished_at"])
    return job


def _give_up(job: EnterpriseImport, now: dt.datetime) -> None:
    with translation.override(job.language):
        message = _(
            "The import stopped %(times)d times before it was done. Upload the workbook again, or "
            "tell the administrator."
        ) % {"times": job.attempts}
    job.status = ImportStatus.FAILED
    job.errors = [{"row": 0, "field": "file", "message": message}]
    job.finished_at = now
    job.save(update_fields=["status", "errors", "finished_at"])


def _stalled_imports() -> JobKind:
    from .tasks import enterprise_import_task  # here, not at the top: the tasks module imports this one

    return JobKind(
        model=EnterpriseImport,
        running=ImportStatus.RUNNING,
        queued=ImportStatus.QUEUED,
        task=enterprise_import_task,
        give_up=_give_up,
    )


def enterprise_import_recover_stalled(*, tenant_id: int, now: dt.datetime | None = None) -> Recovery:
    """The tenant's imports whose worker has shown no sign of life for JOB_STALL_MINUTES are queued again
    (their transaction died with the worker: nothing of them was imported); one that stalled
    JOB_MAX_ATTEMPTS times fails, saying so. In the caller's tenant transaction (core/stalled_jobs.py)."""
    return recover_stalled(_stalled_imports(), tenant_id=tenant_id, now=now)


def enterprise_import_recover_stalled_all_tenants(*, now: dt.datetime | None = None) -> Recovery:
    tenant_ids = Tenant.objects.order_by("pk").values_list("pk", flat=True)
    return recover_stalled_all_tenants(_stalled_imports(), tenant_ids=tenant_ids, now=now)

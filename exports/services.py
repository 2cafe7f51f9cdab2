"""Export jobs: asked for by a user, written by a worker to a file under MEDIA_ROOT while its progress shows,
downloaded by the user who asked until EXPORT_KEEP_DAYS have passed, then the file is deleted (the job's row
stays, expired, with its size and digest)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError, InvalidStateError
from core.progress import ProgressWriter
from core.replica import reads_on_replica
from core.rls import tenant_context
from core.spreadsheets import WorkbookWriter, csv_lines
from core.stalled_jobs import JobKind, Recovery, recover_stalled, recover_stalled_all_tenants
from organizations.audit import audit_export
from organizations.models import Tenant, User
from organizations.scoping import tenant_of

from .choices import ExportFormat, ExportKind, ExportStatus
from .models import ExportJob
from .sources import Table, table_for

logger = logging.getLogger(__name__)

FOLDER = "exports"
# Parameters that steer a page, not what is exported.
IGNORED_PARAMS = {"kind", "format", "after", "page", "csrfmiddlewaretoken"}
HASH_BLOCK = 1024 * 1024


def export_params(query: Any) -> dict[str, list[str]]:
    """What to export, from a QueryDict or a JSON object ({name: value or [values]}), as {name: [values]}."""
    if hasattr(query, "lists"):
        pairs = query.lists()
    else:
        pairs = ((name, value if isinstance(value, list) else [value]) for name, value in dict(query).items())
    return {
        str(name): [str(value) for value in values]
        for name, values in pairs
        if name not in IGNORED_PARAMS and any(str(value) for value in values)
    }


@transaction.atomic
def export_request(*, actor: User, kind: str, fmt: str, params: dict[str, list[str]]) -> ExportJob:
    """Queue an export of what the actor may see. What is exported is checked now (bad filters 400, a role
    that may not read it 403, something outside the scope 404), so the worker starts only sound jobs."""
    if kind not in ExportKind.values:
        raise ValidationError(
            {"kind": _("Choose one of: %(values)s.") % {"values": ", ".join(ExportKind.values)}}
        )
    if fmt not in ExportFormat.values:
        raise ValidationError(
            {"format": _("Choose one of: %(values)s.") % {"values": ", ".join(ExportFormat.values)}}
        )
    table = table_for(actor=actor, kind=kind, params=params)
    job = ExportJob.objects.create(
        tenant_id=tenant_of(actor),
        requested_by=actor,
        kind=kind,
        format=fmt,
        params=params,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        rows_total=table.total,
    )
    audit_export(actor=actor, export=f"{kind} (job {job.pk})", fmt=fmt, target=table.target, filters=params)
    from .tasks import export_run_task  # here, not at the top: the tasks module imports this one

    transaction.on_commit(lambda: export_run_task.delay(job.pk, job.tenant_id))
    return job


def export_claim(*, job_id: int) -> int | None:
    """Only one worker writes a given job, however often its task is delivered (a conditional UPDATE).
    Returns the attempt claimed (1 the first time), or None when the job was not waiting."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return int(ExportJob.objects.values_list("attempts", flat=True).get(pk=job_id))


def export_job_run(*, job_id: int, tenant_id: int) -> str:
    """The worker's whole job, each step a transaction of its own with the tenant set: claim (committed, so
    the job row is not held locked), write the file reading the rows in one transaction (one snapshot) while
    the progress is written beside it (core.progress), or record the failure. Returns the job's status."""
    with tenant_context(tenant_id):
        attempt = export_claim(job_id=job_id)
        if attempt is None:
            return str(ExportJob.objects.values_list("status", flat=True).get(pk=job_id))
    try:
        with tenant_context(tenant_id):
            return export_write(job_id=job_id, attempt=attempt).status
    except Exception as error:
        logger.exception("export job %s failed", job_id)
        with tenant_context(tenant_id):
            return export_fail(job_id=job_id, error=error, attempt=attempt).status


def _folder(job: ExportJob) -> Path:
    """The job's folder, relative to MEDIA_ROOT: the tenant's, then one named by the job and a random token,
    so that no one can guess another export's path."""
    return Path(FOLDER) / str(job.tenant_id) / f"{job.pk}-{secrets.token_hex(16)}"


def _write(table: Table, rows: Iterable[list[Any]], fmt: str, target: Path) -> None:
    if fmt == ExportFormat.CSV:
        with target.open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(csv_lines(chain([table.header], rows)))
        return
    book = WorkbookWriter(write_only=True)
    sheet = book.sheet(table.title)
    sheet.append(table.header)
    for row in rows:
        sheet.append(row)
    with target.open("wb") as handle:
        book.save(handle)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _write_counted(job: ExportJob, table: Table, target: Path) -> int:
    """Write the table to `target`, the rows done written beside the caller's transaction every
    EXPORT_PROGRESS_ROWS rows (core.progress). Returns the number of rows written."""
    done, every = 0, settings.EXPORT_PROGRESS_ROWS
    with ProgressWriter(model=ExportJob, pk=job.pk, tenant_id=job.tenant_id) as progress:
        progress.write(rows_total=table.total, rows_done=0, heartbeat_at=timezone.now())

        def counted() -> Iterator[list[Any]]:
            nonlocal done
            for row in table.rows:
                yield row
                done += 1
                if done % every == 0:
                    progress.write(rows_done=done, heartbeat_at=timezone.now())

        _write(table, counted(), job.format, target)
    return done


def export_write(*, job_id: int, attempt: int) -> ExportJob:
    """Write a claimed job's file (in the caller's transaction, which reads every row in one snapshot). The
    file is kept only if the job is still this attempt's when it is done: one taken for dead meanwhile and
    queued again (export_recover_stalled) is the next attempt's to write."""
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status != ExportStatus.RUNNING or job.attempts != attempt:
        raise InvalidStateError(_("This export is %(state)s.") % {"state": job.get_status_display()})
    folder = _folder(job)
    absolute = Path(settings.MEDIA_ROOT) / folder
    absolute.mkdir(parents=True, exist_ok=True)
    try:
        # Read on the streaming standby when there is one (core/replica.py): an export tolerates a few
        # seconds of staleness, and a province's whole ledger is the heaviest read there is.
        with translation.override(job.language), reads_on_replica(job.tenant_id):
            table = table_for(actor=job.requested_by, kind=job.kind, params=job.params)
            name = f"{job.kind}-{timezone.localtime():%Y%m%d-%H%M}.{job.format}"
            done = _write_counted(job, table, absolute / name)
        size, digest = (absolute / name).stat().st_size, _sha256(absolute / name)
    except BaseException:
        shutil.rmtree(absolute, ignore_errors=True)  # nothing half-written stays behind
        raise
    finished = timezone.now()
    written = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING, attempts=attempt).update(
        status=ExportStatus.SUCCEEDED,
        rows_total=max(table.total, done),
        rows_done=done,
        file_path=str(folder / name),
        file_name=name,
        size=size,
        sha256=digest,
        finished_at=finished,
        expires_at=finished + dt.timedelta(days=settings.EXPORT_KEEP_DAYS),
    )
    if not written:  # taken up again while this worker was silent: the file is not the job's
        shutil.rmtree(absolute, ignore_errors=True)
    job.refresh_from_db()
    return job


def export_fail(*, job_id: int, error: Exception, attempt: int) -> ExportJob:
    """Record why a job failed, in words for its requester (a refusal says why; anything else does not);
    unless the job is no longer this attempt's (taken up again meanwhile)."""
    job = ExportJob.objects.select_for_update().get(pk=job_id)
    if job.status != ExportStatus.RUNNING or job.attempts != attempt:
        return job
    with translation.override(job.language):
        if isinstance(error, DomainError | ValidationError):
            message = " ".join(getattr(error, "messages", [str(error)])) or str(error)
        else:
            message = _("The export could not be written. Ask for it again, or tell the administrator.")
    job.status = ExportStatus.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def _give_up(job: ExportJob, now: dt.datetime) -> None:
    with translation.override(job.language):
        job.error = _(
            "The export stopped %(times)d times before it was written. Ask for it again, or tell "
            "the administrator."
        ) % {"times": job.attempts}
    job.status = ExportStatus.FAILED
    job.finished_at = now
    job.save(update_fields=["status", "error", "finished_at"])


def _stalled_exports() -> JobKind:
    from .tasks import export_run_task  # here, not at the top: the tasks module imports this one

    return JobKind(
        model=ExportJob,
        running=ExportStatus.RUNNING,
        queued=ExportStatus.QUEUED,
        task=export_run_task,
        give_up=_give_up,
        clean_up=_remove_partial_files,
    )


def export_recover_stalled(*, tenant_id: int, now: dt.datetime | None = None) -> Recovery:
    """The tenant's exports whose worker has shown no sign of life for JOB_STALL_MINUTES (it died, or its
    host did: the job would stay `running` for ever) are queued again, what they had half written removed;
    one that stalled JOB_MAX_ATTEMPTS times fails, saying so. In the caller's tenant transaction
    (core/stalled_jobs.py)."""
    return recover_stalled(_stalled_exports(), tenant_id=tenant_id, now=now)


def export_recover_stalled_all_tenants(*, now: dt.datetime | None = None) -> Recovery:
    tenant_ids = Tenant.objects.order_by("pk").values_list("pk", flat=True)
    return recover_stalled_all_tenants(_stalled_exports(), tenant_ids=tenant_ids, now=now)


def _remove_partial_files(job: ExportJob) -> None:
    """The folders a dead attempt left (`_folder`: the job's id and a random token) under its tenant's."""
    for folder in (Path(settings.MEDIA_ROOT) / FOLDER / str(job.tenant_id)).glob(f"{job.pk}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def export_file(*, job: ExportJob) -> Path:
    """The file of a job the caller may see (the selector checked the scope): only while it is ready."""
    if job.status != ExportStatus.SUCCEEDED or (job.expires_at and job.expires_at <= timezone.now()):
        ready = job.status == ExportStatus.SUCCEEDED
        state = ExportStatus.EXPIRED.label if ready else job.get_status_display()
        raise InvalidStateError(
            _("This export is %(state)s: there is no file to download.") % {"state": state}
        )
    path = Path(settings.MEDIA_ROOT) / job.file_path
    if not path.is_file():
        raise InvalidStateError(_("The file of this export is gone. Ask for the export again."))
    return path


@dataclass(frozen=True)
class ExpiryResult:
    expired: int


def _remover(folder: Path) -> Callable[[], None]:
    return lambda: shutil.rmtree(folder, ignore_errors=True)


@transaction.atomic
def export_expire(*, tenant_id: int, now: dt.datetime) -> int:
    """Delete the files of the tenant's exports past their expiry and mark them expired; the rows stay."""
    due = ExportJob.objects.select_for_update(skip_locked=True).filter(
        tenant_id=tenant_id, status=ExportStatus.SUCCEEDED, expires_at__lte=now
    )
    count = 0
    for job in due:
        if job.file_path:
            folder = (Path(settings.MEDIA_ROOT) / job.file_path).parent
            # Once the rows say so: a rollback must not leave a job marked ready without its file.
            transaction.on_commit(_remover(folder))
        job.status = ExportStatus.EXPIRED
        job.file_path = ""
        job.save(update_fields=["status", "file_path"])
        count += 1
    return count


def export_expire_all_tenants(*, now: dt.datetime | None = None) -> ExpiryResult:
    """The daily job: every tenant in a transaction of its own, with its tenant set for the database."""
    now = now or timezone.now()
    expired = 0
    for tenant in Tenant.objects.order_by("pk"):
        with tenant_context(tenant):
            expired += export_expire(tenant_id=tenant.pk, now=now)
    return ExpiryResult(expired=expired)

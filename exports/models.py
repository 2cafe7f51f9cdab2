from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedManager
from organizations.models import TenantOwned, User
from organizations.scoping import Scope

from .choices import ExportFormat, ExportKind, ExportStatus


class ExportJob(TenantOwned):
    """One export a user asked for: written by a worker to a file of its own, downloadable until expiry."""

    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    format = models.CharField(max_length=10, choices=ExportFormat.choices)
    # What to export, as the request gave it: the ledger's filters, the campaign, the rank group.
    params = models.JSONField(default=dict, blank=True)
    # The requester's language: headers and labels are written in it.
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Relative to MEDIA_ROOT, under the tenant's folder and a random one of the job's; "" until written and
    # again once the file has expired and been deleted.
    file_path = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker claimed the job, and when the one writing it last showed a sign of life (each
    # progress write): a job whose worker died is taken up again (export_recover_stalled).
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(
                fields=["tenant", "requested_by", "-created_at"], name="export_tenant_requester_idx"
            ),
            models.Index(fields=["tenant", "status", "expires_at"], name="export_tenant_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} ({self.status})"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        # Only the requester: the file holds what their scope showed them when they asked, and nobody
        # else's download should be traceable to them in the audit log.
        return Q(requested_by_id=scope.user_id)

    @property
    def progress_percent(self) -> int:
        if self.status == ExportStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def is_active(self) -> bool:
        return self.status in {ExportStatus.QUEUED, ExportStatus.RUNNING}

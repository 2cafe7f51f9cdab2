from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    LEDGER = "ledger", _("Hazard ledger")
    CAMPAIGN = "campaign", _("Campaign lists")
    RANKINGS = "rankings", _("Rankings")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


CONTENT_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}

from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordKind(models.TextChoices):
    HAZARD_CHANGE = "hazard_change", _("Major hazard change")
    MONTHLY_AGGREGATE = "monthly_aggregate", _("Monthly aggregate")


class BatchState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will retry")

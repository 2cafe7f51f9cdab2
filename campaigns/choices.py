from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", pgettext_lazy("campaign status", "Active")
    CLOSED = "closed", pgettext_lazy("campaign status", "Closed")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


# The four stages a new campaign starts from (staff edit names and dates afterwards).
STAGE_TEMPLATE = [
    ("动员部署", "Mobilisation and deployment"),
    ("排查整治", "Hazard clearing"),
    ("执法检查", "Law-enforcement supervision"),
    ("总结提升", "Summary and improvement"),
]

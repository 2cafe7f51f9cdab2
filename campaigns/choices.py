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


class ListState(models.TextChoices):
    """Where an entry of the four lists stands."""

    OPEN = "open", pgettext_lazy("list entry state", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("list entry state", "In progress")
    DONE = "done", pgettext_lazy("list entry state", "Done")


class ListKind(models.TextChoices):
    """The four lists of "one table and four lists" (一表四清单); the first two are read from the ledger."""

    PROBLEMS = "problems", _("Problems")
    MAJOR_HAZARDS = "major-hazards", _("Major hazards")
    MEASURES = "measures", _("Institutional measures")
    RISKS = "risks", _("Risks")


STORED_LISTS = (ListKind.MEASURES, ListKind.RISKS)


class RiskLevel(models.TextChoices):
    """The four risk grades (red, orange, yellow, blue)."""

    MAJOR = "major", _("Major (red)")
    HIGH = "high", _("High (orange)")
    MODERATE = "moderate", _("Moderate (yellow)")
    LOW = "low", _("Low (blue)")


class GroupRole(models.TextChoices):
    HEAD = "head", _("Head of the group")
    DEPUTY_HEAD = "deputy_head", _("Deputy head")
    MEMBER = "member", _("Member")
    OFFICE_DIRECTOR = "office_director", _("Director of the group's office")


class AdoptionState(models.TextChoices):
    NOT_STARTED = "not_started", pgettext_lazy("adoption", "Not started")
    IN_PROGRESS = "in_progress", pgettext_lazy("adoption", "Being adopted")
    ADOPTED = "adopted", pgettext_lazy("adoption", "Adopted")

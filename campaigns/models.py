import datetime as dt
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedManager, ancestor_paths, any_of, path_within
from organizations.models import Department, Industry, Region, TenantOwned, User
from organizations.scoping import Scope

from .choices import CampaignStatus, TaskStatus


def campaign_scope(scope: Scope, region_path_field: str) -> Q:
    """A campaign is visible to those it covers (its region is above or at one of their units) and to
    committee staff of regions above or at the campaign's (who run it or its parent)."""
    if scope.is_tenant_admin:
        return Q()
    covering = {path for unit in scope.unit_paths for path in ancestor_paths(unit)}
    conditions = path_within(region_path_field, scope.committee_paths)
    if covering:
        conditions.append(Q(**{f"{region_path_field}__in": sorted(covering)}))
    return any_of(conditions)


class Campaign(TenantOwned):
    """A work-safety campaign run by a region's safety committee (e.g. the 2023 special rectification)."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("region")
    )
    region_path = models.CharField(max_length=100, editable=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of campaign"),
    )
    # A department's own sub-plan under the committee's campaign (its region is the department's).
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_plans",
        verbose_name=_("issued by department"),
    )
    name = models.CharField(_("name"), max_length=200)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    general_requirement = models.TextField(_("general requirement"), blank=True)
    industries = models.ManyToManyField(Industry, related_name="campaigns", verbose_name=_("key industries"))
    responsibilities = models.TextField(_("responsibilities"), blank=True)
    guarantee_measures = models.TextField(_("guarantee measures"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                name="campaign_period_ordered", condition=Q(end_date__gte=models.F("start_date"))
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "region_path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="campaign_tenant_rpath_idx",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return campaign_scope(scope, "region_path")

    def current_stage(self, today: dt.date | None = None) -> "Stage | None":
        day = today or timezone.localdate()
        return next((stage for stage in self.stages.all() if stage.start_date <= day <= stage.end_date), None)


class Stage(TenantOwned):
    """A dated stage of a campaign (mobilisation, clearing, enforcement, summary …)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="stages")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))

    class Meta:
        ordering = ["campaign_id", "order"]
        constraints = [models.UniqueConstraint(fields=["campaign", "order"], name="stage_unique_order")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class Task(TenantOwned):
    """A numbered line of the campaign's table of tasks, assigned to departments and/or regions."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tasks")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="subtasks"
    )
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    due_date = models.DateField(_("due date"))
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="tasks", verbose_name=_("responsible departments")
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="tasks", verbose_name=_("responsible regions")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )

    objects = ScopedManager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="task_unique_number"),
            models.CheckConstraint(name="task_percent_at_most_100", condition=Q(percent__lte=100)),
        ]
        indexes = [models.Index(fields=["tenant", "campaign", "due_date"], name="task_tenant_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return campaign_scope(scope, "campaign__region_path")

    @property
    def is_overdue(self) -> bool:
        """Derived: past its due date and not done."""
        return self.status != TaskStatus.DONE and self.due_date < timezone.localdate()

    @property
    def display_status(self) -> str:
        return str(_("Overdue")) if self.is_overdue else str(self.get_status_display())


class ProgressReport(TenantOwned):
    """A responsible unit's report on a task: how far, what was done, with attachments."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="progress_reports")
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    percent = models.PositiveSmallIntegerField(_("progress (%)"), validators=[MaxValueValidator(100)])
    narrative = models.TextField(_("what was done"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="progress_percent_at_most_100", condition=Q(percent__lte=100))
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.percent}%"


class Attachment(TenantOwned):
    """A file attached to a progress report: checked by content, served only in scope."""

    report = models.ForeignKey(ProgressReport, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="progress/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    objects = ScopedManager()

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return campaign_scope(scope, "report__task__campaign__region_path")


# The plan's structure (four lists, leading groups, adopted measures, leaders' checklist).
from .plan_models import (  # noqa: E402
    AdoptedMeasure,
    InstitutionalMeasure,
    LeaderDuty,
    LeaderDutyCheck,
    LeadingGroup,
    LeadingGroupMember,
    ListEntryEvent,
    MeasureAdoption,
    Risk,
)

__all__ = [
    "AdoptedMeasure",
    "Attachment",
    "Campaign",
    "InstitutionalMeasure",
    "LeaderDuty",
    "LeaderDutyCheck",
    "LeadingGroup",
    "LeadingGroupMember",
    "ListEntryEvent",
    "MeasureAdoption",
    "ProgressReport",
    "Risk",
    "Stage",
    "Task",
    "campaign_scope",
]

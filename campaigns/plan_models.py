"""The plan's structure beside the table of tasks: the "four lists" a campaign keeps (two of them stored
here, the problems and major hazards read from the ledger by hazards.campaign_lists), its leading groups,
the measures it adopts from above with each region's report of adoption, and the leaders' checklist
(the "five musts"). Imported by campaigns.models so Django sees them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedManager
from organizations.models import Department, Industry, Region, TenantOwned, User
from organizations.scoping import Scope

from .choices import AdoptionState, GroupRole, ListState, RiskLevel


def _campaign_scope(scope: Scope, path: str) -> Q:
    from .models import campaign_scope  # campaigns.models imports this module at its end

    return campaign_scope(scope, path)


class ListEntry(TenantOwned):
    """What an entry of one of the stored lists has: an owner unit, a responsible position, a due date, a
    state, managed "as an inventory and as a project"."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner department"),
    )
    owner_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner region"),
    )
    responsible_position = models.CharField(_("responsible position"), max_length=100)
    due_date = models.DateField(_("due date"))
    state = models.CharField(_("state"), max_length=12, choices=ListState.choices, default=ListState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return _campaign_scope(scope, "campaign__region_path")

    @property
    def owner(self) -> str:
        unit = self.owner_department or self.owner_region
        return str(unit) if unit else ""

    @property
    def is_overdue(self) -> bool:
        return self.state != ListState.DONE and self.due_date < timezone.localdate()


class InstitutionalMeasure(ListEntry):
    """An institutional measure (制度措施) on a campaign's list, with the document that adopted it."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="institutional_measures"
    )
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    document_issuer = models.CharField(_("issued by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("institutional measure")
        verbose_name_plural = _("institutional measures")
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="measure_unique_number"),
            models.CheckConstraint(
                name="measure_has_owner",
                condition=Q(owner_department__isnull=False) | Q(owner_region__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["tenant", "campaign", "state"], name="measure_tenant_campaign_idx")]


class Risk(ListEntry):
    """A risk on a campaign's list (风险清单): graded, owned, controlled by a due date."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="risks")
    level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.HIGH
    )
    controls = models.TextField(_("control measures"), blank=True)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["campaign_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="risk_unique_number"),
            models.CheckConstraint(
                name="risk_has_owner",
                condition=Q(owner_department__isnull=False) | Q(owner_region__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["tenant", "campaign", "state"], name="risk_tenant_campaign_idx")]


class ListEntryEvent(TenantOwned):
    """One change of a stored list entry (created, state moved): who, when, from and to. Append-only."""

    kind = models.CharField(max_length=12)  # "measures" or "risks"
    entry_id = models.BigIntegerField()
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "kind", "entry_id"], name="listevent_tenant_entry_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.entry_id} {self.action}"


class LeadingGroup(TenantOwned):
    """A campaign's leading group (领导小组): the general one, or one per key industry."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="leading_groups"
    )
    name = models.CharField(_("name"), max_length=200)
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("industry"),
    )
    duties = models.TextField(_("duties"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("leading group")
        verbose_name_plural = _("leading groups")
        ordering = ["campaign_id", "industry_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(industry__isnull=True), name="group_one_general"
            ),
            models.UniqueConstraint(fields=["campaign", "industry"], name="group_one_per_industry"),
        ]
        indexes = [models.Index(fields=["tenant", "campaign"], name="group_tenant_campaign_idx")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return _campaign_scope(scope, "campaign__region_path")


class LeadingGroupMember(TenantOwned):
    """A member of a leading group: a person, the post they hold, their role in the group."""

    group = models.ForeignKey(LeadingGroup, on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=200)
    role = models.CharField(_("role in the group"), max_length=16, choices=GroupRole.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("leading group member")
        verbose_name_plural = _("leading group members")
        ordering = ["group_id", "order", "id"]
        indexes = [models.Index(fields=["tenant", "group"], name="member_tenant_group_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.position}）"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return _campaign_scope(scope, "group__campaign__region_path")


class AdoptedMeasure(TenantOwned):
    """One item of a measures package the campaign adopts from above (e.g. the State Council's 15 hard
    measures); each region under the campaign reports its adoption."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="adopted_measures"
    )
    source = models.CharField(_("source"), max_length=200)
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("measure"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("adopted measure")
        verbose_name_plural = _("adopted measures")
        ordering = ["campaign_id", "source", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "source", "number"], name="adopted_unique_number")
        ]
        indexes = [models.Index(fields=["tenant", "campaign"], name="adopted_tenant_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.number}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return _campaign_scope(scope, "campaign__region_path")


class MeasureAdoption(TenantOwned):
    """A region's report on one adopted measure: how far it has taken it up, by which local document."""

    measure = models.ForeignKey(AdoptedMeasure, on_delete=models.PROTECT, related_name="adoptions")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    state = models.CharField(_("state"), max_length=12, choices=AdoptionState.choices)
    document = models.CharField(_("local document"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        ordering = ["measure_id", "region__code"]
        constraints = [models.UniqueConstraint(fields=["measure", "region"], name="adoption_unique_region")]
        indexes = [models.Index(fields=["tenant", "measure"], name="adoption_tenant_measure_idx")]

    def __str__(self) -> str:
        return f"{self.measure} · {self.region_id}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return _campaign_scope(scope, "measure__campaign__region_path")


class LeaderDuty(TenantOwned):
    """An item of the leaders' checklist a campaign sets (e.g. the "five musts", 五个必须)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="leader_duties")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("duty"), max_length=300)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("leader duty")
        verbose_name_plural = _("leader duties")
        ordering = ["campaign_id", "number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="duty_unique_number")]
        indexes = [models.Index(fields=["tenant", "campaign"], name="duty_tenant_campaign_idx")]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return _campaign_scope(scope, "campaign__region_path")


class LeaderDutyCheck(TenantOwned):
    """A leader's tick against one duty of the checklist: when it was met and what shows it."""

    duty = models.ForeignKey(LeaderDuty, on_delete=models.PROTECT, related_name="checks")
    member = models.ForeignKey(LeadingGroupMember, on_delete=models.PROTECT, related_name="duty_checks")
    done_on = models.DateField(_("met on"))
    evidence = models.CharField(_("what shows it"), max_length=300)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    objects = ScopedManager()

    class Meta:
        ordering = ["duty_id", "member_id"]
        constraints = [models.UniqueConstraint(fields=["duty", "member"], name="dutycheck_unique_member")]
        indexes = [models.Index(fields=["tenant", "duty"], name="dutycheck_tenant_duty_idx")]

    def __str__(self) -> str:
        return f"{self.duty_id} · {self.member_id}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return _campaign_scope(scope, "duty__campaign__region_path")

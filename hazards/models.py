from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.errors import NotFoundError
from core.scoping import ScopedManager, any_of, path_within
from core.search import trigram_index
from organizations.models import (
    Department,
    Enterprise,
    Industry,
    Region,
    Tenant,
    TenantOwned,
    User,
    enterprise_conditions,
)
from organizations.scoping import Scope, scope_for

from .choices import (
    OPEN_STATES,
    WAITING_STATES,
    AcceptanceMethod,
    AcceptanceRole,
    DeliveryStatus,
    ExtensionStatus,
    HazardAction,
    HazardCategory,
    HazardLevel,
    HazardSource,
    HazardState,
    InspectionKind,
    ItemResult,
    ListingLevel,
    NoticeChannel,
    NoticeKind,
    SelfInspectionStatus,
    StandardCoverage,
    StopProduction,
)
from .notice_texts import notice_text


class ReferenceQuerySet(models.QuerySet):
    """Reference data: the national rows readable by every signed-in user of any tenant, a tenant's own local
    rows by its members only (the model names the lookup of that tenant in `LOCAL_TENANT_LOOKUP`)."""

    def visible_to(self, actor: object) -> models.QuerySet:
        if not getattr(actor, "is_authenticated", False):
            return self.none()
        lookup = getattr(self.model, "LOCAL_TENANT_LOOKUP", "")
        if not lookup:
            return self.all()
        tenant_id = scope_for(actor).tenant_id
        national = Q(**{f"{lookup}__isnull": True})
        return self.filter(national | Q(**{lookup: tenant_id}) if tenant_id else national)

    def get_visible(self, actor: object, **lookup: object) -> Any:
        """One row the actor may see, or NotFoundError (a 404, as for tenant-owned rows)."""
        try:
            return self.visible_to(actor).get(**lookup)
        except (ObjectDoesNotExist, ValueError, TypeError):
            raise NotFoundError(f"{self.model._meta.verbose_name} not found.") from None


ReferenceManager = models.Manager.from_queryset(ReferenceQuerySet)


class Standard(models.Model):
    """One version of an official major-hazard determination standard (national reference data)."""

    key = models.SlugField(unique=True)
    industry_code = models.CharField(_("industry"), max_length=40, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    effective_date = models.DateField(_("effective date"))
    version = models.CharField(_("version"), max_length=40)
    note = models.TextField(_("note"), blank=True)
    # Only current versions feed new checklists; old versions stay for the hazards that cite them.
    is_current = models.BooleanField(default=True)
    # Whether its criteria are the whole standard; "not itemised" says its items are not known here (the
    # note says why) instead of one invented catch-all item.
    coverage = models.CharField(
        _("items listed"), max_length=15, choices=StandardCoverage.choices, default=StandardCoverage.PARTIAL
    )
    # A tenant's own local standard (added by its admin in the browser); national standards have none. Not a
    # tenant-owned table: national rows are shared, so visibility is ReferenceQuerySet's, not row-level
    # security's.
    local_tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("local to")
    )
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(null=True, blank=True)

    objects = ReferenceManager()
    LOCAL_TENANT_LOOKUP = "local_tenant"

    class Meta:
        verbose_name = _("determination standard")
        verbose_name_plural = _("determination standards")
        ordering = ["industry_code", "-effective_date"]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.document_number or self.version}）"

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name


class Criterion(models.Model):
    """A numbered item of a standard: meeting it makes a hazard major. Never edited once cited."""

    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="criteria")
    number = models.CharField(_("number"), max_length=10)
    # Where in the standard's text the item stands (e.g. 第三条（二）), so a regulator can cite it; where the
    # clause is not verified the data says so ("条号未核实") rather than guess.
    clause = models.CharField(_("clause"), max_length=100)
    text = models.TextField(_("text"))
    text_en = models.TextField(_("English text"), blank=True)
    # A stand-in item of an older library kept only because hazards cite it: never offered again.
    retired = models.BooleanField(default=False)

    objects = ReferenceManager()
    LOCAL_TENANT_LOOKUP = "standard__local_tenant"

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["standard_id", "id"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="criterion_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.display_text}"

    @property
    def display_text(self) -> str:
        return self.text_en if (get_language() or "").startswith("en") and self.text_en else self.text


def current_criteria(tenant_id: int | None) -> models.QuerySet[Criterion]:
    """Criteria that new hazards and checklists may use in a tenant: of current standards, national or local
    to the tenant, not retired; in the library's order."""
    local = Q(standard__local_tenant__isnull=True)
    if tenant_id is not None:
        local |= Q(standard__local_tenant_id=tenant_id)
    return (
        Criterion.objects.filter(local, standard__is_current=True, retired=False)
        .select_related("standard")
        .order_by("standard__industry_code", "standard_id", "id")
    )


def _enterprise_scope(scope: Scope, enterprise_field: str, path_field: str) -> list[Q]:
    """Rows tied to an enterprise are visible where the enterprise is."""
    return enterprise_conditions(scope, id_field=f"{enterprise_field}_id", path_field=path_field)


def enterprise_or_department_scope(scope: Scope) -> Q:
    """What a department did at an enterprise (an inspection, an enforcement order): visible where the
    enterprise is, and always to the department that did it."""
    if scope.is_tenant_admin:
        return Q()
    conditions = _enterprise_scope(scope, "enterprise", "region_path")
    if scope.department_ids:
        conditions.append(Q(department_id__in=scope.department_ids))
    return any_of(conditions)


class SelfInspection(TenantOwned):
    """An enterprise's monthly self-inspection against its industry checklist."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="self_inspections")
    region_path = models.CharField(max_length=100, editable=False)
    period = models.DateField(_("month"), help_text=_("First day of the month inspected"))
    status = models.CharField(
        max_length=10, choices=SelfInspectionStatus.choices, default=SelfInspectionStatus.DRAFT
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("self-inspection")
        verbose_name_plural = _("self-inspections")
        ordering = ["-period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "enterprise", "period"], name="self_inspection_one_per_month"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "period", "region_path"],
                opclasses=["int8_ops", "date_ops", "varchar_pattern_ops"],
                name="selfinsp_tenant_period_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.period:%Y-%m}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        if scope.is_tenant_admin:
            return Q()
        return any_of(_enterprise_scope(scope, "enterprise", "region_path"))


class SelfInspectionItem(TenantOwned):
    """One answered line of a self-inspection: a criterion or general item, or a free-form hazard."""

    self_inspection = models.ForeignKey(SelfInspection, on_delete=models.PROTECT, related_name="items")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    general_code = models.CharField(max_length=10, blank=True)
    label = models.TextField(_("item"))
    result = models.CharField(_("result"), max_length=10, choices=ItemResult.choices)
    # Required on a line answered "hazard" by the time the self-inspection is submitted.
    category = models.CharField(
        _("category"), max_length=12, choices=HazardCategory.choices, blank=True, default="", db_default=""
    )
    description = models.TextField(_("what was found"), blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("self-inspection item")
        ordering = ["id"]
        indexes = [models.Index(fields=["tenant", "self_inspection"], name="selfinsp_item_parent_idx")]

    def __str__(self) -> str:
        return f"{self.label}: {self.result}"


class Inspection(TenantOwned):
    """A department's inspection of an enterprise, with its enforcement measures."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="inspections")
    region_path = models.CharField(max_length=100, editable=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="inspections")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=InspectionKind.choices)
    inspectors = models.ManyToManyField(User, related_name="inspections", verbose_name=_("inspectors"))
    summary = models.TextField(_("summary"), blank=True)
    rectification_order = models.BooleanField(_("rectification order issued"), default=False)
    stop_production = models.CharField(
        _("stop-production order"), max_length=10, choices=StopProduction.choices, default=StopProduction.NONE
    )
    fine_amount = models.DecimalField(
        _("fine (yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    # The tip-off (举报) that prompted the inspection, assigned to the inspecting department. A reference by
    # name, not an import: tip-offs are the public side's (disclosure), which reads the ledger, not the
    # other way round; the disclosure app owns the rule of which tip-offs may be cited.
    tip_off = models.ForeignKey(
        "disclosure.TipOff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("tip-off"),
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["tenant", "enterprise", "date"], name="inspection_tenant_ent_idx"),
            models.Index(fields=["tenant", "department", "date"], name="inspection_tenant_dept_idx"),
            # Whether a lead was inspected yet (the to-do inbox's leads, the tip-off's page): only the few
            # inspections a tip-off prompted.
            models.Index(
                fields=["tenant", "tip_off"],
                condition=Q(tip_off__isnull=False),
                name="inspection_tenant_tipoff_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.date} ({self.get_kind_display()})"

    scope_filter = staticmethod(enterprise_or_department_scope)


class Hazard(TenantOwned):
    """A record in the hazard ledger: found, graded, handed over, rectified, verified. Never deleted."""

    code = models.CharField(_("code"), max_length=30)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="hazards")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=100, editable=False)
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="+", verbose_name=_("industry")
    )
    source = models.CharField(_("source"), max_length=20, choices=HazardSource.choices)
    self_inspection = models.ForeignKey(
        SelfInspection, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards"
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    location = models.CharField(_("location"), max_length=200)
    level = models.CharField(_("grade"), max_length=10, choices=HazardLevel.choices, blank=True)
    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("criterion"),
    )
    # Required on every new hazard; rows recorded before it existed stay blank.
    category = models.CharField(
        _("category"), max_length=12, choices=HazardCategory.choices, blank=True, default="", db_default=""
    )
    # The grade the enterprise proposed when it reported the hazard itself ("major", citing `criterion`);
    # the regulator's grade is `level`, set on confirmation.
    proposed_level = models.CharField(
        _("proposed grade"), max_length=10, choices=HazardLevel.choices, blank=True, default="", db_default=""
    )
    discovered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    discovered_at = models.DateTimeField(_("discovered at"))
    state = models.CharField(_("state"), max_length=24, choices=HazardState.choices)
    # The five implementations (五落实), filed with the rectification plan.
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    measures = models.TextField(_("measures"), blank=True)
    funds = models.DecimalField(_("funds (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    contingency_plan = models.TextField(_("contingency plan"), blank=True)
    # Listed supervision (挂牌督办).
    listed = models.BooleanField(_("listed for supervision"), default=False)
    listing_level = models.CharField(
        _("listing level"), max_length=12, choices=ListingLevel.choices, blank=True
    )
    # The listing body is the lister's own unit, never typed: a department, or a region's safety committee.
    listing_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervising department"),
    )
    listing_committee = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervising committee"),
    )
    listing_document = models.CharField(_("listing document number"), max_length=100, blank=True)
    listing_deadline = models.DateField(_("listing deadline"), null=True, blank=True)
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    # Set once by the daily sweep when the listing deadline passed with the hazard still open.
    listing_escalated_at = models.DateTimeField(_("listing escalated at"), null=True, blank=True)
    # The listing lifted (摘牌) by its body after closure; `listed` stays true: it was listed.
    listing_lifted_at = models.DateTimeField(_("listing lifted at"), null=True, blank=True)
    # Derived by the daily sweep: deadline passed while still open.
    is_overdue = models.BooleanField(_("overdue"), default=False)
    overdue_since = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("withdrawal reason"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-discovered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="hazard_unique_code_per_tenant"),
            models.CheckConstraint(
                name="hazard_major_cites_criterion",
                condition=~Q(level=HazardLevel.MAJOR) | Q(criterion__isnull=False),
            ),
            # A listing names exactly one body: a department or a committee.
            models.CheckConstraint(
                name="hazard_listing_names_one_body",
                condition=Q(listed=False, listing_department__isnull=True, listing_committee__isnull=True)
                | Q(listed=True, listing_department__isnull=False, listing_committee__isnull=True)
                | Q(listed=True, listing_department__isnull=True, listing_committee__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-discovered_at", "-id"], name="hazard_tenant_disc_idx"),
            # The ledger's text search (core/search.py; the enterprise's name and credit code: its own).
            trigram_index("code", "hazard_code_trgm_idx"),
            trigram_index("title", "hazard_title_trgm_idx"),
            trigram_index("description", "hazard_description_trgm_idx"),
            trigram_index("location", "hazard_location_trgm_idx"),
            # A region's ledger (every committee's and department's first filter): the page's ids are found
            # here, index-only, with the grade and the ledger's order riding along; reading each of a county's
            # 8,000 rows from the table for its grade cost twice as much with three provinces in the table as
            # with one (the rows spread over more pages than the cache holds).
            models.Index(
                fields=["tenant", "region_path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                include=["level", "discovered_at", "id"],
                name="hazard_tenant_rpath_idx",
            ),
            models.Index(fields=["tenant", "enterprise", "-discovered_at"], name="hazard_tenant_ent_idx"),
            models.Index(fields=["tenant", "state", "deadline"], name="hazard_tenant_state_idx"),
            # The monthly disclosure of every region: what closed in the month, the major and the overdue
            # hazards of a subtree, without reading the subtree's whole ledger.
            models.Index(fields=["tenant", "closed_at"], name="hazard_tenant_closed_idx"),
            models.Index(
                fields=["tenant", "region_path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                condition=Q(level="major"),
                name="hazard_tenant_major_idx",
            ),
            # Counting a department's overdue hazards: its scope is an OR (its subtree and industries, or what
            # was handed to it) that no index condition can take, so the count reads every overdue row of the
            # tenant; with the scope's columns in the index it reads them there, never the table (index-only).
            models.Index(
                fields=["tenant", "region_path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                condition=Q(is_overdue=True),
                include=["industry", "id"],
                name="hazard_tenant_overdue_idx",
            ),
            # The same for the hazards waiting on a regulator (the to-do inbox and its badge on every page):
            # the few rows in the states that wait, with what the scope tests and the inbox sorts by, so
            # that both the counts and each section's first items are read index-only.
            models.Index(
                fields=["tenant", "state", "region_path"],
                opclasses=["int8_ops", "varchar_ops", "varchar_pattern_ops"],
                condition=Q(state__in=WAITING_STATES),
                include=["industry", "level", "id", "discovered_at", "deadline"],
                name="hazard_tenant_waiting_idx",
            ),
            # The rectifications waiting for verification in the inbox's order (deadline first): walked in
            # order and index-only, where the state index made the walk read each row from the table to test
            # a department's scope (13,000 rows for its 32 at 1M hazards).
            models.Index(
                fields=["tenant", "deadline", "id"],
                condition=Q(state=HazardState.PENDING_VERIFICATION),
                include=["industry", "region_path", "level"],
                name="hazard_tenant_verify_idx",
            ),
            # The overdue page in the ledger's order: a department's scope is an OR (its subtree and
            # industries, or what was handed to it), which no region index serves; walking only the overdue
            # rows newest first finds its page without reading the tenant's whole ledger. The scope's
            # columns ride along so that the walk is index-only (at 1M hazards a county department's page
            # read 16,000 overdue rows from the table to keep its 51).
            models.Index(
                fields=["tenant", "-discovered_at", "-id"],
                condition=Q(is_overdue=True),
                include=["industry", "region_path"],
                name="hazard_tenant_overdue_disc_idx",
            ),
            # The open hazards in the ledger's order (a department's working list, confirmed and rectifying,
            # newest first): 6% of a province's ledger. Through the whole ledger's order index the state and
            # the department's scope were tested on each row read from the table (30,000 rows for 51 at 1M
            # hazards); here both are in the index, and the walk is index-only.
            models.Index(
                fields=["tenant", "-discovered_at", "-id"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                include=["state", "industry", "region_path"],
                name="hazard_tenant_open_disc_idx",
            ),
            # The listings register and the daily sweep of listing deadlines read only listed rows.
            models.Index(
                fields=["tenant", "listing_deadline"],
                condition=Q(listed=True),
                name="hazard_tenant_listing_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def listing_body(self) -> str:
        """The listing body's name as shown: the department, or the region's safety committee."""
        if self.listing_department_id:
            return str(self.listing_department)
        if self.listing_committee_id:
            return str(_("%(region)s safety committee") % {"region": self.listing_committee})
        return ""

    @property
    def listing_lifted(self) -> bool:
        return self.listing_lifted_at is not None

    scope_path_field = "region_path"  # visible_to(actor, within_path=...) narrows by it

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        if scope.is_tenant_admin:
            return Q()
        conditions = path_within("region_path", scope.committee_paths)
        for coverage in scope.departments:
            conditions.append(
                Q(region_path__startswith=coverage.region_path, industry_id__in=coverage.industry_ids)
            )
        if scope.department_ids:
            handed = HandoverReceipt.objects.filter(department_id__in=scope.department_ids).values(
                "handover__hazard_id"
            )
            conditions.append(Q(pk__in=handed))
        own = scope.enterprise_ids | scope.expert_enterprise_ids
        if own:
            conditions.append(Q(enterprise_id__in=own))
        return any_of(conditions)


class HazardCounter(models.Model):
    """The last sequence number used for hazard codes of one tenant, region and year."""

    tenant_id = models.BigIntegerField()
    region_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant_id", "region_code", "year"], name="hazard_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region_code}-{self.year}: {self.last}"


class HazardEvent(TenantOwned):
    """An append-only line of a hazard's history: who did what, from which state to which, when."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=24, choices=HazardAction.choices)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # The tenant's hash chain (migration 0005): a database trigger fills these on insert, so no code
    # path can forget or forge them; `manage.py verify_ledger` recomputes and checks them.
    seq = models.BigIntegerField(db_default=0, editable=False)
    prev_hash = models.CharField(max_length=64, db_default="", editable=False)
    hash = models.CharField(max_length=64, db_default="", editable=False)

    class Meta:
        verbose_name = _("hazard event")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "hazard", "created_at"], name="hazard_event_tenant_idx"),
            # The monthly "reopened after closure" indicator: without it, every level of the scoring job
            # scanned the whole event log (4.6M rows a province) for a handful of reopenings.
            models.Index(
                fields=["tenant", "created_at"], name="hazard_event_reopen_idx", condition=Q(action="reopen")
            ),
        ]
        constraints = [models.UniqueConstraint(fields=["tenant", "seq"], name="hazard_event_chain_seq")]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.action} {self.from_state}->{self.to_state}"


class EventChainHead(models.Model):
    """The last link of one tenant's event hash chain: its sequence number and hash.

    Written only by the database trigger that chains events (the application role has no grant on
    it); locking this row serialises a tenant's event inserts so the chain never forks.
    """

    tenant_id = models.BigIntegerField(primary_key=True)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.tenant_id}#{self.seq}: {self.hash[:12]}"


class Handover(TenantOwned):
    """The handover of a major hazard to its territorial government and the following departments."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="handovers")
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("territorial region")
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["tenant", "hazard"], name="handover_tenant_hazard_idx")]

    def __str__(self) -> str:
        return f"{self.hazard_id} → {self.region}"


class HandoverReceipt(TenantOwned):
    """One receiver's receipt of a handover — a following department, or the territorial government (the
    committee of the handover's region) — acknowledged by the receiver before its deadline."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="receipts")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="handover_receipts"
    )
    # The territorial government: committees are modelled as regions (committee staff hold their membership
    # on the region), so the committee receiving a handover is named by its region.
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handover_receipts",
        verbose_name=_("territorial committee"),
    )
    receipt_deadline = models.DateField(_("receipt deadline"))
    acknowledged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Set once by the daily sweep when the deadline passed unacknowledged; the committee it went up to.
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["receipt_deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handover", "department"], name="handover_receipt_unique_department"
            ),
            models.UniqueConstraint(
                fields=["handover", "region"],
                condition=Q(region__isnull=False),
                name="handover_receipt_unique_committee",
            ),
            # A receipt has exactly one receiver: a department or a committee.
            models.CheckConstraint(
                condition=Q(department__isnull=False, region__isnull=True)
                | Q(department__isnull=True, region__isnull=False),
                name="handover_receipt_one_receiver",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "department"], name="receipt_tenant_dept_idx"),
            models.Index(fields=["tenant", "region"], name="receipt_tenant_committee_idx"),
            # The daily sweep looks only at receipts nobody acknowledged and nobody escalated yet.
            models.Index(
                fields=["tenant", "receipt_deadline"],
                condition=Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="receipt_tenant_unanswered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handover_id} → {self.receiver_name}"

    @property
    def receiver_name(self) -> str:
        """The department's name, or "<region> safety committee" for the territorial government."""
        if self.department_id is not None and self.department is not None:
            return str(self.department)
        return _("%(region)s safety committee") % {"region": self.region.display_name if self.region else ""}

    @property
    def is_committee(self) -> bool:
        return self.region_id is not None

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        """A receiver's own receipts: those of its departments and of the committees it staffs."""
        if scope.is_tenant_admin:
            return Q()
        conditions: list[Q] = []
        if scope.department_ids:
            conditions.append(Q(department_id__in=scope.department_ids))
        if scope.committee_region_ids:
            conditions.append(Q(region_id__in=scope.committee_region_ids))
        return any_of(conditions)


class Extension(TenantOwned):
    """A request to move a rectification deadline, decided by the supervising body."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="extensions")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    previous_deadline = models.DateField()
    new_deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"], condition=Q(status="pending"), name="extension_one_pending_per_hazard"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id} → {self.new_deadline} ({self.status})"


class RectificationReport(TenantOwned):
    """What the enterprise says it did, with evidence, when it asks for verification."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="reports")
    report = models.TextField(_("report"))
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at"]

    def __str__(self) -> str:
        return f"{self.hazard_id} report {self.submitted_at:%Y-%m-%d}"


class Verification(TenantOwned):
    """A verification of a rectification: accepted (closure, 销号) or rejected with a reason."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="verifications")
    verified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField()
    on_site = models.BooleanField(_("verified on site"), default=True)
    accepted = models.BooleanField(_("accepted"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["verified_at"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {'accepted' if self.accepted else 'rejected'}"


class Evidence(TenantOwned):
    """An uploaded photo or PDF: checked by content, stored under a random name, served only in scope."""

    hazard = models.ForeignKey(
        Hazard, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    report = models.ForeignKey(
        RectificationReport, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    self_inspection_item = models.ForeignKey(
        SelfInspectionItem, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    acceptance = models.ForeignKey(
        "ClosureAcceptance", on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="evidence/%Y/%m/")  # the file as sent, byte for byte (sha256)
    # Photos only: an upright, downscaled JPEG without metadata that pages show (empty: pages use the file).
    display = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    # From the photo's EXIF, where the camera recorded them; a site's position is never shown to the public.
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("evidence file")
        indexes = [models.Index(fields=["tenant", "hazard"], name="evidence_tenant_hazard_idx")]

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        """Whoever may see the hazard or the self-inspection a file belongs to may see the file."""
        if scope.tenant_id is None:
            return Q(pk__in=[])
        hazards = Hazard.objects.filter(tenant_id=scope.tenant_id).filter(Hazard.scope_filter(scope))
        inspections = SelfInspection.objects.filter(tenant_id=scope.tenant_id).filter(
            SelfInspection.scope_filter(scope)
        )
        return Q(hazard__in=hazards.values("pk")) | Q(
            self_inspection_item__self_inspection__in=inspections.values("pk")
        )


class Notification(TenantOwned):
    """An in-app message to one user (reminders, escalations); also sent by e-mail."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notifications")
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=30)
    # Rendered in the reader's language from `message_key` and `params` (hazards/notice_texts.py); rows
    # written before keys existed keep only `message`, the text in the writer's language.
    message = models.TextField(blank=True)
    message_key = models.CharField(max_length=40, blank=True, default="", db_default="")
    params = models.JSONField(default=dict, blank=True, db_default={})
    created_at = models.DateTimeField()
    sent_on = models.DateField()
    read_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One reminder of a kind per hazard, user and day: the sweep can run twice without spamming.
            models.UniqueConstraint(
                fields=["user", "hazard", "kind", "sent_on"], name="notification_once_a_day"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "user", "-created_at"], name="notification_tenant_user_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"

    @property
    def text(self) -> str:
        """The notice in the active language (the reader's: the request's, or the one a delivery chose)."""
        return notice_text(self.message_key, self.params, fallback=self.message)

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return Q(user_id=scope.user_id)  # notifications are personal, admins included


def _notice_admin_filter(scope: Scope) -> Q:
    """The tenant's notice deliveries and webhook are its administrator's to watch and configure."""
    return Q() if scope.is_tenant_admin else Q(pk__in=[])


class NoticeDelivery(TenantOwned):
    """The outbox: one notice to go to one recipient by one channel (e-mail, the tenant's webhook), written in
    the transaction of the event and delivered by Celery until it is sent (hazards/notices/delivery.py)."""

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="deliveries")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=NoticeChannel.choices)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_filter = staticmethod(_notice_admin_filter)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "next_attempt_at"], name="delivery_tenant_status_idx"),
            models.Index(fields=["tenant", "-created_at"], name="delivery_tenant_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.notification_id} {self.status}"


class NoticeAttempt(TenantOwned):
    """One try at sending a delivery: when, and what went wrong (empty when it went)."""

    delivery = models.ForeignKey(NoticeDelivery, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    ok = models.BooleanField()
    error = models.TextField(blank=True)

    objects = ScopedManager()
    scope_filter = staticmethod(_notice_admin_filter)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="attempt_once_per_number")]
        indexes = [models.Index(fields=["tenant", "delivery"], name="attempt_tenant_delivery_idx")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


class NoticePreference(TenantOwned):
    """A user's channels for one kind of notice; no row means the defaults (every channel on)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="notice_preferences")
    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    email = models.BooleanField(default=True)
    webhook = models.BooleanField(default=True)

    objects = ScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_once")]
        indexes = [models.Index(fields=["tenant", "user"], name="noticepref_tenant_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return Q(user_id=scope.user_id)


class NoticeWebhook(TenantOwned):
    """The tenant's webhook channel: a JSON POST per notice and recipient, to an SMS gateway or a
    work-messaging robot (WeCom, DingTalk), from a body template with placeholders such as {title}."""

    url = models.URLField(_("webhook URL"), max_length=500)
    body_template = models.TextField(_("JSON body template"))
    # Signs each body with HMAC-SHA256 when set; never shown back in full.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField()

    objects = ScopedManager()
    scope_filter = staticmethod(_notice_admin_filter)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="noticewebhook_one_per_tenant")]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        """What the administrator sees of the secret: that there is one, and its last two characters."""
        return f"••••{self.secret[-2:]}" if len(self.secret) >= 8 else ("••••" if self.secret else "")


class ClosureAcceptance(TenantOwned):
    """The on-site acceptance recorded when a hazard is verified and closed (销号验收): who took part, how,
    and what they concluded. Required for a major hazard; its attachments are Evidence rows."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="acceptances")
    verification = models.OneToOneField(Verification, on_delete=models.PROTECT, related_name="acceptance")
    # The department that verified: the re-checks after closure (回头看) go back to it.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # [{"name": "…", "role": "inspector" | "expert", "unit": "…"}], at least two (services/closure.py).
    participants = models.JSONField(_("participants"))
    method = models.CharField(_("acceptance method"), max_length=20, choices=AcceptanceMethod.choices)
    conclusion = models.TextField(_("conclusion"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "hazard"], name="acceptance_tenant_hazard_idx")]

    def __str__(self) -> str:
        return f"{self.hazard_id} acceptance {self.created_at:%Y-%m-%d}"

    @property
    def participant_rows(self) -> list[dict[str, str]]:
        """The participants with their role's label, for pages."""
        labels = dict(AcceptanceRole.choices)
        return [{**row, "role_label": str(labels.get(row.get("role", ""), ""))} for row in self.participants]


class ClosureReport(TenantOwned):
    """The closure report PDF of one acceptance: generated once when the hazard closes, then frozen with its
    SHA-256 (the application's database role may insert it, never change or delete it)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="closure_reports")
    acceptance = models.OneToOneField(ClosureAcceptance, on_delete=models.PROTECT, related_name="report")
    pdf = models.BinaryField()
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "hazard"], name="closure_report_tenant_haz_idx")]

    def __str__(self) -> str:
        return f"{self.hazard_id} closure report {self.sha256[:12]}"


class Recheck(TenantOwned):
    """A closed major hazard drawn for the month's re-check after closure (回头看), assigned to the department
    that verified it, and its result once recorded (held, or not held: the hazard is reopened)."""

    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="rechecks")
    month = models.DateField(_("month"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=100, editable=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="rechecks")
    created_at = models.DateTimeField()
    held = models.BooleanField(_("rectification held"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("re-check")
        ordering = ["-month", "region_path", "id"]
        constraints = [
            # However often the monthly job runs: a hazard is drawn at most once a month.
            models.UniqueConstraint(fields=["tenant", "month", "hazard"], name="recheck_once_a_month"),
        ]
        indexes = [
            models.Index(fields=["tenant", "department", "month"], name="recheck_tenant_dept_idx"),
            models.Index(
                fields=["tenant", "region_path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="recheck_tenant_rpath_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id} re-check {self.month:%Y-%m}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        """A department sees its own re-checks; committee staff every one in their regions."""
        if scope.is_tenant_admin:
            return Q()
        conditions = path_within("region_path", scope.committee_paths)
        if scope.department_ids:
            conditions.append(Q(department_id__in=scope.department_ids))
        return any_of(conditions)


# Enforcement orders live in their own module (a register beside the ledger); imported here so Django
# registers them with the app.
from .enforcement import EnforcementOrder, EnforcementOrderHazard  # noqa: E402, F401

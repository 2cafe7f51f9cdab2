from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedManager, any_of, path_within
from organizations.models import Department, Enterprise, Region, TenantOwned, User, enterprise_conditions
from organizations.scoping import Scope

from .choices import (
    AccidentGrade,
    AccidentReporting,
    InterviewReason,
    SanctionBasis,
    SanctionKind,
    SpotCheckState,
    Track,
)


def committee_scope(scope: Scope, path_field: str) -> Q:
    """Accountability records are for committee staff of the region (and above) and tenant admins."""
    if scope.is_tenant_admin:
        return Q()
    return any_of(path_within(path_field, scope.committee_paths))


class Accident(TenantOwned):
    """A production safety accident at an enterprise: when, how grave, what happened."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="accidents")
    region_path = models.CharField(max_length=100, editable=False)
    occurred_at = models.DateTimeField(_("occurred at"))
    deaths = models.PositiveIntegerField(_("deaths"), default=0)
    injuries = models.PositiveIntegerField(_("injuries"), default=0)
    # Serious injuries (acute industrial poisoning included) decide the grade; `injuries` counts all injured.
    serious_injuries = models.PositiveIntegerField(_("serious injuries"), default=0)
    economic_loss = models.DecimalField(
        _("direct economic loss (10,000 yuan)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    description = models.TextField(_("what happened"))
    # Derived by the service from the three measures (accountability/accidents.py); stored to filter and sum.
    grade = models.CharField(
        _("grade"), max_length=20, choices=AccidentGrade.choices, default=AccidentGrade.GENERAL
    )
    reported_at = models.DateTimeField(_("reported to the county department at"), null=True, blank=True)
    reporting = models.CharField(
        _("reporting"),
        max_length=14,
        choices=AccidentReporting.choices,
        default=AccidentReporting.NOT_REPORTED,
    )
    reporting_note = models.TextField(_("reporting finding"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("accident")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["tenant", "-occurred_at"], name="accident_tenant_time_idx"),
            models.Index(fields=["tenant", "region_path", "occurred_at"], name="accident_tenant_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.occurred_at:%Y-%m-%d}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        """Committees of the region, and the departments that regulate the enterprise (who record it)."""
        if scope.is_tenant_admin:
            return Q()
        regulators = Scope(
            user_id=scope.user_id,
            tenant_id=scope.tenant_id,
            departments=scope.departments,
            committee_paths=scope.committee_paths,
        )
        return any_of(enterprise_conditions(regulators, id_field="enterprise_id", path_field="region_path"))


class AccountabilityCase(TenantOwned):
    """ "One case, three investigations" opened on an accident, with the trace assembled when it opened."""

    accident = models.OneToOneField(Accident, on_delete=models.PROTECT, related_name="case")
    region_path = models.CharField(max_length=100, editable=False)
    # What the ledger held about the enterprise before the accident, frozen when the case opened.
    trace = models.JSONField()
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("accountability case")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"case {self.accident}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return committee_scope(scope, "region_path")


class Investigation(TenantOwned):
    """One of the three tracks of a case: whose responsibility, found what."""

    case = models.ForeignKey(AccountabilityCase, on_delete=models.PROTECT, related_name="investigations")
    track = models.CharField(_("track"), max_length=12, choices=Track.choices)
    subject_unit = models.CharField(_("unit"), max_length=200, blank=True)
    subject_person = models.CharField(_("person in charge"), max_length=100, blank=True)
    findings = models.TextField(_("findings"), blank=True)

    class Meta:
        ordering = ["case_id", "track"]
        constraints = [models.UniqueConstraint(fields=["case", "track"], name="investigation_one_per_track")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.track}"


class Sanction(TenantOwned):
    """A sanction from the fixed catalogue, naming its subject, the issuing body and its basis: an accident's
    case (through an investigation) or poor work on its own record (through the evidence it cites)."""

    investigation = models.ForeignKey(
        Investigation, on_delete=models.PROTECT, null=True, blank=True, related_name="sanctions"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, related_name="+")
    region_path = models.CharField(max_length=100, editable=False, default="")
    track = models.CharField(_("subject is"), max_length=12, choices=Track.choices, default=Track.ENTERPRISE)
    basis = models.CharField(
        _("basis"), max_length=30, choices=SanctionBasis.choices, default=SanctionBasis.ACCIDENT_CASE
    )
    kind = models.CharField(_("sanction"), max_length=24, choices=SanctionKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    issuing_body = models.CharField(_("issuing body"), max_length=200)
    decided_on = models.DateField(_("decided on"))
    amount = models.DecimalField(
        _("fine (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(null=True, auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["decided_on", "id"]
        indexes = [
            models.Index(fields=["tenant", "region_path", "decided_on"], name="sanction_tenant_path_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return committee_scope(scope, "region_path")


EVIDENCE_FIELDS = ("region_assessment", "department_assessment", "hazard", "handover_receipt", "accident")


def _exactly_one(fields: tuple[str, ...]) -> Q:
    """Exactly one of the foreign keys is set."""
    condition = Q()
    for chosen in fields:
        one = Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                one &= Q(**{f"{other}__isnull": True})
        condition |= one
    return condition


class SanctionEvidence(TenantOwned):
    """One record a sanction without an accident cites: an assessment, a hazard, a handover receipt or an
    accident. Exactly one of the references is set; the service checked it supports the basis."""

    sanction = models.ForeignKey(Sanction, on_delete=models.PROTECT, related_name="evidence")
    region_assessment = models.ForeignKey(
        "RegionAssessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department_assessment = models.ForeignKey(
        "DepartmentAssessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hazard = models.ForeignKey(
        "hazards.Hazard", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handover_receipt = models.ForeignKey(
        "hazards.HandoverReceipt", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accident = models.ForeignKey(Accident, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # What the record said when it was cited (a later change to it does not rewrite the decision's ground).
    summary = models.CharField(max_length=300)

    class Meta:
        ordering = ["sanction_id", "id"]
        indexes = [models.Index(fields=["tenant", "sanction"], name="sanction_evidence_idx")]
        constraints = [
            models.CheckConstraint(
                name="sanction_evidence_one_reference", condition=_exactly_one(EVIDENCE_FIELDS)
            )
        ]

    def __str__(self) -> str:
        return self.summary


class SpotCheck(TenantOwned):
    """A submitted self-inspection the monthly draw picked for re-inspection, the regulating department it was
    assigned to and, once re-inspected, what the enterprise had missed."""

    self_inspection = models.OneToOneField(
        "hazards.SelfInspection", on_delete=models.PROTECT, related_name="spot_check"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=100, editable=False)
    month = models.DateField(_("month"))
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    # md5(tenant:month:self-inspection) — the draw's order, so anyone can redo it.
    draw = models.CharField(max_length=32)
    state = models.CharField(max_length=10, choices=SpotCheckState.choices, default=SpotCheckState.ASSIGNED)
    sampled_at = models.DateTimeField()
    checked_on = models.DateField(_("re-inspected on"), null=True, blank=True)
    missed_count = models.PositiveIntegerField(_("hazards the enterprise missed"), null=True, blank=True)
    findings = models.TextField(_("what the enterprise missed"), blank=True)
    inspection = models.ForeignKey(
        "hazards.Inspection", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    result_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("spot check")
        ordering = ["-month", "region_path", "draw"]
        indexes = [
            models.Index(fields=["tenant", "month", "region_path"], name="spotcheck_tenant_month_idx"),
            models.Index(fields=["tenant", "department", "month"], name="spotcheck_tenant_dept_idx"),
            models.Index(fields=["tenant", "result_at"], name="spotcheck_tenant_result_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.month:%Y-%m}"

    @property
    def found_nothing_missed(self) -> bool | None:
        return None if self.missed_count is None else self.missed_count == 0

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        """Committees of the region and the department it is assigned to; never the enterprise (the draw is
        not announced to it)."""
        if scope.is_tenant_admin:
            return Q()
        conditions = path_within("region_path", scope.committee_paths)
        if scope.department_ids:
            conditions.append(Q(department_id__in=scope.department_ids))
        return any_of(conditions)


class WarningInterview(TenantOwned):
    """A warning interview (约谈): who interviewed whom, why, when, commitments and follow-up."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    region_path = models.CharField(max_length=100, editable=False)
    interviewer = models.CharField(_("interviewer (body and person)"), max_length=200)
    interviewee_unit = models.CharField(_("unit interviewed"), max_length=200)
    interviewee_person = models.CharField(_("person in charge interviewed"), max_length=100)
    reason = models.CharField(_("reason"), max_length=20, choices=InterviewReason.choices)
    reason_detail = models.TextField(_("details of the reason"), blank=True)
    accident = models.ForeignKey(
        Accident, on_delete=models.PROTECT, null=True, blank=True, related_name="interviews"
    )
    held_on = models.DateField(_("date"))
    commitments = models.TextField(_("commitments"), blank=True)
    follow_up = models.TextField(_("follow-up"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("warning interview")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.interviewee_unit} {self.held_on}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return committee_scope(scope, "region_path")


class ScoringScheme(TenantOwned):
    """How a campaign weighs the four assessment groups ("four assessments"); defaults 40/20/25/15."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="scoring_scheme"
    )
    weight_progress = models.DecimalField(
        _("overall rectification progress"), max_digits=5, decimal_places=2, default=Decimal("40")
    )
    weight_self_inspection = models.DecimalField(
        _("enterprise self-inspection quality"), max_digits=5, decimal_places=2, default=Decimal("20")
    )
    weight_enforcement = models.DecimalField(
        _("departments' precise enforcement"), max_digits=5, decimal_places=2, default=Decimal("25")
    )
    weight_leadership = models.DecimalField(
        _("leadership"), max_digits=5, decimal_places=2, default=Decimal("15")
    )
    # Points a region loses per accident in its subtree that month, by grade (the scheme's accident rule).
    deduct_general = models.DecimalField(
        _("points off per general accident"), max_digits=5, decimal_places=2, default=Decimal("2")
    )
    deduct_larger = models.DecimalField(
        _("points off per larger accident"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    deduct_major = models.DecimalField(
        _("points off per major accident"), max_digits=5, decimal_places=2, default=Decimal("30")
    )
    deduct_especially_major = models.DecimalField(
        _("points off per especially major accident"), max_digits=5, decimal_places=2, default=Decimal("100")
    )
    # {indicator: {"method": "absolute", "best": 100, "worst": 0}}; an indicator not named here is scaled
    # relative to the units ranked together (see accountability/scoring.py).
    normalisation = models.JSONField(_("normalisation per indicator"), default=dict, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, null=True)

    objects = ScopedManager()

    def __str__(self) -> str:
        return f"scheme of {self.campaign_id}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return committee_scope(scope, "campaign__region_path")

    def weights(self) -> dict[str, Decimal]:
        return {
            "progress": self.weight_progress,
            "self_inspection": self.weight_self_inspection,
            "enforcement": self.weight_enforcement,
            "leadership": self.weight_leadership,
        }

    def deductions(self) -> dict[str, Decimal]:
        return {grade: getattr(self, f"deduct_{grade}") for grade in AccidentGrade.values}


class LeadershipInput(TenantOwned):
    """Leadership figures committee staff enter for a region and month, with who entered them."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    leader_inspections = models.PositiveIntegerField(_("inspections led by leaders"), default=0)
    meetings = models.PositiveIntegerField(_("safety meetings held"), default=0)
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-month", "region__path"]
        constraints = [models.UniqueConstraint(fields=["tenant", "region", "month"], name="leadership_once")]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return committee_scope(scope, "region__path")


class Assessment(TenantOwned):
    """A unit's monthly indicators, group scores, total and rank among the units ranked with it."""

    month = models.DateField()
    region_path = models.CharField(max_length=100, editable=False)
    indicators = models.JSONField()
    groups = models.JSONField()
    score = models.DecimalField(max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField()
    rank_of = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        abstract = True

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return committee_scope(scope, "region_path")


class RegionAssessment(Assessment):
    """A region's month, ranked among its sibling regions."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["month", "region_path"]
        constraints = [models.UniqueConstraint(fields=["tenant", "month", "region"], name="assessment_once")]
        indexes = [models.Index(fields=["tenant", "month"], name="assessment_tenant_month_idx")]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m}: {self.score}"


class DepartmentAssessment(Assessment):
    """A department's month, ranked among the departments of the same region."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["month", "region_path", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "month", "department"], name="department_assessment_once"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "month", "region", "rank"], name="dept_assessment_rank_idx")
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.month:%Y-%m}: {self.score}"


class EnterpriseAssessment(Assessment):
    """An enterprise's month, ranked among the operating enterprises of the same region."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["month", "region_path", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "month", "enterprise"], name="enterprise_assessment_once"
            )
        ]
        indexes = [models.Index(fields=["tenant", "month", "region", "rank"], name="ent_assessment_rank_idx")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.month:%Y-%m}: {self.score}"

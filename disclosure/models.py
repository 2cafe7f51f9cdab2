import secrets
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedManager, any_of, path_within
from hazards.models import Hazard
from organizations.models import Department, Region, Tenant, TenantOwned, User
from organizations.scoping import Scope

from .choices import PublicationStatus, TipOffStatus


def new_public_id() -> str:
    return secrets.token_urlsafe(9)


class DisclosurePolicy(models.Model):
    """Which optional fields a tenant publishes; nothing typed into the ledger as free text ever is."""

    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="disclosure_policy")
    show_criterion = models.BooleanField(_("publish the criterion met"), default=True)
    show_deadline = models.BooleanField(_("publish the rectification deadline"), default=True)
    show_listing = models.BooleanField(_("publish listed supervision"), default=True)

    def __str__(self) -> str:
        return f"policy of {self.tenant}"


PUBLIC_TITLE_MAX = 200


class PublicHazardId(TenantOwned):
    """A disclosed hazard's public identity: a random id (never the database id), stable across months, and
    the public title committee staff wrote for it in a draft review (empty: the default wording)."""

    hazard = models.OneToOneField(Hazard, on_delete=models.PROTECT, related_name="public_id")
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    title = models.CharField(_("public title"), max_length=PUBLIC_TITLE_MAX, blank=True)
    title_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    title_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.public_id


class Publication(TenantOwned):
    """One month's disclosure for one region: a draft, then an immutable published snapshot with its PDF."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="publications")
    region_path = models.CharField(max_length=100, editable=False)
    month = models.DateField(_("month"))
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=12, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id)
    content = models.JSONField()
    pdf = models.BinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    correction_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("publication")
        ordering = ["-month", "region_path", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "region", "month", "version"], name="publication_version"
            ),
            # However often the monthly job runs, and however many at once: one draft per region and month.
            models.UniqueConstraint(
                fields=["tenant", "region", "month"],
                condition=Q(status="draft"),
                name="publication_one_draft",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "month"], name="publication_tenant_status_idx")]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y-%m} v{self.version}"

    @property
    def pdf_bytes(self) -> bytes:
        return bytes(self.pdf) if self.pdf is not None else b""

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        """Committee staff (and tenant admins) review their regions' publications."""
        if scope.is_tenant_admin:
            return Q()
        return any_of(path_within("region_path", scope.committee_paths))


def new_tracking_code() -> str:
    """What the sender keeps to follow a tip-off: hard to guess, easy to read out (no 0/O, 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class TipOff(TenantOwned):
    """A report (举报) from the public, routed to the committee of the chosen region."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="tip_offs")
    region_path = models.CharField(max_length=100, editable=False)
    tracking_code = models.CharField(max_length=12, unique=True, default=new_tracking_code)
    enterprise_name = models.CharField(_("enterprise or place"), max_length=200, blank=True)
    description = models.TextField(_("what you saw"))
    # Only committee staff ever see the sender's contact; the public status page never shows it.
    contact = models.CharField(_("contact (optional)"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=TipOffStatus.choices, default=TipOffStatus.RECEIVED)
    public_note = models.TextField(_("note for the sender"), blank=True)
    triaged_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    # A lead goes to one department, which inspects and cites the tip-off (hazards.Inspection.tip_off).
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tip_offs",
        verbose_name=_("assigned department"),
    )
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    # The reward (举报奖励) granted to the sender; the amount is the committee's record, never published.
    reward_granted_on = models.DateField(_("reward granted on"), null=True, blank=True)
    reward_amount = models.DecimalField(
        _("reward amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    reward_recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("tip-off")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "-created_at"], name="tipoff_tenant_status_idx"),
            models.Index(fields=["tenant", "department"], name="tipoff_tenant_dept_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        """Committee staff see the tip-offs of their regions; a department those assigned to it (never the
        sender's contact: see `contact_visible_to`)."""
        if scope.is_tenant_admin:
            return Q()
        conditions = path_within("region_path", scope.committee_paths)
        if scope.department_ids:
            conditions.append(Q(department_id__in=scope.department_ids))
        return any_of(conditions)

    def citation_refusal(self, *, department_id: int, region_path: str) -> str | None:
        """Why an inspection of `department_id` at a place in `region_path` may not cite this tip-off (the
        ledger's inspection asks, hazards.services.inspections.Lead), or None when it may."""
        if self.status != TipOffStatus.LEAD or self.department_id != department_id:
            return str(_("Cite a tip-off assigned to your department as a lead."))
        if not region_path.startswith(self.region_path):
            return str(_("The enterprise inspected is outside the tip-off's region."))
        return None

    def contact_visible_to(self, scope: Scope) -> bool:
        """Only committee staff over the tip-off's region (and the tenant's administrator) read the sender's
        contact; the department it is assigned to does not."""
        return scope.is_tenant_admin or any(self.region_path.startswith(p) for p in scope.committee_paths)

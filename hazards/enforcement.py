"""Enforcement orders (责令停产停业整顿, 局部停产, 查封扣押, 关闭取缔): a register beside the ledger.

An order stops an enterprise, wholly or in part, until the issuing department accepts it back on site
(复产验收); a closure order never ends. While any order is in force the enterprise's operating status is
suspended (closed under a closure order), and the months it was suspended excuse it from monthly
self-inspection filing (`excused_from_filing`). The order never moves a hazard: it links the hazards it was
issued for, writes one event into each one's timeline when issued and when lifted, and refuses resumption
while any of them is still open.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import ScopedManager
from organizations.models import Department, Enterprise, TenantOwned, User

from .models import Hazard, Inspection, enterprise_or_department_scope


class OrderKind(models.TextChoices):
    STOP_FOR_RECTIFICATION = "stop_rectify", _("Stop production or business for rectification")
    PARTIAL_STOP = "partial_stop", _("Partial stop of production")
    EQUIPMENT_SEALED = "equipment_sealed", _("Facilities and equipment sealed or seized")
    CLOSURE = "closure", _("Closure and ban")


class OrderStatus(models.TextChoices):
    IN_FORCE = "in_force", pgettext_lazy("enforcement order", "In force")
    RESUMED = "resumed", pgettext_lazy("enforcement order", "Resumed")


class AcceptanceRole(models.TextChoices):
    """The part a participant of the on-site resumption acceptance played."""

    INSPECTOR = "inspector", pgettext_lazy("acceptance role", "Law-enforcement inspector")
    EXPERT = "expert", pgettext_lazy("acceptance role", "Expert")
    TERRITORIAL = "territorial", pgettext_lazy("acceptance role", "Territorial government")
    ENTERPRISE = "enterprise", pgettext_lazy("acceptance role", "Enterprise representative")


class EnforcementOrder(TenantOwned):
    """An order a regulating department issued against an enterprise, in force until resumption."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="enforcement_orders", verbose_name=_("enterprise")
    )
    region_path = models.CharField(max_length=100, editable=False)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="enforcement_orders", verbose_name=_("department")
    )
    kind = models.CharField(_("kind of order"), max_length=20, choices=OrderKind.choices)
    legal_basis = models.TextField(_("legal basis"))
    issued_on = models.DateField(_("issued on"))
    # The inspection that found what the order answers, when it came from one (its stop-production box).
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="enforcement_orders"
    )
    hazards = models.ManyToManyField(
        Hazard, through="EnforcementOrderHazard", related_name="enforcement_orders", verbose_name=_("hazards")
    )
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.IN_FORCE)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    # The on-site acceptance that lifted the order (复产验收): who took part, in which role, and its note.
    resumed_on = models.DateField(_("acceptance date"), null=True, blank=True)
    acceptance_participants = models.JSONField(default=list, blank=True)
    acceptance_note = models.TextField(_("acceptance note"), blank=True)
    resumed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resumed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("enforcement order")
        verbose_name_plural = _("enforcement orders")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["tenant", "enterprise", "issued_on"], name="order_tenant_ent_idx"),
            models.Index(
                fields=["tenant", "region_path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="order_tenant_rpath_idx",
            ),
            models.Index(fields=["tenant", "department", "status"], name="order_tenant_dept_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="order_resumed_has_acceptance",
                condition=Q(status="in_force", resumed_on__isnull=True)
                | Q(status="resumed", resumed_on__isnull=False),
            ),
            models.CheckConstraint(
                name="order_closure_never_resumes", condition=~Q(kind="closure", status="resumed")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()} {self.issued_on}"

    @property
    def in_force(self) -> bool:
        return self.status == OrderStatus.IN_FORCE

    # Where the enterprise is visible, and to the issuing department.
    scope_filter = staticmethod(enterprise_or_department_scope)


class EnforcementOrderHazard(TenantOwned):
    """A hazard an enforcement order was issued for: resumption waits until it is no longer open."""

    order = models.ForeignKey(EnforcementOrder, on_delete=models.PROTECT, related_name="links")
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "hazard"], name="order_hazard_unique"),
        ]
        indexes = [models.Index(fields=["tenant", "hazard"], name="order_hazard_tenant_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} ← {self.hazard_id}"


def suspended_during(first_day: dt.date, last_day: dt.date, *, enterprise_field: str = "pk") -> Exists:
    """Whether an order was in force on some day between the two dates (the enterprise from OuterRef)."""
    return Exists(
        EnforcementOrder.objects.filter(
            tenant_id=OuterRef("tenant_id"),
            enterprise_id=OuterRef(enterprise_field),
            issued_on__lte=last_day,
        ).filter(Q(resumed_on__isnull=True) | Q(resumed_on__gte=first_day))
    )


# The same rule for the scoring job's raw SQL (accountability/indicators.py): `e` is the enterprise row.
SUSPENDED_IN_MONTH_SQL = """EXISTS (SELECT 1 FROM hazards_enforcementorder o
    WHERE o.tenant_id = e.tenant_id AND o.enterprise_id = e.id AND o.issued_on <= %(last_day)s
      AND (o.resumed_on IS NULL OR o.resumed_on >= %(first_day)s))"""
# Enterprises under an order are suspended or closed now, yet owed the months before the order.
HAS_ORDER_SQL = """EXISTS (SELECT 1 FROM hazards_enforcementorder o
    WHERE o.tenant_id = e.tenant_id AND o.enterprise_id = e.id)"""


def due_to_file(enterprises: models.QuerySet[Enterprise], month: dt.date) -> models.QuerySet[Enterprise]:
    """The enterprises owing the month's self-inspection: operating ones, and those an order stopped later
    (they owe the months before it), less every one an order kept suspended during some day of the month."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    has_order = Exists(
        EnforcementOrder.objects.filter(tenant_id=OuterRef("tenant_id"), enterprise_id=OuterRef("pk"))
    )
    return enterprises.filter(Q(status="operating") | Q(has_order)).exclude(suspended_during(first, last))


def suspended_months(*, tenant_id: int, enterprise_id: int, months: list[dt.date]) -> set[dt.date]:
    """Which of the months (first days) an order kept the enterprise suspended on some day."""
    spans = list(
        EnforcementOrder.objects.filter(tenant_id=tenant_id, enterprise_id=enterprise_id).values_list(
            "issued_on", "resumed_on"
        )
    )
    excused = set()
    for first in months:
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        if any(issued <= last and (resumed is None or resumed >= first) for issued, resumed in spans):
            excused.add(first)
    return excused


def public_standing(*, tenant_id: int, credit_code: str) -> dict[str, object] | None:
    """What the public enterprise page says of the enterprise's operation: its operating status and the kinds
    of orders in force, as reviewed labels only (never the legal basis or any other free text)."""
    enterprise = Enterprise.objects.filter(tenant_id=tenant_id, credit_code=credit_code).first()
    if enterprise is None:
        return None
    kinds = (
        EnforcementOrder.objects.filter(
            tenant_id=tenant_id, enterprise=enterprise, status=OrderStatus.IN_FORCE
        )
        .order_by("issued_on")
        .values_list("kind", flat=True)
    )
    return {
        "status": enterprise.status,
        "status_label": enterprise.get_status_display(),
        "orders": [OrderKind(kind).label for kind in dict.fromkeys(kinds)],
    }

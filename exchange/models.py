"""Both ends of the exchange.

A province's side: `UpwardRecord` is the outbox (one row per change of a major hazard, written by a database
trigger in the transaction of the ledger event, and one per region x industry of each month's aggregate),
`UpwardBatch` the signed, chained batches they travel in, `UpwardLink` where and with which key they go.

The national side: `ExchangePartner` (a province that may deliver, with its key and the account it signs in
with), `ReceivedBatch` (each batch accepted, once), and what the batches said: `ReportedHazard` (the latest
state of each major hazard), `ReportedChange` (every change, in order) and `ReportedAggregate`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import ScopedManager
from hazards.choices import HazardState
from organizations.models import TenantOwned, User
from organizations.scoping import Scope

from .choices import BatchState, RecordKind


def _exchange_admin_filter(scope: Scope) -> Q:
    """The exchange's bookkeeping is the tenant administrator's (the system administrator) to see."""
    return Q() if scope.is_tenant_admin else Q(pk__in=[])


def _national_reader_filter(scope: Scope) -> Q:
    """What provinces reported is for the national tenant's committee staff and its administrator."""
    return Q() if scope.is_tenant_admin or scope.committee_paths else Q(pk__in=[])


class UpwardLink(TenantOwned):
    """Where a province's batches go, and the token and key it signs in and signs with."""

    url = models.URLField(
        _("exchange URL"), blank=True, help_text=_("Empty: the NATIONAL_EXCHANGE_URL setting.")
    )
    token = models.CharField(_("API token at the national system"), max_length=100)
    key = models.CharField(_("HMAC key"), max_length=200)

    objects = ScopedManager()
    scope_filter = staticmethod(_exchange_admin_filter)

    class Meta:
        verbose_name = _("upward link")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="upwardlink_one_per_tenant")]


class UpwardBatch(TenantOwned):
    """A batch of records as sent: its bytes are fixed when it is made, so a retry sends the same batch."""

    seq = models.PositiveIntegerField()
    batch_id = models.UUIDField(unique=True)
    prev_sha256 = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    body = models.TextField()
    signature = models.CharField(max_length=64)
    records = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=BatchState.choices, default=BatchState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_filter = staticmethod(_exchange_admin_filter)

    class Meta:
        verbose_name = _("upward batch")
        constraints = [models.UniqueConstraint(fields=["tenant", "seq"], name="upwardbatch_seq_per_tenant")]
        indexes = [models.Index(fields=["tenant", "state", "seq"], name="upwardbatch_tenant_state_idx")]


class UpwardRecord(TenantOwned):
    """One record waiting for (or already in) a batch: fields fit to leave the province only."""

    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    payload = models.JSONField()
    created_at = models.DateTimeField()
    # Set when the record is put in a batch; the batch says whether it arrived.
    batch = models.ForeignKey(UpwardBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The event that caused a hazard change (one record per event: a trigger re-run cannot double it).
    event_id = models.BigIntegerField(null=True, blank=True)

    objects = ScopedManager()
    scope_filter = staticmethod(_exchange_admin_filter)

    class Meta:
        verbose_name = _("upward record")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event_id"], name="upwardrecord_one_per_event"),
        ]
        indexes = [
            models.Index(
                fields=["tenant", "id"], name="upwardrecord_pending_idx", condition=Q(batch__isnull=True)
            ),
        ]


class ExchangePartner(TenantOwned):
    """A province that delivers to this (national) tenant: its region code, its key and its account."""

    province_code = models.CharField(_("province code"), max_length=6)
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("HMAC key"), max_length=200)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="exchange_partner")
    last_seq = models.PositiveIntegerField(default=0)
    last_sha256 = models.CharField(max_length=64, default="0" * 64)
    last_received_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_filter = staticmethod(_national_reader_filter)

    class Meta:
        verbose_name = _("exchange partner")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "province_code"], name="exchangepartner_one_per_province"
            )
        ]


class ReceivedBatch(TenantOwned):
    """A batch the national side accepted (once: a second delivery of the same id changes nothing)."""

    partner = models.ForeignKey(ExchangePartner, on_delete=models.PROTECT, related_name="batches")
    batch_id = models.UUIDField()
    seq = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    records = models.PositiveIntegerField()
    received_at = models.DateTimeField()

    objects = ScopedManager()
    scope_filter = staticmethod(_national_reader_filter)

    class Meta:
        verbose_name = _("received batch")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "batch_id"], name="receivedbatch_once"),
            models.UniqueConstraint(fields=["tenant", "partner", "seq"], name="receivedbatch_seq_once"),
        ]


class ReportedHazard(TenantOwned):
    """The latest state a province reported of one of its major hazards."""

    province_code = models.CharField(max_length=6)
    code = models.CharField(max_length=30)
    region_code = models.CharField(max_length=6)
    region_name = models.CharField(max_length=100)
    industry_code = models.CharField(max_length=40)
    industry_name = models.CharField(max_length=100)
    level = models.CharField(max_length=10)
    state = models.CharField(max_length=24)
    source = models.CharField(max_length=20)
    listed = models.BooleanField(default=False)
    listing_level = models.CharField(max_length=20, blank=True)
    listing_lifted = models.BooleanField(default=False)
    discovered_on = models.DateField()
    deadline = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    changed_at = models.DateTimeField()

    objects = ScopedManager()
    scope_filter = staticmethod(_national_reader_filter)

    class Meta:
        verbose_name = _("reported major hazard")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "province_code", "code"], name="reportedhazard_one_per_code"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "province_code", "state"], name="reportedhazard_province_idx"),
            models.Index(fields=["tenant", "industry_code", "state"], name="reportedhazard_industry_idx"),
        ]

    @property
    def state_label(self) -> str:
        """The state in the reader's language (the exchange carries the ledger's state values)."""
        return str(HazardState(self.state).label) if self.state in HazardState.values else self.state


class ReportedChange(TenantOwned):
    """One change of a reported hazard, in the order the province made them."""

    hazard = models.ForeignKey(ReportedHazard, on_delete=models.PROTECT, related_name="changes")
    batch = models.ForeignKey(ReceivedBatch, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=24)
    state = models.CharField(max_length=24)
    at = models.DateTimeField()

    objects = ScopedManager()
    scope_filter = staticmethod(_national_reader_filter)

    class Meta:
        verbose_name = _("reported change")
        indexes = [models.Index(fields=["tenant", "hazard", "at"], name="reportedchange_hazard_idx")]


class ReportedAggregate(TenantOwned):
    """A province's month for one region x industry, as it reported it (a later report replaces it)."""

    province_code = models.CharField(max_length=6)
    month = models.DateField()
    region_code = models.CharField(max_length=6)
    industry_code = models.CharField(max_length=40)
    found = models.PositiveIntegerField()
    closed = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField()
    self_found = models.PositiveIntegerField()
    department_found = models.PositiveIntegerField()
    accidents = models.PositiveIntegerField()

    objects = ScopedManager()
    scope_filter = staticmethod(_national_reader_filter)

    class Meta:
        verbose_name = _("reported monthly aggregate")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "province_code", "month", "region_code", "industry_code"],
                name="reportedaggregate_one_per_cell",
            )
        ]


class StandardRelease(TenantOwned):
    """A version of the national determination standards as the national tenant published it: its bytes are
    fixed when it is published and never change (append-only), chained to the one before by SHA-256."""

    seq = models.PositiveIntegerField(_("version"))
    prev_sha256 = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    body = models.TextField()
    note = models.TextField(_("note"), blank=True)
    standards = models.PositiveIntegerField(_("standards published"))
    retired = models.PositiveIntegerField(_("standards retired"))
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(_("published at"))

    objects = ScopedManager()
    scope_filter = staticmethod(_national_reader_filter)

    class Meta:
        verbose_name = _("standards release")
        constraints = [models.UniqueConstraint(fields=["tenant", "seq"], name="standardrelease_seq_once")]


class StandardsPull(TenantOwned):
    """A province's side of the standards feed: the last national release it applied (the cursor) and how
    its last pull went, for the tenant administrator to see."""

    last_seq = models.PositiveIntegerField(_("last release applied"), default=0)
    last_sha256 = models.CharField(max_length=64, default="0" * 64)
    last_attempt_at = models.DateTimeField(_("last pull"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last successful pull"), null=True, blank=True)
    last_result = models.CharField(_("result"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)

    objects = ScopedManager()
    scope_filter = staticmethod(_exchange_admin_filter)

    class Meta:
        verbose_name = _("standards pull")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="standardspull_one_per_tenant")]

"""The registers of the level-3 controls (docs/security.md, "Level-3 controls"): the password history and
the audit log with the head of its hash chain. Imported by organizations.models, so Django finds them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import NOTHING, ScopedManager

from .choices import AuditAction, AuditOutcome
from .models import Tenant, TenantOwned, User
from .scoping import Scope


class PasswordHistory(TenantOwned):
    """A password a user once had (its hash): the last PASSWORD_HISTORY of them may not be chosen again."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(db_default=Now())

    objects = ScopedManager()

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        indexes = [models.Index(fields=["tenant", "user", "-created_at"], name="password_history_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return NOTHING  # read only by the password validator, never shown


class AuditEntry(TenantOwned):
    """One audited act: when, who, from which address, what (object type and id) and how it ended.

    Append-only and hash-chained per tenant by the database (migration organizations 0003): a trigger
    stamps the time, the tenant's next `seq`, the previous entry's hash and this entry's own; another
    refuses UPDATE and DELETE. A sign-in, sign-out or password change of no tenant's account (an unknown
    username, platform staff) is kept with no tenant, in a chain of its own that only the database owner
    reads.
    """

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("tenant")
    )
    seq = models.BigIntegerField(db_default=0, editable=False)
    prev_hash = models.CharField(max_length=64, db_default="", editable=False)
    hash = models.CharField(max_length=64, db_default="", editable=False)
    created_at = models.DateTimeField(_("when"), db_default=Now(), editable=False)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    # The username as given: the account's, or what was typed at a failed sign-in.
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    address = models.CharField(pgettext_lazy("audit", "address"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AuditOutcome.choices)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-seq"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="audit_chain_seq", nulls_distinct=False)
        ]
        indexes = [
            models.Index(fields=["tenant", "action", "-seq"], name="audit_tenant_action_idx"),
            models.Index(fields=["tenant", "actor_username", "-seq"], name="audit_tenant_actor_idx"),
            models.Index(fields=["tenant", "created_at"], name="audit_tenant_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.actor_username} {self.outcome}"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return Q() if scope.is_audit_admin else NOTHING


class AuditChainHead(models.Model):
    """The last link of one audit chain, and where pruning left its first one.

    Written only by the database (the chaining trigger; `audit_log prune` run as the owner); the
    application role may only read it. `chain` is the tenant's id, 0 for the chain of no tenant.
    """

    chain = models.BigIntegerField(primary_key=True)
    tenant_id = models.BigIntegerField(null=True)  # named so row-level security covers the table
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    # Entries up to floor_seq were pruned after the retention period; floor_hash was the last one's hash.
    floor_seq = models.BigIntegerField(default=0)
    floor_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit {self.chain}#{self.seq}: {self.hash[:12]}"

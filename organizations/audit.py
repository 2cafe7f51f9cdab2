"""The audit log (docs/security.md, "Level-3 controls"): who did what to which object, from where, when,
and how it ended.

Entries are written by the services that act (and by the sign-in views and the exports, which have no
other service), with one call in the same transaction as the change: `audit_record(...)`. The database
chains and timestamps each entry and refuses to change or remove one (organizations migration 0002). Only
the tenant's audit administrator reads them (`audit_entries`), in the browser and through the API.

The address an act came from is the request's, as core.client_address trusts it; the
`RequestAddressMiddleware` makes it known to the services for the length of the request (a Celery task
or a command has none).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.rls import tenant_context

from .choices import AuditAction, AuditOutcome, Role
from .models import AuditEntry, User
from .scoping import require_role

_ADDRESS: ContextVar[str] = ContextVar("audit_address", default="")

# Columns the application writes; the trigger fills seq, prev_hash, hash and created_at. Raw SQL, not the
# ORM: an INSERT … RETURNING of an entry with no tenant would have to be readable by the writer, and it is
# not (only the owner reads those).
_INSERT = """
INSERT INTO organizations_auditentry
    (tenant_id, actor_id, actor_username, address, action, outcome, object_type, object_id, detail)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


@contextlib.contextmanager
def request_address(address: str) -> Iterator[None]:
    """Entries written inside come from `address` (set per request by RequestAddressMiddleware)."""
    token = _ADDRESS.set(address[:64])
    try:
        yield
    finally:
        _ADDRESS.reset(token)


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: object = "",
    outcome: str = AuditOutcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    tenant_id: int | None = None,
    username: str | None = None,
) -> None:
    """Add one entry to the actor's tenant's chain, in the caller's transaction (whose tenant it must be).

    `target` names the object (its model and id); `object_type`/`object_id` name what is not a row (an
    export). `tenant_id` and `username` default to the actor's; give them for an act without an actor
    (a failed sign-in).
    """
    if target is not None:
        object_type, object_id = target._meta.label_lower, target.pk
    if tenant_id is None and actor is not None:
        tenant_id = actor.tenant_id
    if username is None:
        username = actor.get_username() if actor is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT,
            [
                tenant_id,
                actor.pk if actor is not None else None,
                username[:150],
                _ADDRESS.get(),
                action,
                outcome,
                object_type[:50],
                str(object_id)[:64],
                json.dumps(detail or {}, cls=DjangoJSONEncoder, ensure_ascii=False),
            ],
        )


def audit_record_alone(*, tenant_id: int | None, **fields: Any) -> None:
    """`audit_record` in a transaction of its own, for acts outside any tenant's (sign-in, sign-out)."""
    if tenant_id is None:
        with transaction.atomic():
            audit_record(tenant_id=None, **fields)
    else:
        with tenant_context(tenant_id):
            audit_record(tenant_id=tenant_id, **fields)


def audit_export(
    *, actor: Any, export: str, fmt: str, target: models.Model | None = None, **detail: Any
) -> None:
    """An export of tenant data (ledger, campaign sheets, rankings, the audit log). Public data is not
    audited: anyone may download it."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=target,
        object_type="" if target is not None else export,
        detail={"export": export, "format": fmt, **detail},
    )


# ---------------------------------------------------------------- reading (the audit administrator only)

READ_ROLES = frozenset({Role.AUDIT_ADMIN})


def audit_entries(*, actor: User, **filters: Any) -> QuerySet[AuditEntry]:
    """The tenant's entries, newest first, for its audit administrator (anyone else: 403)."""
    require_role(actor, READ_ROLES, _("Only the audit administrator reads the audit log."))
    return audit_filter(AuditEntry.objects.visible_to(actor), **filters)


def audit_filter(
    entries: QuerySet[AuditEntry],
    *,
    action: str = "",
    username: str = "",
    since: dt.datetime | dt.date | None = None,
    before_seq: int | None = None,
) -> QuerySet[AuditEntry]:
    """Entries of one action, by one username, from a time (a date: from its midnight), before a sequence
    number; newest first."""
    if action:
        entries = entries.filter(action=action)
    if username:
        entries = entries.filter(actor_username=username)
    if since is not None:
        if not isinstance(since, dt.datetime):
            since = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        entries = entries.filter(created_at__gte=since)
    if before_seq is not None:
        entries = entries.filter(seq__lt=before_seq)
    return entries.order_by("-seq")


def export_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    """The header, then one row per entry: what the export files hold."""
    actions, outcomes = dict(AuditAction.choices), dict(AuditOutcome.choices)
    yield [
        _("Sequence"),
        _("Time"),
        _("Username"),
        pgettext("audit", "Address"),
        _("Action"),
        _("Outcome"),
        _("Object type"),
        _("Object id"),
        _("Detail"),
        _("Hash"),
    ]
    fields = ("seq", "created_at", "actor_username", "address", "action", "outcome")
    rest = ("object_type", "object_id", "detail", "hash")
    for row in entries.values_list(*fields, *rest).iterator(chunk_size=2000):
        seq, created_at, username, address, action, outcome, object_type, object_id, detail, digest = row
        yield [
            seq,
            timezone.localtime(created_at),
            username,
            address,
            str(actions.get(action, action)),
            str(outcomes.get(outcome, outcome)),
            object_type,
            object_id,
            json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "",
            digest,
        ]

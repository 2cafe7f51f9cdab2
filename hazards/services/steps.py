"""The pieces every hazard transition is built from (ledger.py and its sibling registers).

A transition finds the hazard in the actor's scope and locks it (`locked_hazard`, 404 outside scope), asks
permissions.py whether the actor may act now (`require_now`, 409), then writes through `move` or
`record_event` so that each change leaves exactly one event in the hash-chained timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from organizations.models import User
from organizations.scoping import Scope

from ..choices import HazardAction
from ..models import Hazard, HazardEvent
from .permissions import refusal_now


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def locked_hazard(actor: User, hazard: Hazard | int) -> Hazard:
    """The hazard, re-read under a row lock, if the actor may see it (else 404)."""
    pk = hazard if isinstance(hazard, int) else hazard.pk
    locked: Hazard = (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("enterprise", "industry", "region")
        .get_visible(actor, pk=pk)
    )
    return locked


def require_now(scope: Scope, hazard: Hazard, action: HazardAction) -> None:
    """409 unless the hazard's state, and what waits on it, allow the action now (permissions.refusal_now)."""
    refusal = refusal_now(scope, hazard, action)
    if refusal is not None:
        raise InvalidStateError(refusal)


def record_event(
    hazard: Hazard,
    *,
    actor: User | None,
    action: str,
    from_state: str,
    at: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> HazardEvent:
    return HazardEvent.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=hazard.state,
        note=note,
        data=data or {},
        created_at=at,
    )


def move(
    hazard: Hazard,
    to_state: str,
    *,
    actor: User,
    action: str,
    at: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> Hazard:
    from_state = hazard.state
    hazard.state = to_state
    hazard.save(update_fields=["state", "updated_at", *fields])
    record_event(hazard, actor=actor, action=action, from_state=from_state, at=at, note=note, data=data)
    return hazard


def require_fields(**values: Any) -> None:
    missing = {
        name: _("This field is required.") for name, value in values.items() if value in (None, "", [])
    }
    if missing:
        raise ValidationError(missing)


def deny(message: str) -> PermissionDeniedError:
    return PermissionDeniedError(message)

"""Tip-offs from the public: filed without an account, triaged by the committee of the chosen region."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from organizations.choices import Role
from organizations.models import Region, Tenant, User
from organizations.scoping import scope_for

from .choices import TipOffStatus
from .models import TipOff


class RateLimited(Exception):
    """Too many tip-offs from one address in the window."""


def _rate_limit(tenant: Tenant, client_address: str) -> None:
    """A fixed window per tenant and address in the shared cache, so every web process counts together."""
    key = f"tipoff-rate:{tenant.pk}:{client_address}"
    cache.add(key, 0, timeout=settings.TIPOFF_WINDOW_SECONDS)
    if cache.incr(key) > settings.TIPOFF_LIMIT:
        raise RateLimited


def tipoff_file(
    *,
    tenant: Tenant,
    region: Region,
    description: str,
    enterprise_name: str = "",
    contact: str = "",
    client_address: str,
) -> TipOff:
    if region.tenant_id != tenant.pk:
        raise ValidationError({"region": _("Choose a region of this province.")})
    if len(description.strip()) < 10:
        raise ValidationError({"description": _("Describe what you saw in at least 10 characters.")})
    _rate_limit(tenant, client_address)
    return TipOff.objects.create(
        tenant=tenant,
        region=region,
        region_path=region.path,
        description=description,
        enterprise_name=enterprise_name[:200],
        contact=contact[:200],
    )


@transaction.atomic
def tipoff_triage(*, actor: User, tip_off: TipOff, lead: bool, public_note: str) -> TipOff:
    """Make the tip-off an inspection lead, or dismiss it with a reason the sender can read."""
    locked: TipOff = TipOff.objects.select_for_update(of=("self",)).get_visible(actor, pk=tip_off.pk)
    if Role.COMMITTEE_STAFF not in scope_for(actor).roles and not scope_for(actor).is_tenant_admin:
        raise PermissionDeniedError(_("Only committee staff triage tip-offs."))
    if locked.status != TipOffStatus.RECEIVED:
        raise InvalidStateError(_("This tip-off has already been triaged."))
    if not lead and not public_note.strip():
        raise ValidationError({"public_note": _("Say why the tip-off is closed without inspection.")})
    locked.status = TipOffStatus.LEAD if lead else TipOffStatus.DISMISSED
    locked.public_note, locked.triaged_by, locked.triaged_at = public_note, actor, timezone.now()
    locked.save()
    return locked

"""A reader's own notices and channels; the tenant administrator's retry of a failed delivery."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError
from organizations.models import User
from organizations.scoping import scope_for

from ..choices import DeliveryStatus, NoticeKind
from ..models import NoticeDelivery, NoticePreference, Notification
from .notices import notices_enqueue
from .steps import deny


def notifications_mark_read(*, actor: User) -> int:
    """Mark the actor's unread notifications read; returns how many."""
    return Notification.objects.visible_to(actor).filter(read_at__isnull=True).update(read_at=timezone.now())


@dataclass(frozen=True)
class ChannelChoice:
    kind: str
    label: str
    email: bool
    webhook: bool


def notice_preferences_get(*, actor: User) -> list[ChannelChoice]:
    """The actor's channels for every kind of notice (in-app is always on); no row: every channel on."""
    rows = {pref.kind: pref for pref in NoticePreference.objects.visible_to(actor)}
    return [
        ChannelChoice(
            kind=kind.value,
            label=str(kind.label),
            email=rows[kind.value].email if kind.value in rows else True,
            webhook=rows[kind.value].webhook if kind.value in rows else True,
        )
        for kind in NoticeKind
    ]


@transaction.atomic
def notice_preferences_set(
    *, actor: User, channels: Mapping[str, Mapping[str, bool]], language: str | None = None
) -> list[ChannelChoice]:
    """Set the actor's channels per kind (`{"handover": {"email": False, "webhook": True}}`; kinds left out
    keep theirs) and, with `language`, the language notices reach them in."""
    if actor.tenant_id is None:
        raise deny(_("Notices are for members of a tenant."))
    unknown = sorted(set(channels) - set(NoticeKind.values))
    if unknown:
        raise ValidationError(
            {"channels": _("Unknown kinds of notice: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    if language is not None and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose English or Simplified Chinese.")})
    current = {choice.kind: choice for choice in notice_preferences_get(actor=actor)}
    for kind, chosen in channels.items():
        NoticePreference.objects.update_or_create(
            tenant_id=actor.tenant_id,
            user=actor,
            kind=kind,
            defaults={
                "email": bool(chosen.get("email", current[kind].email)),
                "webhook": bool(chosen.get("webhook", current[kind].webhook)),
            },
        )
    if language is not None and language != actor.language:
        actor.language = language
        actor.save(update_fields=["language"])
    return notice_preferences_get(actor=actor)


@transaction.atomic
def notice_delivery_retry(*, actor: User, delivery: NoticeDelivery) -> NoticeDelivery:
    """The tenant administrator sends a failed delivery again now, without waiting for its pause."""
    if not scope_for(actor).is_tenant_admin:
        raise deny(_("Only the tenant administrator retries deliveries."))
    locked: NoticeDelivery = NoticeDelivery.objects.select_for_update().get_visible(actor, pk=delivery.pk)
    if locked.status != DeliveryStatus.FAILED:
        raise InvalidStateError(
            _("Only a failed delivery is retried; this one is %(status)s.")
            % {"status": locked.get_status_display()}
        )
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["next_attempt_at"])
    ids = [locked.pk]
    transaction.on_commit(lambda: notices_enqueue(tenant_id=locked.tenant_id, delivery_ids=ids))
    return locked

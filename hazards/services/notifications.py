from django.utils import timezone

from organizations.models import User

from ..models import Notification


def notifications_mark_read(*, actor: User) -> int:
    """Mark the actor's unread notifications read; returns how many."""
    return Notification.objects.visible_to(actor).filter(read_at__isnull=True).update(read_at=timezone.now())

from __future__ import annotations

from django.db.models import QuerySet

from organizations.models import User

from .models import ExportJob

LIST_LIMIT = 100


def export_list(*, actor: User) -> QuerySet[ExportJob]:
    """The actor's own exports, newest first."""
    return ExportJob.objects.visible_to(actor).order_by("-created_at", "-id")


def export_get(*, actor: User, pk: object) -> ExportJob:
    """One of the actor's exports; anyone else's (another tenant's too) is a 404."""
    job: ExportJob = ExportJob.objects.get_visible(actor, pk=pk)
    return job

"""Base classes every API viewset and related field builds on, so scoping cannot be skipped."""

from typing import Any

from django.db import models
from rest_framework import serializers, viewsets

from core.scoping import ScopedQuerysetMixin


class ScopedViewSet(ScopedQuerysetMixin, viewsets.GenericViewSet):
    """A viewset whose rows always come from the caller's scope; out-of-scope ids are 404."""


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign-key input limited to the caller's scope: another tenant's id reads as nonexistent."""

    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.scoped_model = model
        # Never used to look rows up (get_queryset below is); it tells the schema which model this is.
        kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet:
        request = self.context.get("request")
        manager = self.scoped_model._default_manager
        return manager.visible_to(getattr(request, "user", None))  # type: ignore[attr-defined]

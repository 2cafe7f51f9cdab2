"""Handover receipts API: a receiver's own receipts (`?pending=true`: those awaiting acknowledgement).

Acknowledging is the hazard's transition, `POST /api/v1/hazards/{id}/acknowledge-handover/`, for a
department and the territorial committee alike."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet

from ..models import HandoverReceipt
from . import serializers as s

_BOOLEAN = {"true": True, "1": True, "false": False, "0": False}


class HandoverReceiptViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Receipts addressed to the caller's departments and committees, nearest deadline first."""

    scoped_model = HandoverReceipt
    serializer_class = s.ReceiptListSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.select_related(
            "department", "region", "escalated_to", "handover__hazard__enterprise"
        ).order_by("receipt_deadline", "pk")
        pending = self.request.query_params.get("pending")
        if pending is not None:
            if pending.lower() not in _BOOLEAN:
                raise ValidationError({"pending": _("Give pending as true or false.")})
            queryset = queryset.filter(acknowledged_at__isnull=_BOOLEAN[pending.lower()])
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("pending", bool, description="true: not yet acknowledged; false: acknowledged")
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

"""Enforcement orders over the API: issue, list, read, resume (hazards/services/orders.py decides)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedRelatedField, ScopedViewSet
from organizations.filters import ScopedFilterSet
from organizations.models import Department, Enterprise
from organizations.scoping import actor_of

from ..enforcement import AcceptanceRole, EnforcementOrder, OrderKind, OrderStatus
from ..models import Hazard, Inspection
from ..services.orders import enforcement_order_issue, enforcement_order_resume


class OrderInputSerializer(serializers.Serializer):
    enterprise = ScopedRelatedField(Enterprise)
    kind = serializers.ChoiceField(choices=OrderKind.choices)
    hazards = ScopedRelatedField(Hazard, many=True, required=False)
    legal_basis = serializers.CharField(max_length=2000)
    issued_on = serializers.DateField()
    department = ScopedRelatedField(Department, required=False, allow_null=True)
    inspection = ScopedRelatedField(Inspection, required=False, allow_null=True)


class ResumptionParticipantSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=AcceptanceRole.choices)


class ResumeInputSerializer(serializers.Serializer):
    participants = ResumptionParticipantSerializer(many=True)
    note = serializers.CharField(max_length=4000)
    date = serializers.DateField()


class OrderSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    hazards = serializers.SerializerMethodField()
    issued_by = serializers.CharField(source="issued_by.username", read_only=True)
    resumption = serializers.SerializerMethodField()

    class Meta:
        model = EnforcementOrder
        fields = [
            "id",
            "enterprise",
            "department",
            "kind",
            "status",
            "legal_basis",
            "issued_on",
            "issued_by",
            "issued_at",
            "inspection",
            "hazards",
            "resumption",
        ]

    def get_enterprise(self, order: EnforcementOrder) -> dict[str, Any]:
        enterprise = order.enterprise
        return {"id": enterprise.pk, "name": enterprise.name, "operating_status": enterprise.status}

    def get_department(self, order: EnforcementOrder) -> dict[str, Any]:
        return {"id": order.department_id, "name": order.department.name}

    def get_hazards(self, order: EnforcementOrder) -> list[dict[str, Any]]:
        return [{"id": h.pk, "code": h.code, "state": h.state} for h in order.hazards.all()]

    def get_resumption(self, order: EnforcementOrder) -> dict[str, Any] | None:
        if order.status != OrderStatus.RESUMED:
            return None
        return {
            "date": order.resumed_on,
            "participants": order.acceptance_participants,
            "note": order.acceptance_note,
            "accepted_by": order.resumed_by.username if order.resumed_by else None,
            "accepted_at": order.resumed_at,
        }


class OrderFilter(ScopedFilterSet):
    enterprise = filters.NumberFilter(field_name="enterprise_id")
    kind = filters.ChoiceFilter(choices=OrderKind.choices)
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    in_force = filters.BooleanFilter(
        method="filter_in_force", help_text=_("In force (true) or lifted (false)")
    )

    class Meta:
        model = EnforcementOrder
        fields = ["enterprise", "kind", "status", "in_force"]

    def filter_in_force(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(status=OrderStatus.IN_FORCE if value else OrderStatus.RESUMED)


class EnforcementOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Enforcement orders (停产停业整顿, 局部停产, 查封扣押, 关闭取缔). An inspector of a department
    regulating the enterprise issues one; the enterprise is suspended (closed under a closure order) while
    it is in force. Resumption is the issuing department's, after an on-site acceptance, once no linked
    hazard is open."""

    scoped_model = EnforcementOrder
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(
            "enterprise", "department", "issued_by", "resumed_by"
        ).prefetch_related("hazards")

    def _fresh(self, order: EnforcementOrder, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.narrow_queryset(EnforcementOrder.objects.visible_to(self.request.user)).get(pk=order.pk)
        return Response(OrderSerializer(fresh).data, status=code)

    @extend_schema(request=OrderInputSerializer, responses={201: OrderSerializer})
    def create(self, request: Request) -> Response:
        data = OrderInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        order = enforcement_order_issue(actor=actor_of(request), **data.validated_data)
        return self._fresh(order, status.HTTP_201_CREATED)

    @extend_schema(request=ResumeInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        """Resumption (复产): the on-site acceptance's participants (name and role), note and date."""
        order = self.get_object()
        data = ResumeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enforcement_order_resume(actor=actor_of(request), order=order, **data.validated_data)
        return self._fresh(order)

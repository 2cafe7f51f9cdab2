"""Ledger API: thin views; the services decide, serializers parse and render."""

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action, api_view
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.models import Campaign
from core.api.base import ScopedViewSet
from organizations.models import Enterprise
from organizations.scoping import actor_of

from .. import services
from ..campaign_stats import wall_chart
from ..filters import HazardFilter, InspectionFilter, SelfInspectionFilter
from ..listing_selectors import listings_among
from ..models import (
    ClosureReport,
    Criterion,
    Handover,
    Hazard,
    HazardEvent,
    Inspection,
    RectificationReport,
    SelfInspection,
    Standard,
)
from ..selectors import LIST_RELATED, ledger_region, verifications_with_acceptance
from ..services.inspections import (
    checklist_for,
    inspection_record,
    self_inspection_open,
    self_inspection_save,
)
from ..services.inspections import self_inspection_submit as submit_self_inspection
from . import serializers as s
from .pagination import KeysetPagination


class HazardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The hazard ledger. Filter by state, level, source, industry, region (subtree), enterprise, overdue,
    listed, found_from/found_to and q; order by discovered_at or deadline. Actions move a hazard along
    the closed loop: wrong role 403, wrong state 409, out of scope 404."""

    scoped_model = Hazard
    filterset_class = HazardFilter
    pagination_class = KeysetPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["discovered_at", "deadline", "code"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.select_related(*LIST_RELATED)
        if self.action == "list":
            return queryset
        return queryset.select_related("listing_department", "listing_committee").prefetch_related(
            Prefetch(
                "handovers",
                queryset=Handover.objects.prefetch_related(
                    "receipts__department", "receipts__region"
                ).select_related("region"),
            ),
            "extensions",
            Prefetch("reports", queryset=RectificationReport.objects.prefetch_related("evidence")),
            Prefetch("verifications", queryset=verifications_with_acceptance()),
            Prefetch("closure_reports", queryset=ClosureReport.objects.defer("pdf")),
            "evidence",
        )

    def get_serializer_class(self) -> Any:
        return s.HazardListSerializer if self.action == "list" else s.HazardDetailSerializer

    def scope_within_path(self) -> str | None:
        region = ledger_region(self.request) if self.action == "list" else None
        return region.path if region is not None else None

    def list(self, request: Request) -> Response:
        """One query for the page, its rows rendered from plain values (see serializers.ledger_values)."""
        rows = s.ledger_values(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        zone = timezone.get_current_timezone()
        return self.get_paginated_response([s.ledger_list_row(row, zone) for row in page or []])

    def _detail(self, hazard: Hazard, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.narrow_queryset(Hazard.objects.visible_to(self.request.user)).get(pk=hazard.pk)
        return Response(s.HazardDetailSerializer(fresh).data, status=code)

    def _act(self, request: Request, serializer_class: Any, service: Callable[..., Any]) -> Response:
        hazard = self.get_object()
        data = serializer_class(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        service(actor=actor_of(request), hazard=hazard, **data.validated_data)
        return self._detail(hazard)

    @extend_schema(
        request={
            "application/json": s.HazardCreateSerializer,
            "multipart/form-data": s.HazardCreateSerializer,
        },
        responses={201: s.HazardDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        data = s.HazardCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["photos"] = fields.pop("photos", [])
        fields["level"] = fields.get("level") or ""
        hazard = services.hazard_report(actor=actor_of(request), **fields)
        return self._detail(hazard, status.HTTP_201_CREATED)

    @extend_schema(responses=s.EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str) -> Response:
        """The hazard's timeline, oldest first; append-only."""
        hazard = self.get_object()
        events = HazardEvent.objects.filter(hazard=hazard, tenant_id=hazard.tenant_id).select_related("actor")
        return Response(s.EventSerializer(events, many=True).data)

    @extend_schema(request=s.ConfirmSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        return self._act(request, s.ConfirmSerializer, services.hazard_confirm)

    @extend_schema(request=s.HandoverInputSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def handover(self, request: Request, pk: str) -> Response:
        return self._act(request, s.HandoverInputSerializer, services.hazard_handover)

    @extend_schema(request=None, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"], url_path="acknowledge-handover")
    def acknowledge_handover(self, request: Request, pk: str) -> Response:
        hazard = self.get_object()
        services.hazard_acknowledge_handover(actor=actor_of(request), hazard=hazard)
        return self._detail(hazard)

    @extend_schema(request=s.PlanSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, pk: str) -> Response:
        return self._act(request, s.PlanSerializer, services.hazard_plan)

    @extend_schema(request={"multipart/form-data": s.SubmitSerializer}, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        hazard = self.get_object()
        data = s.SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.hazard_submit(
            actor=actor_of(request),
            hazard=hazard,
            report=data.validated_data["report"],
            evidence=data.validated_data.get("evidence", []),
        )
        return self._detail(hazard)

    @extend_schema(request=s.VerifySerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        return self._act(request, s.VerifySerializer, services.hazard_verify)

    @extend_schema(request=s.WithdrawSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._act(request, s.WithdrawSerializer, services.hazard_withdraw)

    @extend_schema(request=s.ReopenSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Reopen a closed hazard whose rectification did not hold (inspectors and committee staff)."""
        return self._act(request, s.ReopenSerializer, services.hazard_reopen)

    @extend_schema(request=s.ExtensionRequestSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request: Request, pk: str) -> Response:
        return self._act(request, s.ExtensionRequestSerializer, services.hazard_request_extension)

    @extend_schema(request=s.ExtensionDecisionSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"], url_path="decide-extension")
    def decide_extension(self, request: Request, pk: str) -> Response:
        return self._act(request, s.ExtensionDecisionSerializer, services.hazard_decide_extension)

    @extend_schema(request=s.ListingSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"], url_path="list-supervision")
    def list_supervision(self, request: Request, pk: str) -> Response:
        """List a major hazard for supervision by the caller's own unit, at a level within its authority
        (a higher level is 403)."""
        return self._act(request, s.ListingSerializer, services.hazard_list_supervision)

    @extend_schema(request=s.LiftListingSerializer, responses=s.HazardDetailSerializer)
    @action(detail=True, methods=["post"], url_path="lift-listing")
    def lift_listing(self, request: Request, pk: str) -> Response:
        """Lift the listing (摘牌): the listing body only (403), once the hazard is closed (409 before)."""
        return self._act(request, s.LiftListingSerializer, services.hazard_lift_listing)


class ListingViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The listings register (挂牌督办): listed hazards in the caller's scope, deadline soonest first.
    `level` (provincial / municipal / county_level), `overdue` (deadline passed, hazard still open, not
    lifted) and `lifted` filter it."""

    scoped_model = Hazard
    serializer_class = s.ListingRowSerializer
    filter_backends: list[Any] = []

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        params = s.ListingFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return listings_among(queryset, **params.validated_data)

    @extend_schema(parameters=[s.ListingFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class SelfInspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Monthly self-inspections. POST saves a draft (and submits it with `submit: true`, head only)."""

    scoped_model = SelfInspection
    serializer_class = s.SelfInspectionSerializer
    filterset_class = SelfInspectionFilter

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("enterprise").prefetch_related("items", "hazards")

    @extend_schema(request=s.SelfInspectionInputSerializer, responses={201: s.SelfInspectionSerializer})
    def create(self, request: Request) -> Response:
        data = s.SelfInspectionInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        actor = actor_of(request)
        inspection = self_inspection_open(
            actor=actor, enterprise=fields["enterprise"], period=fields["period"]
        )
        answers = {item["key"]: item for item in fields.get("items", [])}
        self_inspection_save(
            actor=actor,
            self_inspection=inspection,
            answers=answers,
            extra_hazards=fields.get("extra_hazards", []),
            note=fields.get("note"),
        )
        if fields["submit"]:
            submit_self_inspection(actor=actor, self_inspection=inspection)
        fresh = self.narrow_queryset(SelfInspection.objects.visible_to(actor)).get(pk=inspection.pk)
        return Response(s.SelfInspectionSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.SelfInspectionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        inspection = submit_self_inspection(actor=actor_of(request), self_inspection=self.get_object())
        fresh = self.narrow_queryset(SelfInspection.objects.visible_to(request.user)).get(pk=inspection.pk)
        return Response(s.SelfInspectionSerializer(fresh).data)

    @extend_schema(
        parameters=[OpenApiParameter("enterprise", int, required=True)],
        responses={200: s.ChecklistLineSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def checklist(self, request: Request) -> Response:
        """The enterprise's checklist lines (keys to answer in `items`)."""
        enterprise = Enterprise.objects.get_visible(request.user, pk=request.query_params.get("enterprise"))
        return Response([{"key": line.key, "label": line.label} for line in checklist_for(enterprise)])


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Department inspections; each finding becomes a hazard that starts confirmed with its grade."""

    scoped_model = Inspection
    serializer_class = s.InspectionSerializer
    filterset_class = InspectionFilter

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("enterprise", "department").prefetch_related("inspectors", "hazards")

    @extend_schema(request=s.InspectionInputSerializer, responses={201: s.InspectionSerializer})
    def create(self, request: Request) -> Response:
        data = s.InspectionInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        inspection = inspection_record(actor=actor_of(request), **data.validated_data)
        fresh = self.narrow_queryset(Inspection.objects.visible_to(request.user)).get(pk=inspection.pk)
        return Response(s.InspectionSerializer(fresh).data, status=status.HTTP_201_CREATED)


class StandardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Determination standards with their criteria (national reference data)."""

    scoped_model = Standard
    serializer_class = s.StandardSerializer
    pagination_class = None

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("criteria")


class CriterionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Criteria; `?industry=<code>` gives those of the industry's current standards."""

    scoped_model = Criterion
    serializer_class = s.CriterionSerializer
    pagination_class = None

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.select_related("standard")
        industry = self.request.query_params.get("industry")
        if industry:
            queryset = queryset.filter(
                standard__industry_code=industry, standard__is_current=True, retired=False
            )
        return queryset

    @extend_schema(parameters=[OpenApiParameter("industry", str, description="industry code")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def campaign_wall_chart(request: Request, pk: int) -> Response:
    """The wall chart of a campaign: sub-regions by key industries, each cell with its counts and the
    ledger filter behind every number; plus task completion by stage."""
    campaign = Campaign.objects.select_related("region").get_visible(request.user, pk=pk)
    return Response(wall_chart(actor=actor_of(request), campaign=campaign))

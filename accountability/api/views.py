"""Accountability API: accidents, "one case, three investigations" with sanctions, warning interviews."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet
from core.api.months import month_parameter
from core.months import parse_month
from organizations.models import Region
from organizations.scoping import actor_of

from .. import services
from ..models import (
    Accident,
    AccountabilityCase,
    Assessment,
    DepartmentAssessment,
    EnterpriseAssessment,
    RegionAssessment,
    Sanction,
    ScoringScheme,
    SpotCheck,
    WarningInterview,
)
from ..sanctions import sanction_impose
from ..spot_checks import spot_check_record_result
from . import serializers as s


class AccidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Accidents at enterprises in scope; committee staff and regulating inspectors record them."""

    scoped_model = Accident
    serializer_class = s.AccidentSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("enterprise", "case")

    @extend_schema(request=s.AccidentInputSerializer, responses={201: s.AccidentSerializer})
    def create(self, request: Request) -> Response:
        data = s.AccidentInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        accident = services.accident_record(actor=actor_of(request), **data.validated_data)
        return Response(s.AccidentSerializer(accident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AccidentReportingSerializer, responses=s.AccidentSerializer)
    @action(detail=True, methods=["post"])
    def reporting(self, request: Request, pk: str) -> Response:
        """Record how the accident was reported: the time it reached the county department, or a finding of a
        missed, false or concealed report (committee staff; a finding stands once made)."""
        accident = self.get_object()
        data = s.AccidentReportingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.accident_reporting_record(
            actor=actor_of(request), accident=accident, **data.validated_data
        )
        return Response(s.AccidentSerializer(updated).data)


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Cases opened on accidents: the trace, the three investigations and their sanctions. Never deleted."""

    scoped_model = AccountabilityCase
    serializer_class = s.CaseSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.prefetch_related("investigations__sanctions")

    @extend_schema(request=s.CaseInputSerializer, responses={201: s.CaseSerializer})
    def create(self, request: Request) -> Response:
        data = s.CaseInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        case = services.case_open(actor=actor_of(request), accident=data.validated_data["accident"])
        return Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.InvestigationInputSerializer, responses=s.CaseSerializer)
    @action(detail=True, methods=["post"])
    def investigation(self, request: Request, pk: str) -> Response:
        case = self.get_object()
        data = s.InvestigationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.investigation_save(actor=actor_of(request), case=case, **data.validated_data)
        return Response(s.CaseSerializer(self.get_object()).data)

    @extend_schema(request=s.SanctionInputSerializer, responses={201: s.SanctionSerializer})
    @action(detail=True, methods=["post"])
    def sanctions(self, request: Request, pk: str) -> Response:
        case = self.get_object()
        data = s.SanctionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sanction = services.sanction_record(actor=actor_of(request), case=case, **data.validated_data)
        return Response(s.SanctionSerializer(sanction).data, status=status.HTTP_201_CREATED)


class LeadershipInputView(mixins.CreateModelMixin, ScopedViewSet):
    """Committee staff enter a region's leadership figures for a month (who entered them is kept)."""

    scoped_model = Region
    serializer_class = s.LeadershipInputSerializer

    @extend_schema(request=s.LeadershipInputSerializer, responses={201: s.LeadershipInputSerializer})
    def create(self, request: Request) -> Response:
        data = s.LeadershipInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.leadership_input_set(actor=actor_of(request), **data.validated_data)
        return Response(data.data, status=status.HTTP_201_CREATED)


class InterviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Warning interviews held by committees of the caller's regions."""

    scoped_model = WarningInterview
    serializer_class = s.InterviewSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("region")

    @extend_schema(request=s.InterviewInputSerializer, responses={201: s.InterviewSerializer})
    def create(self, request: Request) -> Response:
        data = s.InterviewInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        interview = services.interview_record(actor=actor_of(request), **data.validated_data)
        return Response(s.InterviewSerializer(interview).data, status=status.HTTP_201_CREATED)


class AssessmentPagination(CursorPagination):
    """Keyset paging: a province's enterprises run to six figures a month."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("month", "region_path", "rank", "id")


ASSESSMENT_LEVELS: dict[str, tuple[type[Assessment], type[s.AssessmentSerializer]]] = {
    "region": (RegionAssessment, s.AssessmentSerializer),
    "department": (DepartmentAssessment, s.DepartmentAssessmentSerializer),
    "enterprise": (EnterpriseAssessment, s.EnterpriseAssessmentSerializer),
}


class AssessmentViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Monthly scores and ranks with their indicator values and group scores:
    `?month=YYYY-MM&level=region|department|enterprise&region=<id>`. Regions are ranked among siblings
    (`region` = their parent), departments and enterprises among those of the same region (`region` = it)."""

    scoped_model: type[Assessment] = RegionAssessment
    serializer_class = s.AssessmentSerializer
    pagination_class = AssessmentPagination
    level = "region"  # set per request in initial()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        level = request.query_params.get("level", "region")
        if level not in ASSESSMENT_LEVELS:
            raise ValidationError({"level": _("Choose region, department or enterprise.")})
        self.level = level
        self.scoped_model, self.serializer_class = ASSESSMENT_LEVELS[level]

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        params = self.request.query_params
        if params.get("month"):
            queryset = queryset.filter(month=parse_month(params["month"]))
        if params.get("region"):
            region = Region.objects.get_visible(self.request.user, pk=params["region"])
            peers = {"region__parent": region} if self.level == "region" else {"region": region}
            queryset = queryset.filter(**peers)
        related = {"region": ["region"], "department": ["department", "region"]}.get(
            self.level, ["enterprise", "region"]
        )
        return queryset.select_related(*related)

    @extend_schema(
        parameters=[
            month_parameter(),
            OpenApiParameter("level", str, enum=list(ASSESSMENT_LEVELS), default="region"),
            OpenApiParameter("region", int, description="Rank group: parent region, or the units' region"),
        ],
        responses=PolymorphicProxySerializer(
            component_name="AnyAssessment",
            serializers={level: serializer for level, (_model, serializer) in ASSESSMENT_LEVELS.items()},
            resource_type_field_name="level",
        ),
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)


class SchemeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Scoring schemes (group weights) of campaigns; POST sets a campaign's weights."""

    scoped_model = ScoringScheme
    serializer_class = s.SchemeSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("pk")  # pages must not shift between requests

    @extend_schema(request=s.SchemeInputSerializer, responses={201: s.SchemeSerializer})
    def create(self, request: Request) -> Response:
        data = s.SchemeInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        campaign = fields.pop("campaign")
        normalisation = fields.pop("normalisation", None)
        deductions = {
            key.removeprefix("deduct_"): fields.pop(key) for key in list(fields) if key.startswith("deduct_")
        }
        weights = {key.removeprefix("weight_"): value for key, value in fields.items()}
        scheme = services.scoring_scheme_set(
            actor=actor_of(request),
            campaign=campaign,
            weights=weights,
            normalisation=normalisation,
            deductions=deductions or None,
        )
        return Response(s.SchemeSerializer(scheme).data, status=status.HTTP_201_CREATED)


class SpotCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Spot checks of enterprises' self-inspections (`?month=YYYY-MM`): the region's committees and the
    department each is assigned to see them; the enterprise does not. Its department records a result once."""

    scoped_model = SpotCheck
    serializer_class = s.SpotCheckSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        month = self.request.query_params.get("month")
        if month:
            queryset = queryset.filter(month=parse_month(month))
        return queryset.select_related("enterprise", "department", "region").order_by(
            "-month", "region_path", "draw"
        )

    @extend_schema(
        parameters=[month_parameter("YYYY-MM: the month inspected")],
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.SpotCheckResultSerializer, responses=s.SpotCheckSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request: Request, pk: str) -> Response:
        spot_check = self.get_object()
        data = s.SpotCheckResultSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        done = spot_check_record_result(actor=actor_of(request), spot_check=spot_check, **data.validated_data)
        return Response(s.SpotCheckSerializer(done).data)


class SanctionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Every sanction in the caller's committee scope: an accident's (through its case) and those imposed for
    poor work on its own record. POST imposes one of the latter, citing the records it rests on."""

    scoped_model = Sanction
    serializer_class = s.SanctionRecordSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("region", "investigation").prefetch_related("evidence").order_by("-id")

    @extend_schema(request=s.SanctionImposeSerializer, responses={201: s.SanctionRecordSerializer})
    def create(self, request: Request) -> Response:
        data = s.SanctionImposeSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields["evidence"] = [dict(reference) for reference in fields["evidence"]]
        sanction = sanction_impose(actor=actor_of(request), **fields)
        return Response(s.SanctionRecordSerializer(sanction).data, status=status.HTTP_201_CREATED)

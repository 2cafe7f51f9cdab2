"""Accountability API: accidents, "one case, three investigations" with sanctions, warning interviews."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.api.base import ScopedViewSet, actor_of

from .. import services
from ..models import Accident, AccountabilityCase, WarningInterview
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

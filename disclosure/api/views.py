"""Disclosure API for committee staff: publications (publish, correct) and tip-off triage."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet
from core.api.months import month_parameter
from core.months import parse_month
from organizations.models import Region
from organizations.scoping import actor_of

from ..models import Publication, TipOff
from ..services import publication_correct, publication_publish, publication_titles_set
from ..tipoffs import tipoff_assign, tipoff_reward, tipoff_triage, with_stage_flags
from . import serializers as s


class PublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Monthly publications of the caller's regions; `?month=YYYY-MM&region=<id>`."""

    scoped_model = Publication
    serializer_class = s.PublicationSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.select_related("region", "tenant").defer("pdf")
        params = self.request.query_params
        if params.get("month"):
            queryset = queryset.filter(month=parse_month(params["month"]))
        if params.get("region"):
            queryset = queryset.filter(
                region=Region.objects.get_visible(self.request.user, pk=params["region"])
            )
        return queryset

    @extend_schema(parameters=[month_parameter(), OpenApiParameter("region", int)])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=s.PublicationSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Freeze the draft: JSON, PDF and its SHA-256 never change again."""
        published = publication_publish(actor=actor_of(request), publication=self.get_object())
        return Response(s.PublicationSerializer(published).data)

    @extend_schema(request=s.PublicTitlesInputSerializer, responses=s.PublicationSerializer)
    @action(detail=True, methods=["post"])
    def titles(self, request: Request, pk: str) -> Response:
        """Write the public titles of a draft's hazards (an empty title: back to the default wording)."""
        publication = self.get_object()
        data = s.PublicTitlesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = publication_titles_set(
            actor=actor_of(request),
            publication=publication,
            titles={entry["public_id"]: entry["title"] for entry in data.validated_data["titles"]},
        )
        return Response(s.PublicationSerializer(updated).data)

    @extend_schema(request=s.CorrectionInputSerializer, responses=s.PublicationSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        """Publish a corrected version with a public reason; the old one stays readable, superseded."""
        data = s.CorrectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        corrected = publication_correct(
            actor=actor_of(request), publication=self.get_object(), reason=data.validated_data["reason"]
        )
        return Response(s.PublicationSerializer(corrected).data)


class TipOffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Tip-offs from the public for the caller's regions (committee staff only see the sender's contact)."""

    scoped_model = TipOff
    serializer_class = s.TipOffSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return with_stage_flags(queryset.select_related("region"))

    def _fresh(self, tip: TipOff) -> Response:
        fresh = self.get_queryset().get(pk=tip.pk)
        return Response(s.TipOffSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=s.AssignInputSerializer, responses=s.TipOffSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        """Give a lead to a department of the committee's regions covering the tip-off's region (committee
        staff); the department's staff are told, and its inspection may then cite the tip-off."""
        tip = self.get_object()
        data = s.AssignInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        tipoff_assign(actor=actor_of(request), tip_off=tip, department=data.validated_data["department"])
        return self._fresh(tip)

    @extend_schema(request=s.RewardInputSerializer, responses=s.TipOffSerializer)
    @action(detail=True, methods=["post"])
    def reward(self, request: Request, pk: str) -> Response:
        """Record the reward (举报奖励) granted to the sender of a tip-off that led to a hazard: the date, and
        the amount, which is never published (committee staff)."""
        tip = self.get_object()
        data = s.RewardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tipoff_reward(actor=actor_of(request), tip_off=tip, **data.validated_data)
        return self._fresh(tip)

    @extend_schema(request=s.TriageInputSerializer, responses=s.TipOffSerializer)
    @action(detail=True, methods=["post"])
    def lead(self, request: Request, pk: str) -> Response:
        """Pass the tip-off to inspectors as a lead."""
        return self._triage(request, lead=True)

    @extend_schema(request=s.TriageInputSerializer, responses=s.TipOffSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        """Close without inspection; `public_note` (the reason the sender reads) is required."""
        return self._triage(request, lead=False)

    def _triage(self, request: Request, *, lead: bool) -> Response:
        data = s.TriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tip = tipoff_triage(
            actor=actor_of(request),
            tip_off=self.get_object(),
            lead=lead,
            public_note=data.validated_data["public_note"],
        )
        return self._fresh(tip)

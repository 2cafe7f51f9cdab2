"""Campaign API: campaigns, their stages and table of tasks, and progress reports."""

from decimal import Decimal

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet
from organizations.scoping import actor_of

from .. import services
from ..models import Campaign, Task
from . import serializers as s


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Campaigns the caller takes part in; committee staff create them (with the four template stages)."""

    scoped_model = Campaign
    serializer_class = s.CampaignSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("region").prefetch_related("industries", "stages")

    @extend_schema(request=s.CampaignInputSerializer, responses={201: s.CampaignSerializer})
    def create(self, request: Request) -> Response:
        data = s.CampaignInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(actor=actor_of(request), **data.validated_data)
        return Response(
            s.CampaignSerializer(self.narrow_queryset(Campaign.objects.filter(pk=campaign.pk)).get()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(methods=["get"], responses=s.StageSerializer(many=True))
    @extend_schema(methods=["post"], request=s.StageInputSerializer, responses={201: s.StageSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def stages(self, request: Request, pk: str) -> Response:
        """The campaign's stages; POST adds one (within the period, overlapping none)."""
        campaign = self.get_object()
        if request.method == "POST":
            data = s.StageInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            stage = services.stage_add(actor=actor_of(request), campaign=campaign, **data.validated_data)
            return Response(s.StageSerializer(stage).data, status=status.HTTP_201_CREATED)
        return Response(s.StageSerializer(campaign.stages.all(), many=True).data)

    @extend_schema(methods=["get"], responses=s.TaskSerializer(many=True))
    @extend_schema(methods=["post"], request=s.TaskInputSerializer, responses={201: s.TaskSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def tasks(self, request: Request, pk: str) -> Response:
        """The table of tasks; POST adds a task (due within the campaign, units of this tenant)."""
        campaign = self.get_object()
        if request.method == "POST":
            data = s.TaskInputSerializer(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            fields["weight"] = fields.get("weight") or Decimal("1")
            task = services.task_create(actor=actor_of(request), campaign=campaign, **fields)
            return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)
        tasks = campaign.tasks.select_related("parent").prefetch_related("departments", "regions")
        return Response(s.TaskSerializer(tasks, many=True).data)


class TaskViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """A task of a campaign; responsible units report progress on it."""

    scoped_model = Task
    serializer_class = s.TaskSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("parent").prefetch_related("departments", "regions")

    @extend_schema(methods=["get"], responses=s.ProgressSerializer(many=True))
    @extend_schema(methods=["post"], request=s.ProgressInputSerializer, responses={201: s.ProgressSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def progress(self, request: Request, pk: str) -> Response:
        """Progress reports, oldest first; POST files one (responsible units only, 0 to 100 %)."""
        task = self.get_object()
        if request.method == "POST":
            data = s.ProgressInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            report = services.progress_report(
                actor=actor_of(request),
                task=task,
                percent=data.validated_data["percent"],
                narrative=data.validated_data["narrative"],
                attachments=data.validated_data.get("attachments", []),
            )
            return Response(s.ProgressSerializer(report).data, status=status.HTTP_201_CREATED)
        reports = task.progress_reports.select_related("reported_by", "department", "region")
        return Response(s.ProgressSerializer(reports, many=True).data)

"""/api/v1/exports/: ask for an export (202, a job to poll), list and read one's own, download the file."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import include, path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from core.api.base import ScopedViewSet
from organizations.scoping import actor_of

from .choices import CONTENT_TYPES, ExportFormat, ExportKind
from .models import ExportJob
from .services import export_file, export_params, export_request


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices)
    format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.XLSX)
    params = serializers.DictField(
        required=False,
        default=dict,
        help_text="What to export. ledger: the ledger's filters (as GET /api/v1/hazards/ takes them, a "
        "value or a list of values each); campaign: {campaign: id}; rankings: {level, region, month}.",
    )


class ExportJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "format",
            "params",
            "status",
            "rows_done",
            "rows_total",
            "progress_percent",
            "file_name",
            "size",
            "sha256",
            "error",
            "created_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != "succeeded":
            return None
        return reverse("api:export-download", args=[job.pk])


class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The caller's own export jobs, with their progress; another user's job is a 404."""

    scoped_model = ExportJob
    serializer_class = ExportJobSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-created_at", "-id")

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Queue an export; poll the returned job until its status is `succeeded`, then download it."""
        data = ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = export_request(
            actor=actor_of(request),
            kind=data.validated_data["kind"],
            fmt=data.validated_data["format"],
            params=export_params(data.validated_data["params"]),
        )
        return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, CONTENT_TYPES[ExportFormat.XLSX]): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.BINARY,
            409: OpenApiResponse(response=OpenApiTypes.OBJECT, description="Not ready, failed or expired."),
        }
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request: Request, pk: str) -> FileResponse:
        """The file, while the job is ready (409 before it is, and after it expired)."""
        job = self.get_object()
        return FileResponse(
            export_file(job=job).open("rb"),
            as_attachment=True,
            filename=job.file_name,
            content_type=CONTENT_TYPES[ExportFormat(job.format)],
        )


router = DefaultRouter()
router.register("exports", ExportJobViewSet, basename="export")

urlpatterns = [path("", include(router.urls))]

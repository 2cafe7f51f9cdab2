"""API of closure: the frozen closure report of a hazard, and the re-checks after closure (回头看)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action, api_view, renderer_classes
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet
from core.api.months import MonthField, month_parameter
from core.months import parse_month
from organizations.models import Department
from organizations.scoping import actor_of

from .. import services
from ..models import ClosureReport, Hazard, Recheck


class PdfRenderer(BaseRenderer):
    """Lets a caller ask for `Accept: application/pdf`; the view answers with the stored bytes itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data if isinstance(data, bytes) else json.dumps(data).encode()


def closure_report_response(report: ClosureReport, code: str) -> HttpResponse:
    """The frozen PDF exactly as stored, with its digest in the ETag and X-Content-SHA256."""
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="closure-report-{code}.pdf"'
    response["ETag"] = f'"{report.sha256}"'
    response["X-Content-SHA256"] = report.sha256
    response["Cache-Control"] = "private, no-store"
    return response


@extend_schema(
    responses={
        (200, "application/pdf"): OpenApiResponse(
            OpenApiTypes.BINARY, description="the frozen closure report"
        ),
        404: OpenApiResponse(description="no such hazard in scope, or closed without a report"),
        409: OpenApiResponse(description="the hazard is not closed yet"),
    }
)
@api_view(["GET"])
@renderer_classes([JSONRenderer, PdfRenderer])
def hazard_closure_report(request: Request, pk: int) -> HttpResponse:
    """The hazard's closure report PDF, generated once when it was closed; its SHA-256 is in the hazard's
    `closure_report.sha256` and in this response's ETag."""
    hazard: Hazard = Hazard.objects.get_visible(actor_of(request), pk=pk)
    return closure_report_response(services.closure_report_get(hazard=hazard), hazard.code)


class RecheckHazardSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Hazard
        fields = ["id", "code", "title", "enterprise", "state", "closed_at"]


class RecheckDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class RecheckSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)
    hazard = RecheckHazardSerializer(read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    department = RecheckDepartmentSerializer(read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True, default=None)

    class Meta:
        model = Recheck
        fields = [
            "id",
            "month",
            "hazard",
            "region",
            "department",
            "held",
            "note",
            "recorded_by",
            "recorded_at",
        ]


class RecheckResultSerializer(serializers.Serializer):
    held = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="new deadline when not held (default: 30 days)",
    )


class RecheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Re-checks after closure (回头看): a department sees its own, committee staff those in their regions.
    `?month=YYYY-MM` narrows to one month's sample."""

    scoped_model = Recheck
    serializer_class = RecheckSerializer

    def narrow_queryset(self, queryset: Any) -> Any:
        queryset = queryset.select_related("hazard__enterprise", "department", "region", "recorded_by")
        month = self.request.query_params.get("month", "")
        return queryset.filter(month=parse_month(month)) if month else queryset

    @extend_schema(parameters=[month_parameter()])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RecheckResultSerializer, responses=RecheckSerializer)
    @action(detail=True, methods=["post"])
    def result(self, request: Request, pk: str) -> Response:
        """Record the result once (409 after); not held reopens the hazard in the same transaction."""
        recheck = self.get_object()
        data = RecheckResultSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.recheck_record_result(actor=actor_of(request), recheck=recheck, **data.validated_data)
        fresh = self.narrow_queryset(Recheck.objects.visible_to(request.user)).get(pk=recheck.pk)
        return Response(RecheckSerializer(fresh).data)

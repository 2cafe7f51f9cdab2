"""The exchange interface (/api/exchange/v1/) and the outbox a tenant administrator watches (/api/v1/)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.months import MonthTextField, month_parameter
from core.api.pagination import DefaultPagination
from core.errors import PermissionDeniedError
from core.months import parse_month, previous_month
from hazards.choices import StandardCoverage
from hazards.services.standards import CriterionInput
from organizations.scoping import actor_of, scope_for

from ..choices import BatchState
from ..format import BATCH_SCHEMA, SIGNATURE_HEADER
from ..models import ReportedHazard, UpwardBatch, UpwardRecord
from ..receive import exchange_receive
from ..selectors import (
    NATIONAL_FORMULA,
    national_assessment,
    national_major_hazards,
    national_provinces,
    standard_releases,
    standards_pull_status,
)
from ..standards import StandardInput, standard_release_publish, standards_feed
from ..standards_format import FEED_SCHEMA

# A JSON document whose own schema is published beside it (the exchange's formats).
ANY_OBJECT = {"type": "object", "additionalProperties": True}


class ExchangeSchemaView(APIView):
    """The exchange format, version 1, as JSON Schema (public: it is the contract)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: OpenApiResponse(ANY_OBJECT, description="JSON Schema (draft 2020-12) of a batch")}
    )
    def get(self, request: Request) -> Response:
        return Response(BATCH_SCHEMA)


class BatchReceiptSerializer(serializers.Serializer):
    batch_id = serializers.UUIDField()
    seq = serializers.IntegerField(min_value=1)
    duplicate = serializers.BooleanField()
    applied = serializers.IntegerField(min_value=0)

    class Meta:
        ref_name = "BatchReceipt"


class BatchReceiveView(APIView):
    """A province delivers one signed batch (see the schema); a batch delivered twice is accepted once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            201: BatchReceiptSerializer,
            200: OpenApiResponse(
                BatchReceiptSerializer, description="The same batch was received before; nothing changed."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        receipt = exchange_receive(
            actor=actor_of(request),
            body=request.body,
            signature_header=request.headers.get(SIGNATURE_HEADER, ""),
        )
        answer = {
            "batch_id": receipt.batch_id,
            "seq": receipt.seq,
            "duplicate": receipt.duplicate,
            "applied": receipt.applied,
        }
        return Response(answer, status=status.HTTP_200_OK if receipt.duplicate else status.HTTP_201_CREATED)


class OutboxView(APIView):
    """What waits to go to the national system, what went, and what failed with its last error."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Outbox",
                {
                    "records_waiting": serializers.IntegerField(min_value=0),
                    "records_total": serializers.IntegerField(min_value=0),
                    "batches": serializers.DictField(
                        child=serializers.IntegerField(min_value=1), help_text="number of batches by state"
                    ),
                    "unsent": inline_serializer(
                        "UnsentBatch",
                        {
                            "seq": serializers.IntegerField(),
                            "batch_id": serializers.UUIDField(),
                            "state": serializers.ChoiceField(choices=BatchState.choices),
                            "records": serializers.IntegerField(),
                            "attempts": serializers.IntegerField(),
                            "last_error": serializers.CharField(),
                            "next_attempt_at": serializers.DateTimeField(allow_null=True),
                        },
                        many=True,
                    ),
                    "last_sent": inline_serializer(
                        "LastSentBatch",
                        {
                            "seq": serializers.IntegerField(),
                            "sent_at": serializers.DateTimeField(allow_null=True),
                        },
                        allow_null=True,
                    ),
                },
            )
        }
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        if not scope_for(actor).is_tenant_admin:
            raise PermissionDeniedError()
        records = UpwardRecord.objects.visible_to(actor).aggregate(
            pending=Count("id", filter=Q(batch__isnull=True)), total=Count("id")
        )
        batches = UpwardBatch.objects.visible_to(actor).order_by("-seq")
        counts = dict(batches.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        return Response(
            {
                "records_waiting": records["pending"],
                "records_total": records["total"],
                "batches": counts,
                "unsent": [
                    {
                        "seq": batch.seq,
                        "batch_id": str(batch.batch_id),
                        "state": batch.state,
                        "records": batch.records,
                        "attempts": batch.attempts,
                        "last_error": batch.last_error,
                        "next_attempt_at": batch.next_attempt_at,
                    }
                    for batch in batches.exclude(state="sent")[:50]
                ],
                "last_sent": batches.filter(state="sent").values("seq", "sent_at").first(),
            }
        )


class ReportedHazardSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportedHazard
        fields = [
            "province_code",
            "code",
            "region_code",
            "region_name",
            "industry_code",
            "industry_name",
            "level",
            "state",
            "source",
            "listed",
            "listing_level",
            "discovered_on",
            "deadline",
            "closed_on",
            "is_overdue",
            "changed_at",
        ]
        read_only_fields = fields


class ProvinceSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    open_majors = serializers.IntegerField()
    closed_majors = serializers.IntegerField()
    overdue_majors = serializers.IntegerField()
    listed_majors = serializers.IntegerField()
    last_received_at = serializers.DateTimeField(allow_null=True)
    last_seq = serializers.IntegerField()


class NationalMajorHazardList(APIView):
    """The national list of major hazards as provinces reported them (national staff only)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("province", str, description="province code, e.g. 210000"),
            OpenApiParameter("industry", str, description="industry code"),
            OpenApiParameter("state", str, description="a ledger state, or 'open'"),
            OpenApiParameter("listed", bool),
            OpenApiParameter("overdue", bool),
        ],
        responses=ReportedHazardSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = national_major_hazards(actor=actor_of(request), filters=request.query_params.dict())
        paginator = DefaultPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ReportedHazardSerializer(page, many=True).data)


class NationalProvinceList(APIView):
    """Each province: its open, closed, overdue and listed major hazards and when it last reported."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProvinceSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        summaries = national_provinces(actor=actor_of(request))
        return Response(ProvinceSummarySerializer(summaries, many=True).data)


class NationalAssessment(APIView):
    """The provinces ranked for a month from what they reported, with the formula."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[month_parameter("YYYY-MM (default: last month)")],
        responses={
            200: inline_serializer(
                "NationalAssessment",
                {
                    "month": MonthTextField(),
                    "formula": inline_serializer(
                        "NationalFormulaTerm",
                        {
                            "indicator": serializers.ChoiceField(
                                choices=[name for name, *_ in NATIONAL_FORMULA]
                            ),
                            "weight": serializers.IntegerField(),
                            "higher_is_better": serializers.BooleanField(),
                        },
                        many=True,
                    ),
                    "formula_text": serializers.CharField(),
                    "provinces": inline_serializer(
                        "NationalAssessmentRow",
                        {
                            "rank": serializers.IntegerField(min_value=1),
                            "code": serializers.CharField(),
                            "name": serializers.CharField(),
                            "score": serializers.FloatField(),
                            **{
                                name: serializers.FloatField(allow_null=True, help_text="percent, or null")
                                for name, *_ in NATIONAL_FORMULA
                            },
                        },
                        many=True,
                    ),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("month", "")
        month = parse_month(text) if text else previous_month(timezone.localdate())
        rows = national_assessment(actor=actor_of(request), month=month)
        return Response(
            {
                "month": month.strftime("%Y-%m"),
                "formula": [
                    {"indicator": name, "weight": weight, "higher_is_better": better}
                    for name, weight, better in NATIONAL_FORMULA
                ],
                "formula_text": "score = sum of weight * (value, or 100 - value if lower is better) / 100; "
                "a missing value scores 0",
                "provinces": [
                    {
                        "rank": row.rank,
                        "code": row.code,
                        "name": row.name,
                        "score": row.score,
                        **row.indicators,
                    }
                    for row in rows
                ],
            }
        )


class StandardsSchemaView(APIView):
    """The standards feed, version 1, as JSON Schema (public: it is the contract)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(
        responses={200: OpenApiResponse(ANY_OBJECT, description="JSON Schema (draft 2020-12) of the feed")}
    )
    def get(self, request: Request) -> Response:
        return Response(FEED_SCHEMA)


class StandardsFeedView(APIView):
    """A province asks for the national standards releases after the last one it applied, signing the
    request line (`GET standards after=<seq>`) with its key; the answer's bytes are signed with it too."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="the last release applied (0: none)")],
        responses={
            200: OpenApiResponse(ANY_OBJECT, description="the feed (see /api/exchange/v1/standards/schema/)")
        },
    )
    def get(self, request: Request) -> HttpResponse:
        text = request.query_params.get("after", "0")
        if not text.isdigit():
            raise ValidationError({"after": _("Give the number of the last release applied (0: none).")})
        body, signed = standards_feed(
            actor=actor_of(request),
            after=int(text),
            signature_header=request.headers.get(SIGNATURE_HEADER, ""),
        )
        response = HttpResponse(body, content_type="application/json")
        response[SIGNATURE_HEADER] = signed
        return response


class NationalCriterionInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=10)
    clause = serializers.CharField(max_length=100)
    text = serializers.CharField()
    text_en = serializers.CharField(required=False, default="", allow_blank=True)


class NationalStandardInSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=50, required=False, default="")
    industry = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    document_number = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    effective_date = serializers.DateField()
    version = serializers.CharField(max_length=40)
    coverage = serializers.ChoiceField(choices=StandardCoverage.choices)
    note = serializers.CharField(required=False, default="", allow_blank=True)
    supersedes = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    criteria = NationalCriterionInSerializer(many=True, required=False, default=list)


class StandardReleaseInSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True)
    standards = NationalStandardInSerializer(many=True, required=False, default=list)
    retire = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)


class StandardReleaseOutSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    sha256 = serializers.CharField()
    prev_sha256 = serializers.CharField()
    note = serializers.CharField()
    standards = serializers.IntegerField()
    retired = serializers.IntegerField()
    published_at = serializers.DateTimeField()


class StandardReleaseList(APIView):
    """The national standards as published, version by version (national staff); committee staff of the
    national tenant publish the next version (POST). A published version never changes."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StandardReleaseOutSerializer(many=True))
    def get(self, request: Request) -> Response:
        releases = standard_releases(actor=actor_of(request))
        return Response(StandardReleaseOutSerializer(releases, many=True).data)

    @extend_schema(request=StandardReleaseInSerializer, responses={201: StandardReleaseOutSerializer})
    def post(self, request: Request) -> Response:
        data = StandardReleaseInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        standards = [
            StandardInput(**{**item, "criteria": [CriterionInput(**c) for c in item["criteria"]]})
            for item in values["standards"]
        ]
        release = standard_release_publish(
            actor=actor_of(request), standards=standards, retire=values["retire"], note=values["note"]
        )
        return Response(StandardReleaseOutSerializer(release).data, status=status.HTTP_201_CREATED)


class StandardsPullSerializer(serializers.Serializer):
    last_seq = serializers.IntegerField(help_text="the last national version applied (0: none)")
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    last_result = serializers.CharField(allow_blank=True)
    last_error = serializers.CharField(allow_blank=True)
    failures = serializers.IntegerField(help_text="failed pulls in a row")


class StandardsPullView(APIView):
    """The tenant administrator's view of the standards feed: the last version applied and the last pull
    (when, how it went, the error)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: StandardsPullSerializer})
    def get(self, request: Request) -> Response:
        pull = standards_pull_status(actor=actor_of(request))
        return Response(
            {
                "last_seq": pull.last_seq if pull else 0,
                "last_attempt_at": pull.last_attempt_at if pull else None,
                "last_success_at": pull.last_success_at if pull else None,
                "last_result": pull.last_result if pull else "",
                "last_error": pull.last_error if pull else "",
                "failures": pull.failures if pull else 0,
            }
        )

"""API of the final evaluation and the published rankings (accountability/evaluations.py)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action, api_view
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.models import Campaign
from core.api.base import ScopedRelatedField, ScopedViewSet
from core.api.months import MonthTextField
from core.errors import NotFoundError
from core.months import parse_month
from organizations.models import Region
from organizations.scoping import actor_of

from .. import evaluations
from ..models import FinalEvaluation, RankingPublication


class EvaluationRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    months = serializers.IntegerField()
    mean_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    best_rank = serializers.IntegerField(allow_null=True)
    worst_rank = serializers.IntegerField(allow_null=True)
    bottom_months = serializers.IntegerField()
    task_percent = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    accidents = serializers.IntegerField()
    deaths = serializers.IntegerField()
    final_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    rank_of = serializers.IntegerField()
    grade = serializers.CharField()


class FinalEvaluationSerializer(serializers.ModelSerializer):
    rows = EvaluationRowSerializer(many=True, read_only=True)
    method_text = serializers.SerializerMethodField()
    is_published = serializers.BooleanField(read_only=True)

    class Meta:
        model = FinalEvaluation
        fields = [
            "id",
            "campaign",
            "region",
            "period_start",
            "period_end",
            "method",
            "method_text",
            "rows",
            "computed_at",
            "is_published",
            "published_at",
            "public_id",
        ]

    def get_method_text(self, obj: FinalEvaluation) -> str:
        return evaluations.method_text(obj.method)


class RankingRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    rank = serializers.IntegerField()
    rank_of = serializers.IntegerField()
    groups = serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=2))


class RankingPublicationSerializer(serializers.ModelSerializer):
    rows = RankingRowSerializer(many=True, read_only=True)
    month = serializers.DateField(help_text="The first day of the month")

    class Meta:
        model = RankingPublication
        fields = ["id", "region", "month", "rows", "published_at", "public_id"]


class RankingPublishInputSerializer(serializers.Serializer):
    region = ScopedRelatedField(Region, help_text=_("The region whose sub-regions are ranked"))
    month = MonthTextField(help_text="YYYY-MM")

    def validate_month(self, value: str) -> object:
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            return parse_month(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["month"]) from None
        except OverflowError:  # a year of twenty digits
            raise serializers.ValidationError(_("Give the month as YYYY-MM, e.g. 2023-06.")) from None


class FinalEvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Final evaluations of campaigns (committee staff); `POST …/{id}/publish/` freezes one and shows it on
    the public site."""

    scoped_model = FinalEvaluation
    serializer_class = FinalEvaluationSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-period_end", "id")

    @extend_schema(request=None, responses={200: FinalEvaluationSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        evaluation = evaluations.final_evaluation_publish(
            actor=actor_of(request), evaluation=self.get_object()
        )
        return Response(FinalEvaluationSerializer(evaluation).data)


@extend_schema(
    methods=["GET"],
    responses={200: FinalEvaluationSerializer},
    description="The campaign's final evaluation.",
)
@extend_schema(
    methods=["POST"],
    request=None,
    responses={201: FinalEvaluationSerializer},
    description="Evaluate a campaign after its end, once (committee staff of its region): 409 before its end "
    "or when it has been evaluated.",
)
@api_view(["GET", "POST"])
def campaign_final_evaluation(request: Request, pk: int) -> Response:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    if request.method == "POST":
        evaluation = evaluations.final_evaluation_create(actor=actor, campaign=campaign)
        return Response(FinalEvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)
    found = FinalEvaluation.objects.visible_to(actor).filter(campaign=campaign).first()
    if found is None:
        raise NotFoundError(str(_("This campaign has not been evaluated yet.")))
    return Response(FinalEvaluationSerializer(found).data)


class RankingPublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Monthly region rankings published to the public site; `POST` with `region` and `month` publishes the
    ranking of the regions under `region` (committee staff), frozen from then on."""

    scoped_model = RankingPublication
    serializer_class = RankingPublicationSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("-month", "region_path", "id")

    @extend_schema(request=RankingPublishInputSerializer, responses={201: RankingPublicationSerializer})
    def create(self, request: Request) -> Response:
        data = RankingPublishInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        publication = evaluations.ranking_publish(actor=actor_of(request), **data.validated_data)
        return Response(RankingPublicationSerializer(publication).data, status=status.HTTP_201_CREATED)

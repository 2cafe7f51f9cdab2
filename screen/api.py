"""GET /api/v1/screen/: the big screen's data as JSON, from the same cache as the page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from hazards.choices import ListingLevel
from organizations.scoping import actor_of

from .selectors import screen_for


class ScreenQuerySerializer(serializers.Serializer):
    region = serializers.RegexField(
        r"^\d{6}$", required=False, help_text="region code (default: the user's own)"
    )


class NumbersSerializer(serializers.Serializer):
    found = serializers.IntegerField(help_text="found this month (withdrawn records not counted)")
    found_major = serializers.IntegerField()
    closed = serializers.IntegerField(help_text="closed this month")
    overdue = serializers.IntegerField(help_text="open and past their deadline now")
    open = serializers.IntegerField()
    major_open = serializers.IntegerField()
    listed = serializers.IntegerField(help_text="open and under listed supervision, not lifted")


class ScreenRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    path = serializers.CharField()
    level = serializers.CharField()


class SubRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    major_open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    found = serializers.IntegerField()
    heat = serializers.IntegerField(min_value=0, max_value=4)


class MapCitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    in_scope = serializers.BooleanField(help_text="in the screen's region: only then are its numbers given")
    major_open = serializers.IntegerField(required=False)
    overdue = serializers.IntegerField(required=False)
    heat = serializers.IntegerField(min_value=0, max_value=4)


class MapSerializer(serializers.Serializer):
    province = serializers.CharField()
    cities = MapCitySerializer(many=True)


class IndustrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    open = serializers.IntegerField()
    major_open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    found = serializers.IntegerField()


class ListedRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    enterprise = serializers.CharField()
    region = serializers.CharField()
    level = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class ListingLevelCountSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=ListingLevel.choices)
    name = serializers.CharField()
    count = serializers.IntegerField()


class ListedSerializer(serializers.Serializer):
    by_level = ListingLevelCountSerializer(many=True)
    rows = ListedRowSerializer(many=True)


class StageSerializer(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    current = serializers.BooleanField()
    done = serializers.BooleanField()


class CurrentStageSerializer(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    days_left = serializers.IntegerField()


class CampaignSerializer(serializers.Serializer):
    name = serializers.CharField()
    region = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    days_left = serializers.IntegerField()
    percent_elapsed = serializers.IntegerField()
    stage = CurrentStageSerializer(allow_null=True)
    stages = StageSerializer(many=True)
    others = serializers.IntegerField(help_text="other campaigns under way in the region")


class DisclosureSerializer(serializers.Serializer):
    month = serializers.CharField()
    region = serializers.CharField()
    version = serializers.IntegerField()
    major_hazards = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    public_id = serializers.CharField()


class ScreenSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    today = serializers.DateField()
    month = serializers.CharField(help_text="YYYY-MM")
    region = ScreenRegionSerializer()
    numbers = NumbersSerializer()
    sub_regions = SubRegionSerializer(many=True)
    map = MapSerializer(allow_null=True)
    industries = IndustrySerializer(many=True)
    listed = ListedSerializer()
    campaign = CampaignSerializer(allow_null=True)
    disclosures = DisclosureSerializer(many=True)


@extend_schema(
    parameters=[OpenApiParameter("region", str, description="region code (default: the user's own region)")],
    responses=ScreenSerializer,
)
@api_view(["GET"])
def screen(request: Request) -> Response:
    """The committee's big screen for a region: this month's numbers, major hazards by region and on the
    province's map, key industries, listed hazards, the campaign's stage and countdown, the latest
    disclosures. Committee staff (their regions and below) and the system administrator; cached for
    SCREEN_CACHE_SECONDS."""
    query = ScreenQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return Response(screen_for(actor=actor_of(request), region_code=query.validated_data.get("region")))

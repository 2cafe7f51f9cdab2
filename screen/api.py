"""GET /api/v1/screen/: the big screen's data as JSON, from the same cache as the page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.months import MonthTextField
from hazards.choices import ListingLevel
from organizations.scoping import actor_of

from .selectors import screen_for


class ScreenQuerySerializer(serializers.Serializer):
    region = serializers.RegexField(
        r"^\d{6}$", required=False, help_text="region code (default: the user's own)"
    )


class ScreenNumbersSerializer(serializers.Serializer):
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


class ScreenSubRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    major_open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    found = serializers.IntegerField()
    heat = serializers.IntegerField(min_value=0, max_value=4)


class ScreenMapCitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    in_scope = serializers.BooleanField(help_text="in the screen's region: only then are its numbers given")
    major_open = serializers.IntegerField(required=False)
    overdue = serializers.IntegerField(required=False)
    heat = serializers.IntegerField(min_value=0, max_value=4)


class ScreenMapSerializer(serializers.Serializer):
    province = serializers.CharField()
    cities = ScreenMapCitySerializer(many=True)


class ScreenIndustrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    open = serializers.IntegerField()
    major_open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    found = serializers.IntegerField()


class ScreenListedRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    enterprise = serializers.CharField()
    region = serializers.CharField()
    level = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class ScreenListingLevelCountSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=ListingLevel.choices)
    name = serializers.CharField()
    count = serializers.IntegerField()


class ScreenListedSerializer(serializers.Serializer):
    by_level = ScreenListingLevelCountSerializer(many=True)
    rows = ScreenListedRowSerializer(many=True)


class ScreenStageSerializer(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    current = serializers.BooleanField()
    done = serializers.BooleanField()


class ScreenCurrentStageSerializer(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    days_left = serializers.IntegerField()


class ScreenCampaignSerializer(serializers.Serializer):
    name = serializers.CharField()
    region = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    days_left = serializers.IntegerField()
    percent_elapsed = serializers.IntegerField()
    stage = ScreenCurrentStageSerializer(allow_null=True)
    stages = ScreenStageSerializer(many=True)
    others = serializers.IntegerField(help_text="other campaigns under way in the region")


class ScreenDisclosureSerializer(serializers.Serializer):
    month = MonthTextField()
    region = serializers.CharField()
    version = serializers.IntegerField()
    major_hazards = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)
    public_id = serializers.CharField()


class ScreenSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    today = serializers.DateField()
    month = MonthTextField(help_text="YYYY-MM")
    region = ScreenRegionSerializer()
    numbers = ScreenNumbersSerializer()
    sub_regions = ScreenSubRegionSerializer(many=True)
    map = ScreenMapSerializer(allow_null=True)
    industries = ScreenIndustrySerializer(many=True)
    listed = ScreenListedSerializer()
    campaign = ScreenCampaignSerializer(allow_null=True)
    disclosures = ScreenDisclosureSerializer(many=True)


@extend_schema(
    parameters=[ScreenQuerySerializer],
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

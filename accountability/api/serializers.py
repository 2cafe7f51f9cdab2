from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign
from core.api.base import ScopedRelatedField
from organizations.models import Enterprise, Region

from ..choices import InterviewReason, SanctionKind, Track
from ..models import (
    Accident,
    AccountabilityCase,
    DepartmentAssessment,
    EnterpriseAssessment,
    Investigation,
    RegionAssessment,
    Sanction,
    ScoringScheme,
    WarningInterview,
)


class AccidentSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    case = serializers.SerializerMethodField()

    class Meta:
        model = Accident
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "occurred_at",
            "deaths",
            "injuries",
            "economic_loss",
            "description",
            "recorded_at",
            "case",
        ]

    def get_case(self, accident: Accident) -> int | None:
        case = getattr(accident, "case", None)
        return case.pk if case else None


class AccidentInputSerializer(serializers.Serializer):
    enterprise = ScopedRelatedField(Enterprise)
    occurred_at = serializers.DateTimeField()
    deaths = serializers.IntegerField(min_value=0, default=0)
    injuries = serializers.IntegerField(min_value=0, default=0)
    economic_loss = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
    )
    description = serializers.CharField()


class SanctionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sanction
        fields = ["id", "kind", "subject", "issuing_body", "decided_on", "note"]


class InvestigationSerializer(serializers.ModelSerializer):
    sanctions = SanctionSerializer(many=True, read_only=True)

    class Meta:
        model = Investigation
        fields = ["track", "subject_unit", "subject_person", "findings", "sanctions"]


class CaseSerializer(serializers.ModelSerializer):
    investigations = InvestigationSerializer(many=True, read_only=True)

    class Meta:
        model = AccountabilityCase
        fields = ["id", "accident", "opened_at", "trace", "conclusion", "investigations"]


class CaseInputSerializer(serializers.Serializer):
    accident = ScopedRelatedField(Accident)


class InvestigationInputSerializer(serializers.Serializer):
    track = serializers.ChoiceField(choices=Track.choices)
    subject_unit = serializers.CharField(required=False, allow_blank=True, default="")
    subject_person = serializers.CharField(required=False, allow_blank=True, default="")
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class SanctionInputSerializer(serializers.Serializer):
    track = serializers.ChoiceField(choices=Track.choices)
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    subject = serializers.CharField()
    issuing_body = serializers.CharField()
    decided_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InterviewSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = WarningInterview
        fields = [
            "id",
            "region",
            "interviewer",
            "interviewee_unit",
            "interviewee_person",
            "reason",
            "reason_detail",
            "accident",
            "held_on",
            "commitments",
            "follow_up",
        ]


class InterviewInputSerializer(serializers.Serializer):
    region = ScopedRelatedField(Region)
    interviewer = serializers.CharField(max_length=200)
    interviewee_unit = serializers.CharField(max_length=200)
    interviewee_person = serializers.CharField(max_length=100)
    reason = serializers.ChoiceField(choices=InterviewReason.choices)
    reason_detail = serializers.CharField(required=False, allow_blank=True, default="")
    accident = ScopedRelatedField(Accident, required=False, allow_null=True)
    held_on = serializers.DateField()
    commitments = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up = serializers.CharField(required=False, allow_blank=True, default="")


ASSESSMENT_FIELDS = ["month", "score", "rank", "rank_of", "groups", "indicators"]


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2023-06"})
class MonthField(serializers.DateField):
    """A month as YYYY-MM (stored as its first day)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m", **kwargs)  # type: ignore[arg-type]


class AssessmentSerializer(serializers.ModelSerializer):
    """A region's month; `rank` is among the regions with the same parent."""

    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    month = MonthField(read_only=True)

    class Meta:
        model = RegionAssessment
        fields = ["region", "region_name", *ASSESSMENT_FIELDS]


class DepartmentAssessmentSerializer(AssessmentSerializer):
    """A department's month; `rank` is among the departments of the same region."""

    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = DepartmentAssessment
        fields = ["department", "department_name", "region", "region_name", *ASSESSMENT_FIELDS]


class EnterpriseAssessmentSerializer(AssessmentSerializer):
    """An enterprise's month; `rank` is among the operating enterprises of the same region."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)

    class Meta:
        model = EnterpriseAssessment
        fields = ["enterprise", "enterprise_name", "credit_code", "region", "region_name", *ASSESSMENT_FIELDS]


class SchemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoringScheme
        fields = [
            "id",
            "campaign",
            "weight_progress",
            "weight_self_inspection",
            "weight_enforcement",
            "weight_leadership",
            "normalisation",
            "updated_at",
        ]


class SchemeInputSerializer(serializers.Serializer):
    campaign = ScopedRelatedField(Campaign)
    weight_progress = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    weight_self_inspection = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    weight_enforcement = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    weight_leadership = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    normalisation = serializers.DictField(
        child=serializers.DictField(),
        required=False,
        help_text='Per indicator: {"method": "relative"} or {"method": "absolute", "best": 80, "worst": 0}. '
        "Replaces the scheme's rules when given.",
    )


class LeadershipInputSerializer(serializers.Serializer):
    region = ScopedRelatedField(Region)
    month = serializers.DateField()
    leader_inspections = serializers.IntegerField(min_value=0)
    meetings = serializers.IntegerField(min_value=0)

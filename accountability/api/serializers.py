from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign
from core.api.base import ScopedRelatedField
from core.api.months import MonthField
from hazards.models import Inspection
from organizations.models import Enterprise, Region

from ..accidents import INVESTIGATED_BY
from ..choices import AccidentReporting, InterviewReason, SanctionKind, Track
from ..models import (
    Accident,
    AccountabilityCase,
    DepartmentAssessment,
    EnterpriseAssessment,
    Investigation,
    RegionAssessment,
    Sanction,
    SanctionEvidence,
    ScoringScheme,
    SpotCheck,
    WarningInterview,
)
from ..sanctions import BASIS_EVIDENCE, EVIDENCE_KINDS


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
            "serious_injuries",
            "economic_loss",
            "grade",
            "investigated_by",
            "reported_at",
            "reporting",
            "reporting_note",
            "description",
            "recorded_at",
            "case",
        ]

    investigated_by = serializers.SerializerMethodField()

    def get_investigated_by(self, accident: Accident) -> str:
        return str(INVESTIGATED_BY[accident.grade])

    def get_case(self, accident: Accident) -> int | None:
        case = getattr(accident, "case", None)
        return case.pk if case else None


class AccidentInputSerializer(serializers.Serializer):
    enterprise = ScopedRelatedField(Enterprise)
    occurred_at = serializers.DateTimeField()
    deaths = serializers.IntegerField(min_value=0, default=0)
    injuries = serializers.IntegerField(min_value=0, default=0)
    serious_injuries = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text="Serious injuries, acute industrial poisoning included: they grade it.",
    )
    economic_loss = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), default=Decimal(0)
    )
    reported_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the report reached the county department.",
    )
    description = serializers.CharField()


class SanctionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sanction
        fields = ["id", "kind", "subject", "issuing_body", "decided_on", "amount", "note"]


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
    subject_unit = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=Investigation._meta.get_field("subject_unit").max_length,
    )
    subject_person = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=Investigation._meta.get_field("subject_person").max_length,
    )
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class SanctionInputSerializer(serializers.Serializer):
    track = serializers.ChoiceField(choices=Track.choices)
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    subject = serializers.CharField(max_length=Sanction._meta.get_field("subject").max_length)
    issuing_body = serializers.CharField(max_length=Sanction._meta.get_field("issuing_body").max_length)
    decided_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
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


class AssessmentSerializer(serializers.ModelSerializer):
    """A region's month; `rank` is among the regions with the same parent."""

    # Which of the three a row is: clients and schema validators tell the variants of the list apart by it.
    level = serializers.SerializerMethodField()
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    month = MonthField(read_only=True)

    class Meta:
        model = RegionAssessment
        fields = ["level", "region", "region_name", *ASSESSMENT_FIELDS]

    @extend_schema_field({"type": "string", "enum": ["region"]})
    def get_level(self, row: object) -> str:
        return "region"


class DepartmentAssessmentSerializer(AssessmentSerializer):
    """A department's month; `rank` is among the departments of the same region."""

    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = DepartmentAssessment
        fields = ["level", "department", "department_name", "region", "region_name", *ASSESSMENT_FIELDS]

    @extend_schema_field({"type": "string", "enum": ["department"]})
    def get_level(self, row: object) -> str:
        return "department"


class EnterpriseAssessmentSerializer(AssessmentSerializer):
    """An enterprise's month; `rank` is among the operating enterprises of the same region."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)

    class Meta:
        model = EnterpriseAssessment
        fields = [
            "level",
            "enterprise",
            "enterprise_name",
            "credit_code",
            "region",
            "region_name",
            *ASSESSMENT_FIELDS,
        ]

    @extend_schema_field({"type": "string", "enum": ["enterprise"]})
    def get_level(self, row: object) -> str:
        return "enterprise"


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
            "deduct_general",
            "deduct_larger",
            "deduct_major",
            "deduct_especially_major",
            "normalisation",
            "updated_at",
        ]


class SchemeInputSerializer(serializers.Serializer):
    campaign = ScopedRelatedField(Campaign)
    weight_progress = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    weight_self_inspection = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    weight_enforcement = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    weight_leadership = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0))
    deduct_general = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        help_text="Points off per general accident.",
    )
    deduct_larger = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), required=False
    )
    deduct_major = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), required=False
    )
    deduct_especially_major = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), required=False
    )
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


class SpotCheckSerializer(serializers.ModelSerializer):
    """A spot check: the self-inspection drawn, the department re-inspecting it and, once in, its result."""

    month = MonthField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "month",
            "self_inspection",
            "enterprise",
            "enterprise_name",
            "region",
            "department",
            "department_name",
            "draw",
            "state",
            "sampled_at",
            "checked_on",
            "missed_count",
            "findings",
            "inspection",
            "result_at",
        ]


class SpotCheckResultSerializer(serializers.Serializer):
    checked_on = serializers.DateField()
    missed_count = serializers.IntegerField(min_value=0)
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    inspection = ScopedRelatedField(Inspection, required=False, allow_null=True, default=None)


class EvidenceReferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, k) for k in EVIDENCE_KINDS])
    id = serializers.IntegerField(min_value=1)


class SanctionEvidenceSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()

    class Meta:
        model = SanctionEvidence
        fields = ["kind", "id", "summary"]

    def get_kind(self, evidence: SanctionEvidence) -> str:
        return next(kind for kind in EVIDENCE_KINDS if getattr(evidence, f"{kind}_id"))

    def get_id(self, evidence: SanctionEvidence) -> int:
        return int(getattr(evidence, f"{self.get_kind(evidence)}_id"))


class SanctionRecordSerializer(serializers.ModelSerializer):
    """A sanction, with its basis and the records it cites (an accident's sanctions name their case)."""

    region = serializers.CharField(source="region.code", read_only=True, default=None)
    case = serializers.IntegerField(
        source="investigation.case_id", read_only=True, default=None, allow_null=True
    )
    evidence = SanctionEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Sanction
        fields = [
            "id",
            "region",
            "track",
            "basis",
            "kind",
            "subject",
            "issuing_body",
            "decided_on",
            "amount",
            "note",
            "case",
            "evidence",
        ]


class SanctionImposeSerializer(serializers.Serializer):
    region = ScopedRelatedField(Region, help_text="The subject's region (the sanction is filed under it).")
    track = serializers.ChoiceField(
        choices=Track.choices, help_text="Whom it is for: enterprise or officials."
    )
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    basis = serializers.ChoiceField(choices=[(b, b) for b in BASIS_EVIDENCE])
    subject = serializers.CharField(max_length=200)
    issuing_body = serializers.CharField(max_length=200)
    decided_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = EvidenceReferenceSerializer(many=True, allow_empty=False)


class AccidentReportingSerializer(serializers.Serializer):
    reporting = serializers.ChoiceField(
        choices=[
            (value, label)
            for value, label in AccidentReporting.choices
            if value != AccidentReporting.NOT_REPORTED
        ]
    )
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")

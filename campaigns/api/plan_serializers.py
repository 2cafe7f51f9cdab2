"""Serializers of the plan's structure: the stored lists, leading groups, adopted measures, the leaders'
checklist and sub-plans."""

from rest_framework import serializers

from core.api.base import ScopedRelatedField
from organizations.models import Department, Industry, Region

from ..choices import AdoptionState, GroupRole, ListState, RiskLevel
from ..models import (
    AdoptedMeasure,
    Campaign,
    InstitutionalMeasure,
    LeaderDuty,
    LeaderDutyCheck,
    LeadingGroup,
    LeadingGroupMember,
    MeasureAdoption,
    Risk,
)

ENTRY_FIELDS = [
    "id",
    "number",
    "title",
    "description",
    "owner",
    "owner_department",
    "owner_region",
    "responsible_position",
    "due_date",
    "state",
    "overdue",
]


class _EntrySerializer(serializers.ModelSerializer):
    owner = serializers.CharField(read_only=True)
    owner_region = serializers.CharField(source="owner_region.code", read_only=True, default=None)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)


class MeasureSerializer(_EntrySerializer):
    class Meta:
        model = InstitutionalMeasure
        fields = [*ENTRY_FIELDS, "document_number", "document_date", "document_issuer"]


class RiskSerializer(_EntrySerializer):
    class Meta:
        model = Risk
        fields = [*ENTRY_FIELDS, "level", "controls"]


class _EntryInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner_department = ScopedRelatedField(Department, required=False, allow_null=True, default=None)
    owner_region = ScopedRelatedField(Region, required=False, allow_null=True, default=None)
    responsible_position = serializers.CharField(max_length=100)
    due_date = serializers.DateField()
    state = serializers.ChoiceField(choices=ListState.choices, required=False, default=ListState.OPEN)


class MeasureInputSerializer(_EntryInputSerializer):
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    document_date = serializers.DateField(required=False, allow_null=True, default=None)
    document_issuer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RiskInputSerializer(_EntryInputSerializer):
    level = serializers.ChoiceField(choices=RiskLevel.choices, required=False, default=RiskLevel.HIGH)
    controls = serializers.CharField(required=False, allow_blank=True, default="")


class EntryMoveSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=ListState.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    document_date = serializers.DateField(required=False, allow_null=True, default=None)
    document_issuer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LedgerEntrySerializer(serializers.Serializer):
    """A ledger row as a list entry (problems, major hazards)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    owner = serializers.CharField()
    responsible_position = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    state = serializers.ChoiceField(choices=ListState.choices)
    ledger_state = serializers.CharField()
    overdue = serializers.BooleanField()
    url = serializers.CharField()


class LedgerListSerializer(serializers.Serializer):
    kind = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    ledger_link = serializers.CharField()
    state_links = serializers.DictField(child=serializers.CharField())
    truncated = serializers.BooleanField()
    results = LedgerEntrySerializer(many=True)


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadingGroupMember
        fields = ["id", "name", "position", "role", "order"]


class LeadingGroupSerializer(serializers.ModelSerializer):
    industry: "serializers.SlugRelatedField[Industry]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    members = MemberSerializer(many=True, read_only=True)
    gaps = serializers.SerializerMethodField()

    class Meta:
        model = LeadingGroup
        fields = ["id", "name", "industry", "duties", "members", "gaps"]

    def get_gaps(self, group: LeadingGroup) -> list[str]:
        from ..plan_services import leading_group_gaps

        return leading_group_gaps(group, group.members.all())


class LeadingGroupInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    industry = ScopedRelatedField(Industry, required=False, allow_null=True, default=None)
    duties = serializers.CharField(required=False, allow_blank=True, default="")


class MemberInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    position = serializers.CharField(max_length=200)
    role = serializers.ChoiceField(choices=GroupRole.choices)
    order = serializers.IntegerField(required=False, default=0, min_value=0, max_value=32767)


class AdoptionSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    reported_by = serializers.CharField(source="reported_by.username")

    class Meta:
        model = MeasureAdoption
        fields = ["id", "region", "state", "document", "note", "reported_by", "reported_at"]


class AdoptedMeasureSerializer(serializers.ModelSerializer):
    adoptions = AdoptionSerializer(many=True, read_only=True)

    class Meta:
        model = AdoptedMeasure
        fields = ["id", "source", "number", "text", "note", "adoptions"]


class AdoptedMeasureInputSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=200)  # type: ignore[assignment]  # a field named like Field.source
    number = serializers.IntegerField(min_value=1, max_value=32767)
    text = serializers.CharField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AdoptionInputSerializer(serializers.Serializer):
    region = ScopedRelatedField(Region)
    state = serializers.ChoiceField(choices=AdoptionState.choices)
    document = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DutyCheckSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="member_id")
    member_name = serializers.CharField(source="member.name")

    class Meta:
        model = LeaderDutyCheck
        fields = ["id", "member", "member_name", "done_on", "evidence"]


class LeaderDutySerializer(serializers.ModelSerializer):
    checks = DutyCheckSerializer(many=True, read_only=True)

    class Meta:
        model = LeaderDuty
        fields = ["id", "number", "text", "checks"]


class LeaderDutyInputSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=32767)
    text = serializers.CharField(max_length=300)


class DutyCheckInputSerializer(serializers.Serializer):
    member = ScopedRelatedField(LeadingGroupMember)
    done_on = serializers.DateField()
    evidence = serializers.CharField(max_length=300)


class SubPlanSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Campaign
        fields = ["id", "name", "region", "department", "start_date", "end_date", "status"]


class SubPlanInputSerializer(serializers.Serializer):
    department = ScopedRelatedField(Department)
    name = serializers.CharField(max_length=200)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    industries = ScopedRelatedField(Industry, many=True, required=False)
    general_requirement = serializers.CharField(required=False, allow_blank=True, default="")

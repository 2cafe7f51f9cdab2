from typing import Any

from rest_framework import serializers

from core.api.base import ScopedRelatedField
from organizations.models import Department, Industry, Region

from ..choices import CampaignStatus
from ..models import Campaign, ProgressReport, Stage, Task


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "order", "name", "name_en", "start_date", "end_date"]


class StageInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class CampaignSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    industries: "serializers.SlugRelatedField[Industry]" = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    stages = StageSerializer(many=True, read_only=True)
    current_stage = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "region",
            "parent",
            "start_date",
            "end_date",
            "status",
            "general_requirement",
            "responsibilities",
            "guarantee_measures",
            "industries",
            "stages",
            "current_stage",
        ]

    def get_current_stage(self, campaign: Campaign) -> str | None:
        stage = campaign.current_stage()
        return stage.name if stage else None


class CampaignInputSerializer(serializers.Serializer):
    region = ScopedRelatedField(Region)
    name = serializers.CharField(max_length=200)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    industries = ScopedRelatedField(Industry, many=True)
    parent = ScopedRelatedField(Campaign, required=False, allow_null=True)  # type: ignore[assignment]
    general_requirement = serializers.CharField(required=False, allow_blank=True, default="")
    responsibilities = serializers.CharField(required=False, allow_blank=True, default="")
    guarantee_measures = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=CampaignStatus.choices, required=False, default=CampaignStatus.DRAFT
    )


class TaskSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.parent is fine
        source="parent.number", allow_null=True, default=None, read_only=True
    )
    departments = serializers.SerializerMethodField()
    regions = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "number",
            "parent",
            "title",
            "description",
            "due_date",
            "weight",
            "status",
            "percent",
            "overdue",
            "departments",
            "regions",
        ]

    def get_departments(self, task: Task) -> list[dict[str, Any]]:
        return [{"id": d.pk, "name": d.name} for d in task.departments.all()]

    def get_regions(self, task: Task) -> list[str]:
        return [r.code for r in task.regions.all()]


class TaskInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    due_date = serializers.DateField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    departments = ScopedRelatedField(Department, many=True, required=False)
    regions = ScopedRelatedField(Region, many=True, required=False)
    parent = ScopedRelatedField(Task, required=False, allow_null=True)  # type: ignore[assignment]


class ProgressSerializer(serializers.ModelSerializer):
    reported_by = serializers.CharField(source="reported_by.username")
    unit = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "percent", "narrative", "reported_by", "unit", "created_at"]

    def get_unit(self, report: ProgressReport) -> str:
        return str(report.department or report.region or "")


class ProgressInputSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField()
    attachments = serializers.ListField(child=serializers.FileField(), required=False)

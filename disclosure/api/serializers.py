from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.base import ScopedRelatedField
from core.api.months import MONTH_SCHEMA
from organizations.models import Department
from organizations.scoping import scope_for

from ..models import PUBLIC_TITLE_MAX, Publication, TipOff
from ..tipoffs import tipoff_public_stage


class PublicationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    month = serializers.SerializerMethodField()
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Publication
        fields = [
            "id",
            "region",
            "month",
            "version",
            "status",
            "public_id",
            "public_url",
            "sha256",
            "published_at",
            "correction_reason",
            "correction_of",
            "content",
        ]

    @extend_schema_field(MONTH_SCHEMA)
    def get_month(self, publication: Publication) -> str:
        return publication.month.strftime("%Y-%m")

    def get_public_url(self, publication: Publication) -> str | None:
        if publication.status == "draft":
            return None
        return reverse("public-publication", args=[publication.tenant.slug, publication.public_id])


class CorrectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class PublicTitleInputSerializer(serializers.Serializer):
    public_id = serializers.CharField(max_length=20)
    title = serializers.CharField(
        allow_blank=True, max_length=PUBLIC_TITLE_MAX, help_text="Empty: back to the default wording."
    )


class PublicTitlesInputSerializer(serializers.Serializer):
    titles = PublicTitleInputSerializer(many=True, allow_empty=False)


class TipOffSerializer(serializers.ModelSerializer):
    """A tip-off as staff see it. The sender's contact and the reward amount only for committee staff over
    its region (the department it is assigned to gets null)."""

    region = serializers.CharField(source="region.code", read_only=True)
    contact = serializers.SerializerMethodField()
    reward_amount = serializers.SerializerMethodField()
    department: "serializers.PrimaryKeyRelatedField[Department]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    public_stage = serializers.SerializerMethodField()

    class Meta:
        model = TipOff
        fields = [
            "id",
            "region",
            "tracking_code",
            "enterprise_name",
            "description",
            "contact",
            "status",
            "public_note",
            "created_at",
            "triaged_at",
            "department",
            "assigned_at",
            "public_stage",
            "reward_granted_on",
            "reward_amount",
        ]

    def _committee(self, tip: TipOff) -> bool:
        request = self.context.get("request")
        return tip.contact_visible_to(scope_for(getattr(request, "user", None)))

    def get_contact(self, tip: TipOff) -> str | None:
        return tip.contact if self._committee(tip) else None

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True))
    def get_reward_amount(self, tip: TipOff) -> str | None:
        if tip.reward_amount is None or not self._committee(tip):
            return None
        return str(tip.reward_amount)

    @extend_schema_field(serializers.CharField())
    def get_public_stage(self, tip: TipOff) -> str:
        """What the sender's status page says, as a key: received, lead, inspected, rectifying, rectified,
        dismissed."""
        return tipoff_public_stage(tip).key


class AssignInputSerializer(serializers.Serializer):
    department = ScopedRelatedField(Department)


class RewardInputSerializer(serializers.Serializer):
    granted_on = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None
    )


class TriageInputSerializer(serializers.Serializer):
    public_note = serializers.CharField(required=False, allow_blank=True, default="")

from django.urls import reverse
from rest_framework import serializers

from ..models import Publication, TipOff


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
    title = serializers.CharField(allow_blank=True, help_text="Empty: back to the default wording.")


class PublicTitlesInputSerializer(serializers.Serializer):
    titles = PublicTitleInputSerializer(many=True, allow_empty=False)


class TipOffSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

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
        ]


class TriageInputSerializer(serializers.Serializer):
    public_note = serializers.CharField(required=False, allow_blank=True, default="")

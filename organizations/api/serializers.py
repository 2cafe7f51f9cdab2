from typing import Any

from rest_framework import serializers

from core.api.base import ScopedRelatedField

from ..choices import EnterpriseScale, EnterpriseStatus, Role
from ..models import Department, Enterprise, EnterpriseImport, Industry, Membership, Region, User
from ..validators import validate_credit_code, validate_region_code


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "name_en", "level", "parent", "path"]


class RegionInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=6, validators=[validate_region_code])
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    # DRF fields keep their parent serializer in `.parent`; a declared field of that name is still fine.
    parent = ScopedRelatedField(Region, allow_null=True, required=False, default=None)  # type: ignore[assignment]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "code", "name", "name_en", "is_key"]


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    region = RegionBriefSerializer(read_only=True)
    industries: "serializers.SlugRelatedField[Industry]" = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Department
        fields = ["id", "name", "name_en", "region", "industries", "is_active"]


class DepartmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region = ScopedRelatedField(Region)
    industries = ScopedRelatedField(Industry, many=True)
    is_active = serializers.BooleanField(required=False)


class EnterpriseSerializer(serializers.ModelSerializer):
    region = RegionBriefSerializer(read_only=True)
    # The same value as `status`, under the name enforcement orders speak of (hazards/enforcement.py).
    operating_status = serializers.CharField(source="status", read_only=True)
    industries: "serializers.SlugRelatedField[Industry]" = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "region",
            "industries",
            "address",
            "scale",
            "status",
            "operating_status",
            "created_at",
        ]


class EnterpriseInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    credit_code = serializers.CharField(max_length=18, min_length=1, validators=[validate_credit_code])
    region = ScopedRelatedField(Region)
    industries = ScopedRelatedField(Industry, many=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    scale = serializers.ChoiceField(choices=EnterpriseScale.choices, required=False)
    status = serializers.ChoiceField(choices=EnterpriseStatus.choices, required=False)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class EnterpriseImportSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = EnterpriseImport
        fields = [
            "id",
            "file_name",
            "status",
            "rows_total",
            "rows_done",
            "progress_percent",
            "imported_count",
            "errors",
            "created_at",
            "finished_at",
        ]


class MembershipSerializer(serializers.ModelSerializer):
    unit_type = serializers.CharField(read_only=True)
    unit_id = serializers.SerializerMethodField()
    unit_name = serializers.SerializerMethodField()
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "role", "unit_type", "unit_id", "unit_name", "is_active"]

    def get_unit_id(self, membership: Membership) -> int:
        return int(membership.unit.pk)

    def get_unit_name(self, membership: Membership) -> str:
        return str(membership.unit)


class MembershipInputSerializer(serializers.Serializer):
    user = ScopedRelatedField(User)
    role = serializers.ChoiceField(choices=Role.choices)
    enterprise = ScopedRelatedField(Enterprise, required=False, allow_null=True)
    department = ScopedRelatedField(Department, required=False, allow_null=True)
    region = ScopedRelatedField(Region, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        units = [
            attrs.get(name) for name in ("enterprise", "department", "region") if attrs.get(name) is not None
        ]
        if len(units) > 1:
            raise serializers.ValidationError({"unit": "Give one unit: enterprise, department or region."})
        attrs["unit"] = units[0] if units else None
        return attrs


class UserSerializer(serializers.ModelSerializer):
    # Declared so the schema carries no pattern: Django's username rule allows Unicode letters (Chinese
    # names), which the JSON Schema regex dialect's ASCII-only \w would wrongly refuse (found by fuzzing).
    username = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "is_active"]


class UserInputSerializer(serializers.Serializer):
    username = serializers.CharField(
        max_length=150,
        help_text="The name inside your tenant, without a slash; the account signs in as "
        "`<tenant slug>/<name>` (the `username` of the answer).",
    )
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    full_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class ExpertSerializer(serializers.Serializer):
    user = ScopedRelatedField(User)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class RoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    unit_type = serializers.CharField()
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()


class TenantBriefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    tenant = TenantBriefSerializer(allow_null=True)
    roles = RoleSerializer(many=True)

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db.models import JSONField, OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from core.api.base import ScopedRelatedField
from organizations.models import Department, Enterprise, Industry, Region, User

from ..choices import (
    AcceptanceMethod,
    AcceptanceRole,
    HazardCategory,
    HazardLevel,
    InspectionKind,
    ItemResult,
    ListingLevel,
    StopProduction,
)
from ..models import (
    ClosureAcceptance,
    ClosureReport,
    Criterion,
    Evidence,
    Extension,
    Handover,
    HandoverReceipt,
    Hazard,
    HazardEvent,
    Inspection,
    RectificationReport,
    SelfInspection,
    SelfInspectionItem,
    Standard,
    Verification,
)


class CriterionSerializer(serializers.ModelSerializer):
    standard: "serializers.SlugRelatedField[Standard]" = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )
    industry = serializers.CharField(source="standard.industry_code", read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "standard", "industry", "number", "clause", "text", "text_en", "retired"]


class StandardSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Standard
        fields = [
            "id",
            "key",
            "industry_code",
            "name",
            "name_en",
            "document_number",
            "effective_date",
            "version",
            "coverage",
            "local_tenant",
            "supersedes",
            "note",
            "is_current",
            "criteria",
        ]


class EvidenceSerializer(serializers.ModelSerializer):
    """A file as sent (`url`, with its SHA-256) and, for a photo, the copy pages show and what its EXIF
    recorded: when (`taken_at`) and where (`latitude`, `longitude` in decimal degrees), or null."""

    url = serializers.SerializerMethodField()
    display_url = serializers.SerializerMethodField()
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, read_only=True, allow_null=True
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "url",
            "display_url",
            "taken_at",
            "latitude",
            "longitude",
        ]

    def get_url(self, evidence: Evidence) -> str:
        return reverse("evidence-download", args=[evidence.pk])

    def get_display_url(self, evidence: Evidence) -> str | None:
        """The display copy of a photo (the file itself while it has none); null for a PDF."""
        if not evidence.content_type.startswith("image/"):
            return None
        return reverse("evidence-display", args=[evidence.pk])


class HazardListSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    region = serializers.CharField(source="region.code", read_only=True)
    industry = serializers.CharField(source="industry.code", read_only=True)
    criterion = serializers.SerializerMethodField()

    class Meta:
        model = Hazard
        fields = [
            "id",
            "code",
            "title",
            "state",
            "level",
            "proposed_level",
            "category",
            "source",
            "enterprise",
            "region",
            "industry",
            "criterion",
            "location",
            "discovered_at",
            "deadline",
            "is_overdue",
            "listed",
            "closed_at",
        ]

    def get_enterprise(self, hazard: Hazard) -> dict[str, Any]:
        return {"id": hazard.enterprise_id, "name": hazard.enterprise.name}

    def get_criterion(self, hazard: Hazard) -> dict[str, Any] | None:
        criterion = hazard.criterion
        if criterion is None:
            return None
        return {
            "id": criterion.pk,
            "standard": criterion.standard.key,
            "number": criterion.number,
            "text": criterion.text,
        }


# A ledger list page is 50 rows. Building 50 model instances with four joined relations and passing each
# through DRF's fields cost more than the query itself at province scale (docs/benchmarks.md), so the list
# reads plain values (`ledger_values`) and `ledger_list_row` renders them. HazardListSerializer stays the
# schema's description of a row; tests/hazards/test_api.py holds the two outputs equal.
# Columns a list row carries as they are; the rest are built in ledger_list_row.
_LEDGER_AS_IS = (
    "id",
    "code",
    "title",
    "state",
    "level",
    "proposed_level",
    "category",
    "source",
    "location",
    "is_overdue",
    "listed",
)
_LEDGER_COLUMNS = (
    *_LEDGER_AS_IS,
    "enterprise_id",
    "criterion_id",
    "discovered_at",
    "deadline",
    "closed_at",
)


# Enterprise, region, industry and criterion come from scalar subqueries, evaluated for the page's rows only:
# as joins they cost PostgreSQL 1.7 ms a query to plan (it weighs every join order), more than the query took
# to run, and a join to the enterprises made a page deep in a county hash all of the tenant's 100,000 of
# them before sorting (46 ms at 1M hazards). Built once: a query resolves its own copy of each expression.
_LEDGER_LOOKUPS = {
    "enterprise_name": Subquery(
        Enterprise.objects.filter(pk=OuterRef("enterprise_id")).order_by().values("name")
    ),
    "region_code": Subquery(Region.objects.filter(pk=OuterRef("region_id")).order_by().values("code")),
    "industry_code": Subquery(Industry.objects.filter(pk=OuterRef("industry_id")).order_by().values("code")),
    "criterion_json": Subquery(
        Criterion.objects.filter(pk=OuterRef("criterion_id"))
        .order_by()
        .values(json=JSONObject(id="id", standard="standard__key", number="number", text="text")),
        output_field=JSONField(),
    ),
}


def ledger_values(queryset: QuerySet[Hazard]) -> QuerySet:
    """The list's columns, as plain values (and a search's relevance, by which its pages are walked)."""
    ranked = ("relevance",) if "relevance" in queryset.query.annotations else ()
    return queryset.values(*_LEDGER_COLUMNS, *ranked, **_LEDGER_LOOKUPS)


def _api_datetime(value: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """As DRF's DateTimeField renders it: in the current time zone, ISO 8601, UTC as 'Z'."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def ledger_list_row(values: dict[str, Any], zone: dt.tzinfo) -> dict[str, Any]:
    """One row of the ledger list from `ledger_values`, shaped exactly as HazardListSerializer's."""
    deadline = values["deadline"]
    row = {name: values[name] for name in _LEDGER_AS_IS}
    row.update(
        enterprise={"id": values["enterprise_id"], "name": values["enterprise_name"]},
        region=values["region_code"],
        industry=values["industry_code"],
        criterion=values["criterion_json"],
        discovered_at=_api_datetime(values["discovered_at"], zone),
        deadline=None if deadline is None else deadline.isoformat(),
        closed_at=_api_datetime(values["closed_at"], zone),
    )
    return row


class ReceiptSerializer(serializers.ModelSerializer):
    """One receiver's receipt: a department (`department_id`) or the territorial committee (`committee`,
    its region code)."""

    department = serializers.CharField(source="department.name", default=None, allow_null=True)
    committee = serializers.CharField(source="region.code", default=None, allow_null=True)
    receiver = serializers.CharField(source="receiver_name")

    class Meta:
        model = HandoverReceipt
        fields = [
            "id",
            "department_id",
            "department",
            "committee",
            "receiver",
            "receipt_deadline",
            "acknowledged_at",
            "escalated_at",
        ]


class ReceiptListSerializer(ReceiptSerializer):
    """A receipt in the receiver's list, with the hazard it is about."""

    hazard = serializers.SerializerMethodField()
    handed_over_at = serializers.DateTimeField(source="handover.created_at")
    escalated_to = serializers.CharField(source="escalated_to.code", default=None, allow_null=True)

    class Meta(ReceiptSerializer.Meta):
        fields = [*ReceiptSerializer.Meta.fields, "escalated_to", "handed_over_at", "hazard"]

    def get_hazard(self, receipt: HandoverReceipt) -> dict[str, Any]:
        hazard = receipt.handover.hazard
        return {
            "id": hazard.pk,
            "code": hazard.code,
            "title": hazard.title,
            "state": hazard.state,
            "enterprise": hazard.enterprise.name,
        }


class HandoverSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    receipts = ReceiptSerializer(many=True)

    class Meta:
        model = Handover
        fields = ["id", "region", "created_at", "receipts"]


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Extension
        fields = [
            "id",
            "requested_at",
            "previous_deadline",
            "new_deadline",
            "reason",
            "status",
            "decided_at",
            "decision_note",
        ]


class ReportSerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = RectificationReport
        fields = ["id", "report", "submitted_at", "evidence"]


class AcceptanceSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="department.name", allow_null=True, default=None)
    attachments = EvidenceSerializer(many=True)
    closure_report_sha256 = serializers.CharField(source="report.sha256", allow_null=True, default=None)

    class Meta:
        model = ClosureAcceptance
        fields = [
            "id",
            "department",
            "participants",
            "method",
            "conclusion",
            "attachments",
            "closure_report_sha256",
        ]


class VerificationSerializer(serializers.ModelSerializer):
    acceptance = serializers.SerializerMethodField()

    class Meta:
        model = Verification
        fields = ["id", "verified_at", "on_site", "accepted", "note", "acceptance"]

    @extend_schema_field(AcceptanceSerializer(allow_null=True))
    def get_acceptance(self, verification: Verification) -> dict[str, Any] | None:
        try:
            acceptance = verification.acceptance
        except ClosureAcceptance.DoesNotExist:
            return None
        return AcceptanceSerializer(acceptance).data


class ClosureReportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ClosureReport
        fields = ["sha256", "created_at", "url"]

    def get_url(self, report: ClosureReport) -> str:
        return reverse("api:hazard-closure-report", args=[report.hazard_id])


class HazardDetailSerializer(HazardListSerializer):
    listing_body = serializers.CharField(read_only=True)
    handovers = HandoverSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    reports = ReportSerializer(many=True, read_only=True)
    verifications = VerificationSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField()
    closure_report = serializers.SerializerMethodField()

    class Meta(HazardListSerializer.Meta):
        fields = [
            *HazardListSerializer.Meta.fields,
            "description",
            "responsible_person",
            "measures",
            "funds",
            "contingency_plan",
            "listing_level",
            "listing_body",
            "listing_department",
            "listing_committee",
            "listing_document",
            "listing_deadline",
            "listed_at",
            "listing_escalated_at",
            "listing_lifted_at",
            "overdue_since",
            "withdrawn_reason",
            "handovers",
            "extensions",
            "reports",
            "verifications",
            "photos",
            "closure_report",
        ]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_photos(self, hazard: Hazard) -> list[dict[str, Any]]:
        found = [
            item for item in hazard.evidence.all() if item.report_id is None and item.acceptance_id is None
        ]
        return EvidenceSerializer(found, many=True).data  # type: ignore[return-value]

    @extend_schema_field(ClosureReportSerializer(allow_null=True))
    def get_closure_report(self, hazard: Hazard) -> dict[str, Any] | None:
        """The latest closure report's digest (the PDF itself at its url)."""
        reports = sorted(hazard.closure_reports.all(), key=lambda report: (report.created_at, report.pk))
        return ClosureReportSerializer(reports[-1]).data if reports else None


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = HazardEvent
        fields = ["id", "action", "from_state", "to_state", "actor", "note", "data", "created_at"]


class HazardCreateSerializer(serializers.Serializer):
    enterprise = ScopedRelatedField(Enterprise)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    location = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=HazardCategory.choices)
    industry = ScopedRelatedField(Industry, required=False, allow_null=True)
    level = serializers.ChoiceField(
        choices=HazardLevel.choices,
        required=False,
        allow_blank=True,
        help_text="A regulator grades the hazard at once (it starts confirmed). An enterprise may send "
        "`major` with `criterion` to report its own major hazard: it starts reported with "
        "`proposed_level` major, and the regulating departments and the committee are told.",
    )
    criterion = ScopedRelatedField(Criterion, required=False, allow_null=True)
    photos = serializers.ListField(child=serializers.FileField(), required=False)


class ConfirmSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=HazardLevel.choices)
    criterion = ScopedRelatedField(
        Criterion,
        required=False,
        allow_null=True,
        help_text="Required for major; a hazard the enterprise reported as major keeps its criterion when "
        "none is given.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the grade differs from the enterprise's proposal (required then).",
    )


class HandoverInputSerializer(serializers.Serializer):
    region = ScopedRelatedField(Region)
    departments = ScopedRelatedField(Department, many=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSerializer(serializers.Serializer):
    responsible_person = serializers.CharField(max_length=100)
    measures = serializers.CharField()
    funds = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    deadline = serializers.DateField()
    contingency_plan = serializers.CharField()


class SubmitSerializer(serializers.Serializer):
    report = serializers.CharField()
    evidence = serializers.ListField(child=serializers.FileField(), required=False)


class ParticipantSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=AcceptanceRole.choices)
    unit = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ParticipantsField(serializers.ListField):
    """The acceptance's participants: a JSON list, or (in a multipart request, beside the attachments) the
    same list as a JSON string."""

    child = ParticipantSerializer()

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)  # the JSON string, not a list of form values
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else []
            except ValueError:
                self.fail("not_a_list", input_type="text")
        return super().to_internal_value(data)


class VerifySerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    on_site = serializers.BooleanField(required=False, default=True)
    # The on-site acceptance (销号验收): required when a major hazard is accepted (at least two participants).
    participants = ParticipantsField(required=False, default=list)
    method = serializers.ChoiceField(
        choices=AcceptanceMethod.choices, required=False, allow_blank=True, default=""
    )
    conclusion = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()
    deadline = serializers.DateField()


class ExtensionRequestSerializer(serializers.Serializer):
    new_deadline = serializers.DateField()
    reason = serializers.CharField()


class ExtensionDecisionSerializer(serializers.Serializer):
    approved = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ListingSerializer(serializers.Serializer):
    """The listing body is the caller's own unit (no body is named), at a level within its authority."""

    level = serializers.ChoiceField(choices=ListingLevel.choices)
    document_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    deadline = serializers.DateField()


class LiftListingSerializer(serializers.Serializer):
    note = serializers.CharField()


class ListingFilterSerializer(serializers.Serializer):
    """The listings register's query parameters."""

    level = serializers.ChoiceField(
        choices=ListingLevel.choices, required=False, allow_blank=True, default=""
    )
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    lifted = serializers.BooleanField(required=False, allow_null=True, default=None)


class ListingBodySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["department", "committee"])
    id = serializers.IntegerField()
    name = serializers.CharField()


def listing_body_of(hazard: Hazard) -> dict[str, Any] | None:
    if hazard.listing_department_id is not None:
        return {"kind": "department", "id": hazard.listing_department_id, "name": hazard.listing_body}
    if hazard.listing_committee_id is not None:
        return {"kind": "committee", "id": hazard.listing_committee_id, "name": hazard.listing_body}
    return None


class ListingRowSerializer(serializers.ModelSerializer):
    """A row of the listings register: the listed hazard and its listing."""

    hazard = serializers.IntegerField(source="pk", read_only=True)
    enterprise = serializers.SerializerMethodField()
    region = serializers.CharField(source="region.code", read_only=True)
    body = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(source="listing_overdue", read_only=True)
    lifted = serializers.BooleanField(source="listing_lifted", read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "hazard",
            "code",
            "title",
            "state",
            "enterprise",
            "region",
            "listing_level",
            "body",
            "listing_document",
            "listing_deadline",
            "listed_at",
            "overdue",
            "listing_escalated_at",
            "lifted",
            "listing_lifted_at",
        ]

    def get_enterprise(self, hazard: Hazard) -> dict[str, Any]:
        return {"id": hazard.enterprise_id, "name": hazard.enterprise.name}

    @extend_schema_field(ListingBodySerializer)
    def get_body(self, hazard: Hazard) -> dict[str, Any] | None:
        return listing_body_of(hazard)


class SelfInspectionItemSerializer(serializers.ModelSerializer):
    key = serializers.SerializerMethodField()

    class Meta:
        model = SelfInspectionItem
        fields = ["id", "key", "label", "result", "category", "description", "location"]

    def get_key(self, item: SelfInspectionItem) -> str:
        return f"C{item.criterion_id}" if item.criterion_id else (item.general_code or f"X{item.pk}")


class SelfInspectionSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    items = SelfInspectionItemSerializer(many=True, read_only=True)
    hazards = serializers.SerializerMethodField()

    class Meta:
        model = SelfInspection
        fields = ["id", "enterprise", "period", "status", "submitted_at", "note", "items", "hazards"]

    def get_enterprise(self, inspection: SelfInspection) -> dict[str, Any]:
        return {"id": inspection.enterprise_id, "name": inspection.enterprise.name}

    def get_hazards(self, inspection: SelfInspection) -> list[str]:
        return [hazard.code for hazard in inspection.hazards.all()]


class ChecklistLineSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The key to answer in a self-inspection's `items`")
    label = serializers.CharField()  # type: ignore[assignment]  # the metaclass takes it as a field


class AnswerSerializer(serializers.Serializer):
    key = serializers.CharField()
    result = serializers.ChoiceField(choices=ItemResult.choices)
    category = serializers.ChoiceField(
        choices=HazardCategory.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required on a hazard by submission",
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=SelfInspectionItem._meta.get_field("location").max_length,
    )


class ExtraHazardSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=HazardCategory.choices)
    description = serializers.CharField()
    location = serializers.CharField(max_length=Hazard._meta.get_field("location").max_length)


class SelfInspectionInputSerializer(serializers.Serializer):
    enterprise = ScopedRelatedField(Enterprise)
    period = serializers.DateField(help_text="Any day of the month inspected")
    items = AnswerSerializer(many=True, required=False)
    extra_hazards = ExtraHazardSerializer(many=True, required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(required=False, default=False)


class FindingSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    location = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=HazardCategory.choices)
    level = serializers.ChoiceField(choices=HazardLevel.choices)
    criterion = ScopedRelatedField(Criterion, required=False, allow_null=True)
    industry = ScopedRelatedField(Industry, required=False, allow_null=True)


class InspectionInputSerializer(serializers.Serializer):
    enterprise = ScopedRelatedField(Enterprise)
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    inspectors = ScopedRelatedField(User, many=True, required=False)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    rectification_order = serializers.BooleanField(required=False, default=False)
    stop_production = serializers.ChoiceField(
        choices=StopProduction.choices, required=False, default=StopProduction.NONE
    )
    fine_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, default=Decimal(0)
    )
    findings = FindingSerializer(many=True, required=False)
    tip_off = ScopedRelatedField(
        Inspection._meta.get_field("tip_off").related_model,  # disclosure.TipOff
        required=False,
        allow_null=True,
        help_text="The tip-off (assigned to your department as a lead) that prompted the inspection.",
    )


class InspectionSerializer(serializers.ModelSerializer):
    enterprise = serializers.SerializerMethodField()
    department = serializers.CharField(source="department.name")
    inspectors: "serializers.SlugRelatedField[User]" = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    hazards = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "enterprise",
            "department",
            "date",
            "kind",
            "inspectors",
            "summary",
            "rectification_order",
            "stop_production",
            "fine_amount",
            "tip_off",
            "hazards",
        ]

    def get_enterprise(self, inspection: Inspection) -> dict[str, Any]:
        return {"id": inspection.enterprise_id, "name": inspection.enterprise.name}

    def get_hazards(self, inspection: Inspection) -> list[str]:
        return [hazard.code for hazard in inspection.hazards.all()]

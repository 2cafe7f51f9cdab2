"""GET /api/v1/audit-log/?action=&actor=&since= — the tenant's audit log, for its audit administrator only
(anyone else: 403; another tenant's entries are never there)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet

from ..audit import READ_ROLES, audit_filter
from ..choices import AuditAction
from ..models import AuditEntry
from ..scoping import require_role


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "created_at",
            "actor",
            "actor_username",
            "address",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "detail",
            "prev_hash",
            "hash",
        ]


class AuditQuerySerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)
    actor = serializers.CharField(required=False, max_length=150, help_text="a username")
    since = serializers.DateTimeField(
        required=False, input_formats=["iso-8601", "%Y-%m-%d"], help_text="a date or an ISO 8601 time"
    )


class AuditPagination(CursorPagination):
    """Newest first, each page read from where the last ended (the log only grows)."""

    ordering = "-seq"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class AuditLogViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The tenant's audit log: sign-ins, sign-outs, password changes, directory changes, role grants and
    ends, exports, publications and policy changes — when, who, from which address, what, the outcome."""

    scoped_model = AuditEntry
    serializer_class = AuditEntrySerializer
    pagination_class = AuditPagination

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        query = AuditQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return audit_filter(
            queryset, action=data.get("action", ""), username=data.get("actor", ""), since=data.get("since")
        )

    @extend_schema(parameters=[AuditQuerySerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require_role(request.user, READ_ROLES, _("Only the audit administrator reads the audit log."))
        return super().list(request, *args, **kwargs)

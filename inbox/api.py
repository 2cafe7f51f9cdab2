"""GET /api/v1/inbox/: the same items as the inbox page, with the count of every kind."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.scoping import actor_of

from .choices import InboxKind
from .selectors import inbox_sections


class InboxItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InboxKind.choices)
    title = serializers.CharField()
    due = serializers.DateField(allow_null=True, help_text="When it is due, if it has a date.")
    overdue = serializers.BooleanField()
    url = serializers.CharField(help_text="The page (path) where the work is done.")


class InboxKindCountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InboxKind.choices)
    name = serializers.CharField(help_text="What the kind is called, in the caller's language.")
    count = serializers.IntegerField(min_value=0)


class InboxSerializer(serializers.Serializer):
    total = serializers.IntegerField(min_value=0)
    counts = InboxKindCountSerializer(
        many=True, help_text="Every kind that can wait on the caller's roles, with how many wait now."
    )
    items = InboxItemSerializer(many=True, help_text="Up to 50 items of each kind, earliest due first.")


@extend_schema(responses=InboxSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def inbox(request: Request) -> Response:
    """What awaits the caller: handovers, verifications, plans and rectifications due, listings, self-
    inspections, campaign tasks, tip-offs, leads, spot checks and re-checks."""
    sections = inbox_sections(actor=actor_of(request))
    data = {
        "total": sum(section.count for section in sections),
        "counts": [{"kind": s.kind, "name": s.label, "count": s.count} for s in sections],
        "items": [item for section in sections for item in section.items],
    }
    return Response(InboxSerializer(data).data)

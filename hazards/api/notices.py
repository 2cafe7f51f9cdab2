"""Notices API: the caller's channels per kind of notice; the tenant administrator's outbox (deliveries,
`?status=failed`) and webhook."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet
from core.errors import PermissionDeniedError
from organizations.scoping import actor_of, scope_for

from ..choices import DeliveryStatus, NoticeChannel, NoticeKind
from ..models import NoticeDelivery, NoticeWebhook
from ..services.notifications import notice_delivery_retry, notice_preferences_get, notice_preferences_set
from ..services.webhooks import PLACEHOLDERS, notice_webhook_set


class DeliverySerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    kind = serializers.CharField(source="notification.kind", read_only=True)
    hazard = serializers.IntegerField(source="notification.hazard_id", read_only=True, allow_null=True)

    class Meta:
        model = NoticeDelivery
        fields = [
            "id",
            "channel",
            "status",
            "username",
            "kind",
            "hazard",
            "attempts",
            "last_error",
            "created_at",
            "next_attempt_at",
            "sent_at",
        ]
        read_only_fields = fields


class NoticeDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The tenant's notice outbox, newest first (tenant administrator). A failed delivery is retried on its
    own until it goes; `POST …/retry/` sends it again now."""

    scoped_model = NoticeDelivery
    serializer_class = DeliverySerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = queryset.select_related("user", "notification")
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in DeliveryStatus.values:
                raise ValidationError(
                    {
                        "status": _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(DeliveryStatus.values)}
                    }
                )
            queryset = queryset.filter(status=wanted)
        channel = self.request.query_params.get("channel")
        if channel:
            if channel not in NoticeChannel.values:
                raise ValidationError({"channel": _("Choose email or webhook.")})
            queryset = queryset.filter(channel=channel)
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DeliveryStatus.values),
            OpenApiParameter("channel", str, enum=NoticeChannel.values),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not scope_for(actor_of(request)).is_tenant_admin:
            raise PermissionDeniedError(_("Only the tenant administrator sees the notice outbox."))
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        delivery = notice_delivery_retry(actor=actor_of(request), delivery=self.get_object())
        return Response(DeliverySerializer(delivery).data)


class ChannelSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    kind_label = serializers.CharField(read_only=True, source="label")
    in_app = serializers.BooleanField(read_only=True, default=True)
    email = serializers.BooleanField()
    webhook = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=[("zh-hans", "zh-hans"), ("en", "en")], required=False)
    channels = ChannelSerializer(many=True, required=False)


def _preferences(request: Request) -> dict[str, Any]:
    actor = actor_of(request)
    return {
        "language": actor.language,
        "channels": [{**choice.__dict__, "in_app": True} for choice in notice_preferences_get(actor=actor)],
    }


@extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
@api_view(["GET", "PUT"])
@permission_classes([IsAuthenticated])
def notice_preferences(request: Request) -> Response:
    """The caller's channels per kind of notice (in-app cannot be turned off) and notice language."""
    if request.method == "PUT":
        data = PreferencesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice_preferences_set(
            actor=actor_of(request),
            channels={
                row["kind"]: {"email": row["email"], "webhook": row["webhook"]}
                for row in data.validated_data.get("channels", [])
            },
            language=data.validated_data.get("language"),
        )
    return Response(PreferencesSerializer(_preferences(request)).data)


class WebhookSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    body_template = serializers.CharField()
    # Write-only: what is stored is never sent back, only `secret_hint`. Left out keeps it, "" removes it.
    secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)
    secret_hint = serializers.CharField(read_only=True)
    is_active = serializers.BooleanField(default=True)
    placeholders = serializers.ListField(child=serializers.CharField(), read_only=True)


def _webhook_data(hook: NoticeWebhook | None) -> dict[str, Any]:
    placeholders = [f"{{{name}}}" for name in PLACEHOLDERS]
    if hook is None:
        return {
            "url": "",
            "body_template": "",
            "secret_hint": "",
            "is_active": False,
            "placeholders": placeholders,
        }
    return {
        "url": hook.url,
        "body_template": hook.body_template,
        "secret_hint": hook.secret_hint,
        "is_active": hook.is_active,
        "placeholders": placeholders,
    }


@extend_schema(request=WebhookSerializer, responses=WebhookSerializer)
@api_view(["GET", "PUT"])
@permission_classes([IsAuthenticated])
def notice_webhook(request: Request) -> Response:
    """The tenant's webhook channel (tenant administrator): URL, JSON body template, signing secret."""
    actor = actor_of(request)
    if not scope_for(actor).is_tenant_admin:
        raise PermissionDeniedError(_("Only the tenant administrator configures the webhook."))
    if request.method == "PUT":
        data = WebhookSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hook = notice_webhook_set(
            actor=actor,
            url=data.validated_data["url"],
            body_template=data.validated_data["body_template"],
            secret=data.validated_data.get("secret"),
            is_active=data.validated_data["is_active"],
        )
        return Response(WebhookSerializer(_webhook_data(hook)).data)
    return Response(WebhookSerializer(_webhook_data(NoticeWebhook.objects.visible_to(actor).first())).data)

from django.contrib import admin
from django.http import HttpRequest

from .models import DisclosurePolicy, Publication, TipOff


@admin.register(DisclosurePolicy)
class DisclosurePolicyAdmin(admin.ModelAdmin):
    list_display = ["tenant", "show_criterion", "show_deadline", "show_listing"]


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Read-only: publications change only through their services (and never once published)."""

    list_display = ["region", "month", "version", "status", "published_at", "sha256"]
    list_filter = ["tenant", "status"]
    exclude = ["pdf"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TipOff)
class TipOffAdmin(admin.ModelAdmin):
    list_display = ["tracking_code", "region", "status", "created_at"]
    list_filter = ["tenant", "status"]

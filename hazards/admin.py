from django.contrib import admin
from django.http import HttpRequest

from .models import Criterion, Hazard, HazardEvent, Standard


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["name", "industry_code", "document_number", "version", "effective_date", "is_current"]
    list_filter = ["industry_code", "is_current"]
    inlines = [CriterionInline]


@admin.register(Hazard)
class HazardAdmin(admin.ModelAdmin):
    """Read-only for platform staff: every change to a hazard goes through its transitions."""

    list_display = ["code", "title", "state", "level", "tenant", "discovered_at"]
    list_filter = ["tenant", "state", "level", "source"]
    search_fields = ["code", "title"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(HazardEvent)
class HazardEventAdmin(HazardAdmin):
    list_display = ["hazard", "action", "from_state", "to_state", "actor", "created_at"]
    list_filter = ["action"]
    search_fields = ["hazard__code"]

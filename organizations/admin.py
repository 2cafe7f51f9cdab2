from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from guardian.admin import GuardedModelAdmin

from .models import Department, Enterprise, EnterpriseImport, Industry, Membership, Region, Tenant, User

# Django admin is for platform staff (superusers); tenant users work in the product pages.


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "name_en", "created_at"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "tenant", "path"]
    list_filter = ["tenant", "level"]
    search_fields = ["code", "name", "name_en"]
    readonly_fields = ["path"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "tenant", "is_key"]
    list_filter = ["tenant"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "tenant", "is_active"]
    list_filter = ["tenant"]
    search_fields = ["name"]
    raw_id_fields = ["region"]


@admin.register(Enterprise)
class EnterpriseAdmin(GuardedModelAdmin):
    list_display = ["name", "credit_code", "region", "tenant", "status"]
    list_filter = ["tenant", "status", "scale"]
    search_fields = ["name", "credit_code"]
    raw_id_fields = ["region"]
    readonly_fields = ["region_path"]


@admin.register(User)
class TenantUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "tenant", "is_active", "is_staff"]
    list_filter = ["tenant", "is_active", "is_staff"]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Tenant", {"fields": ("tenant", "full_name", "phone")}))


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "enterprise", "department", "region", "tenant", "is_active"]
    list_filter = ["tenant", "role", "is_active"]
    raw_id_fields = ["user", "enterprise", "department", "region"]


@admin.register(EnterpriseImport)
class EnterpriseImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "tenant", "status", "imported_count", "created_at"]
    exclude = ["content"]

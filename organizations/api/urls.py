from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views
from .audit import AuditLogViewSet

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("enterprise-imports", views.EnterpriseImportViewSet, basename="enterprise-import")
router.register("users", views.UserViewSet, basename="user")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("audit-log", AuditLogViewSet, basename="audit-log")

urlpatterns = [
    path("auth/token/", views.obtain_token, name="api-token"),
    path("me/", views.me, name="api-me"),
    path("", include(router.urls)),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from . import audit_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("directory/enterprises/", views.EnterpriseListView.as_view(), name="enterprise-list"),
    path("directory/enterprises/new/", views.enterprise_create, name="enterprise-create"),
    path("directory/enterprises/<int:pk>/", views.EnterpriseDetailView.as_view(), name="enterprise-detail"),
    path("directory/enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("directory/enterprises/import/", views.enterprise_import, name="enterprise-import"),
    path(
        "directory/enterprises/import/template/",
        views.enterprise_import_template,
        name="enterprise-import-template",
    ),
    path(
        "directory/imports/<int:pk>/",
        views.EnterpriseImportDetailView.as_view(),
        name="enterprise-import-detail",
    ),
    path("directory/departments/", views.DepartmentListView.as_view(), name="department-list"),
    path("directory/departments/new/", views.department_create, name="department-create"),
    path("directory/departments/<int:pk>/edit/", views.department_edit, name="department-edit"),
    path("directory/users/", views.UserListView.as_view(), name="user-list"),
    path("directory/users/new/", views.user_create, name="user-create"),
    path("directory/users/<int:pk>/", views.UserDetailView.as_view(), name="user-detail"),
    path("directory/users/<int:pk>/close/", views.user_close, name="user-close"),
    path("directory/users/<int:pk>/grant/", views.membership_grant, name="membership-grant"),
    path("directory/memberships/<int:pk>/revoke/", views.membership_revoke, name="membership-revoke"),
    path("audit-log/", audit_views.audit_log, name="audit-log"),
    path("audit-log/export.<str:fmt>", audit_views.audit_log_export, name="audit-log-export"),
]

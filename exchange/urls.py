from django.urls import path

from . import views

urlpatterns = [
    path("national/", views.national_dashboard_page, name="national-dashboard"),
    path("national/standards/", views.national_standards_page, name="national-standards"),
    path("standards/received/", views.standards_pull_page, name="standards-pull"),
]

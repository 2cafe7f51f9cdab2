from django.urls import path

from . import views

urlpatterns = [
    path("national/", views.national_dashboard_page, name="national-dashboard"),
]

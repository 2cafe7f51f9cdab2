from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("accidents", views.AccidentViewSet, basename="accident")
router.register("accountability-cases", views.CaseViewSet, basename="accountability-case")
router.register("interviews", views.InterviewViewSet, basename="interview")

urlpatterns = [path("", include(router.urls))]

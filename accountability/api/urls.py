from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("accidents", views.AccidentViewSet, basename="accident")
router.register("accountability-cases", views.CaseViewSet, basename="accountability-case")
router.register("interviews", views.InterviewViewSet, basename="interview")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("scoring-schemes", views.SchemeViewSet, basename="scoring-scheme")
router.register("spot-checks", views.SpotCheckViewSet, basename="spot-check")
router.register("sanctions", views.SanctionViewSet, basename="sanction")
router.register("leadership-inputs", views.LeadershipInputView, basename="leadership-input")

urlpatterns = [path("", include(router.urls))]

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("tasks", views.TaskViewSet, basename="task")

urlpatterns = [path("", include(router.urls))]

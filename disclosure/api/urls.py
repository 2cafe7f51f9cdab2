from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("publications", views.PublicationViewSet, basename="publication")
router.register("tip-offs", views.TipOffViewSet, basename="tip-off")

urlpatterns = [path("", include(router.urls))]

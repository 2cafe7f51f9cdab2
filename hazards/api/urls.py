from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import list_views, notices, orders, receipts, rechecks, views

router = DefaultRouter()
router.register("hazards", views.HazardViewSet, basename="hazard")
router.register("self-inspections", views.SelfInspectionViewSet, basename="self-inspection")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("standards", views.StandardViewSet, basename="standard")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("listings", views.ListingViewSet, basename="listing")
router.register("enforcement-orders", orders.EnforcementOrderViewSet, basename="enforcement-order")
router.register("handover-receipts", receipts.HandoverReceiptViewSet, basename="handover-receipt")
router.register("rechecks", rechecks.RecheckViewSet, basename="recheck")
router.register("notices/deliveries", notices.NoticeDeliveryViewSet, basename="notice-delivery")

urlpatterns = [
    path("hazards/<int:pk>/closure-report.pdf", rechecks.hazard_closure_report, name="hazard-closure-report"),
    path("notices/preferences/", notices.notice_preferences, name="notice-preferences"),
    path("notices/webhook/", notices.notice_webhook, name="notice-webhook"),
    path("", include(router.urls)),
    path("campaigns/<int:pk>/wall-chart/", views.campaign_wall_chart, name="campaign-wall-chart"),
    path("campaigns/<int:pk>/lists/problems/", list_views.campaign_problems, name="campaign-list-problems"),
    path(
        "campaigns/<int:pk>/lists/major-hazards/",
        list_views.campaign_major_hazards,
        name="campaign-list-major-hazards",
    ),
]

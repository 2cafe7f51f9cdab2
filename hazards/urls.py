from django.urls import path

from . import campaign_views, recheck_views, views

urlpatterns = [
    path(
        "campaigns/<int:pk>/wall-chart/",
        campaign_views.campaign_wall_chart_page,
        name="campaign-wall-chart-page",
    ),
    path("campaigns/<int:pk>/dashboard/", campaign_views.campaign_dashboard_page, name="campaign-dashboard"),
    path("campaigns/<int:pk>/summary.<str:fmt>", campaign_views.campaign_summary, name="campaign-summary"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/new/", views.hazard_create, name="hazard-create"),
    path("ledger/export.<str:fmt>", views.ledger_export, name="ledger-export"),
    path("ledger/<int:pk>/", views.hazard_detail, name="hazard-detail"),
    path("ledger/<int:pk>/<slug:action>/", views.hazard_action, name="hazard-action"),
    path("ledger/<int:pk>/closure-report.pdf", views.hazard_closure_report, name="hazard-closure-report"),
    path("rechecks/", recheck_views.recheck_list, name="recheck-list"),
    path("rechecks/<int:pk>/result/", recheck_views.recheck_result, name="recheck-result"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("self-inspections/", views.self_inspection_list, name="self-inspection-list"),
    path("self-inspections/start/", views.self_inspection_start, name="self-inspection-start"),
    path("self-inspections/missing/", views.self_inspection_missing_view, name="self-inspection-missing"),
    path("self-inspections/<int:pk>/", views.self_inspection_edit, name="self-inspection-edit"),
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/new/", views.inspection_create, name="inspection-create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("notifications/", views.notifications, name="notifications"),
]

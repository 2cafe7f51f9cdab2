from django.urls import path

from . import campaign_views, listing_views, order_views, receipt_views, standards_views, views

urlpatterns = [
    path(
        "campaigns/<int:pk>/wall-chart/",
        campaign_views.campaign_wall_chart_page,
        name="campaign-wall-chart-page",
    ),
    path("campaigns/<int:pk>/dashboard/", campaign_views.campaign_dashboard_page, name="campaign-dashboard"),
    path("campaigns/<int:pk>/summary.<str:fmt>", campaign_views.campaign_summary, name="campaign-summary"),
    path("standards/", standards_views.standard_list, name="standard-list"),
    path("standards/new/", standards_views.standard_create_view, name="standard-create"),
    path("standards/<int:pk>/", standards_views.standard_detail, name="standard-detail"),
    path("criteria/<int:pk>/revise/", standards_views.criterion_revise_view, name="criterion-revise"),
    path("industries/new/", standards_views.industry_create_view, name="industry-create"),
    path("campaigns/<int:pk>/four-lists/", campaign_views.campaign_four_lists, name="campaign-four-lists"),
    path(
        "campaigns/<int:pk>/one-table-four-lists.xlsx",
        campaign_views.campaign_one_table_four_lists,
        name="campaign-one-table-four-lists",
    ),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/new/", views.hazard_create, name="hazard-create"),
    path("ledger/export.<str:fmt>", views.ledger_export, name="ledger-export"),
    path("ledger/<int:pk>/", views.hazard_detail, name="hazard-detail"),
    path("ledger/<int:pk>/<slug:action>/", views.hazard_action, name="hazard-action"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("self-inspections/", views.self_inspection_list, name="self-inspection-list"),
    path("self-inspections/start/", views.self_inspection_start, name="self-inspection-start"),
    path("self-inspections/missing/", views.self_inspection_missing_view, name="self-inspection-missing"),
    path("self-inspections/<int:pk>/", views.self_inspection_edit, name="self-inspection-edit"),
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/new/", views.inspection_create, name="inspection-create"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path("notifications/", views.notifications, name="notifications"),
    path("listings/", listing_views.listing_register, name="listing-list"),
    path("enforcement-orders/", order_views.order_list, name="enforcement-order-list"),
    path("enforcement-orders/new/", order_views.order_create, name="enforcement-order-create"),
    path("enforcement-orders/<int:pk>/", order_views.order_detail, name="enforcement-order-detail"),
    path("enforcement-orders/<int:pk>/resume/", order_views.order_resume, name="enforcement-order-resume"),
    path("handover-receipts/", receipt_views.receipt_list_page, name="handover-receipts"),
    path(
        "handover-receipts/<int:pk>/acknowledge/",
        receipt_views.receipt_acknowledge,
        name="handover-receipt-acknowledge",
    ),
]

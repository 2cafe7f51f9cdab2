from django.urls import path

from . import assess_views, ranking_views, scheme_views, views

urlpatterns = [
    path("accidents/", views.accident_list, name="accident-list"),
    path("accidents/new/", views.accident_create, name="accident-create"),
    path("accidents/<int:pk>/", views.accident_detail, name="accident-detail"),
    path("accidents/<int:pk>/open-case/", views.case_open, name="case-open"),
    path("accidents/<int:pk>/reporting/", assess_views.accident_reporting, name="accident-reporting"),
    path("spot-checks/", assess_views.spot_check_list, name="spot-check-list"),
    path("spot-checks/<int:pk>/", assess_views.spot_check_detail, name="spot-check-detail"),
    path("sanctions/", assess_views.sanction_list, name="sanction-list"),
    path("sanctions/new/", assess_views.sanction_create, name="sanction-create"),
    path("accountability-cases/", views.case_list, name="case-list"),
    path("accountability-cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("interviews/", views.interview_list, name="interview-list"),
    path("interviews/new/", views.interview_create, name="interview-create"),
    path("rankings/", ranking_views.rankings, name="rankings"),
    path("rankings/circular.pdf", ranking_views.circular, name="rankings-circular"),
    path("rankings/export.<str:fmt>", ranking_views.export, name="rankings-export"),
    path("rankings/leadership/", scheme_views.leadership_inputs, name="leadership-inputs"),
    path("campaigns/<int:pk>/scoring-scheme/", scheme_views.scheme_edit, name="scoring-scheme-edit"),
]

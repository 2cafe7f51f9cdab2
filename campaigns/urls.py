from django.urls import path

from . import plan_views, views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/stages/new/", views.stage_add, name="stage-add"),
    path("campaigns/<int:pk>/stages/<int:stage_pk>/", views.stage_edit, name="stage-edit"),
    path("campaigns/<int:pk>/tasks/new/", views.task_add, name="task-add"),
    path("campaigns/<int:pk>/tasks.xlsx", views.tasks_xlsx, name="campaign-tasks-xlsx"),
    path("campaigns/<int:pk>/tasks/import/", views.tasks_import_page, name="campaign-tasks-import"),
    path("campaigns/<int:pk>/plan/", plan_views.campaign_plan, name="campaign-plan"),
    path("campaigns/<int:pk>/leading-groups/new/", plan_views.leading_group_add, name="leading-group-add"),
    path(
        "leading-groups/<int:pk>/members/new/",
        plan_views.leading_group_member_add,
        name="leading-group-member-add",
    ),
    path(
        "campaigns/<int:pk>/adopted-measures/new/", plan_views.adopted_measure_add, name="adopted-measure-add"
    ),
    path("adopted-measures/<int:pk>/adoption/", plan_views.adoption_report, name="adoption-report"),
    path("campaigns/<int:pk>/leader-duties/new/", plan_views.leader_duty_add, name="leader-duty-add"),
    path("leader-duties/<int:pk>/check/", plan_views.leader_duty_check, name="leader-duty-check"),
    path("campaigns/<int:pk>/sub-plans/new/", plan_views.sub_plan_add, name="sub-plan-add"),
    path("campaigns/<int:pk>/lists/measures/new/", plan_views.measure_add, name="measure-add"),
    path("campaigns/<int:pk>/lists/risks/new/", plan_views.risk_add, name="risk-add"),
    path("campaigns/<int:pk>/lists/import/", plan_views.list_import_page, name="campaign-lists-import"),
    path("institutional-measures/<int:pk>/state/", plan_views.measure_move, name="measure-move"),
    path("risks/<int:pk>/state/", plan_views.risk_move, name="risk-move"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
]

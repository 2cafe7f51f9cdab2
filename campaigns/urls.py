from django.urls import path

from . import views

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
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
]

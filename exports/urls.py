from django.urls import path

from . import views

urlpatterns = [
    path("exports/", views.exports_page, name="export-list"),
    path("exports/new/", views.export_new, name="export-new"),
    path("exports/<int:pk>/progress.json", views.export_progress, name="export-progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
]

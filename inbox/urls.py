from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox_page, name="inbox"),
]

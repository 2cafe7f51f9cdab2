from django.urls import path

from . import api

urlpatterns = [
    path("inbox/", api.inbox, name="inbox"),
]

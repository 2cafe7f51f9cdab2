from django.urls import path

from . import api

urlpatterns = [path("screen/", api.screen, name="screen")]

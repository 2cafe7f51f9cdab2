from django.urls import path

from . import views

urlpatterns = [path("screen/", views.big_screen, name="big-screen")]

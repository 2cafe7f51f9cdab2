"""The project's URLs plus two views that crash, to see what a user gets from an unexpected error."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urls


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail of a failure")


urlpatterns = [path("boom/", boom), path("api/boom/", boom), *project_urls]
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

"""/api/v1/: every app's API under one namespace ("api"), so router names (enterprise-list, …) never
shadow the browser pages of the same name."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("", include("organizations.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("hazards.api.urls")),
    path("", include("disclosure.api.urls")),
    path("", include("accountability.api.urls")),
    path("", include("exchange.api.urls")),
    path("", include("inbox.api_urls")),
    path("", include("screen.api_urls")),
    path("", include("exports.api")),
]

from django.urls import include, path

from . import baselines

urlpatterns = [
    path("bench/bare/ledger/", baselines.bare_ledger),
    path("bench/bare/detail/<int:pk>/", baselines.bare_detail),
    path("bench/bare/page/", baselines.bare_page),
    path("", include("config.urls")),
]

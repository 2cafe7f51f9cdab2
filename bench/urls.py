from django.urls import include, path

from . import baselines

# After the product's own URLs, so a bare view pays the same URL resolution as the pages it is compared with.
urlpatterns = [
    path("", include("config.urls")),
    path("bench/bare/ledger/", baselines.bare_ledger),
    path("bench/bare/detail/<int:pk>/", baselines.bare_detail),
    path("bench/bare/page/", baselines.bare_page),
]

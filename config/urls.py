from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from exchange.api.urls import exchange_urlpatterns
from operations.health import healthz
from organizations import views as organization_views

# The API first: other systems call it most, and each pattern tried before it costs every call.
urlpatterns = [
    path("api/v1/", include("config.api_urls")),
    path("api/exchange/v1/", include((exchange_urlpatterns, "exchange"))),
    path("", include("organizations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin signs in and out through the product's own pages: audited, and throttled per address.
    path("admin/login/", organization_views.admin_login),
    path("admin/logout/", organization_views.LogoutView.as_view()),
    path("admin/", admin.site.urls),
    path("", include("campaigns.urls")),
    path("", include("hazards.urls")),
    path("", include("disclosure.urls")),
    path("", include("accountability.urls")),
    path("", include("exchange.urls")),
    path("", include("inbox.urls")),
    path("", include("screen.urls")),
    path("", include("exports.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz/", healthz, name="healthz"),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

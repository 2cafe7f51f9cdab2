from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from operations.health import healthz
from organizations.signin_throttle import signin_throttled

# The admin's sign-in page is a sign-in path too: the same per-address throttle as ours and the token's.
admin.site.login = signin_throttled(admin.site.login)  # type: ignore[method-assign]

# The API first: other systems call it most, and each pattern tried before it costs every call.
urlpatterns = [
    path("api/v1/", include("config.api_urls")),
    path("", include("organizations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("campaigns.urls")),
    path("", include("hazards.urls")),
    path("", include("disclosure.urls")),
    path("", include("accountability.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz/", healthz, name="healthz"),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

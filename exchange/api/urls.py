from django.urls import path

from .views import (
    BatchReceiveView,
    ExchangeSchemaView,
    NationalAssessment,
    NationalMajorHazardList,
    NationalProvinceList,
    OutboxView,
    StandardReleaseList,
    StandardsFeedView,
    StandardsPullView,
    StandardsSchemaView,
)

# Under /api/exchange/v1/ (config/urls.py): the interface between systems, versioned on its own.
exchange_urlpatterns = [
    path("schema/", ExchangeSchemaView.as_view(), name="exchange-schema"),
    path("batches/", BatchReceiveView.as_view(), name="exchange-batches"),
    path("standards/", StandardsFeedView.as_view(), name="exchange-standards"),
    path("standards/schema/", StandardsSchemaView.as_view(), name="exchange-standards-schema"),
]

# Under /api/v1/ with the rest of the product's API.
urlpatterns = [
    path("exchange/outbox/", OutboxView.as_view(), name="exchange-outbox"),
    path("exchange/standards-pull/", StandardsPullView.as_view(), name="exchange-standards-pull"),
    path("national/standard-releases/", StandardReleaseList.as_view(), name="national-standard-releases"),
    path("national/major-hazards/", NationalMajorHazardList.as_view(), name="national-major-hazards"),
    path("national/provinces/", NationalProvinceList.as_view(), name="national-provinces"),
    path("national/assessments/", NationalAssessment.as_view(), name="national-assessments"),
]

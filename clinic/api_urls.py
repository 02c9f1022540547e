"""``/api/v1/``: the ingestion API, its OpenAPI 3.1 schema and a reference
page served from vendored assets (drf-spectacular-sidecar), no CDN."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from clinic.integrations import schema  # noqa: F401 (registers the token scheme)
from clinic.integrations.views import api_reference

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("reference/", api_reference, name="reference"),
    path("", include("attachment.ingestion.urls")),
    path("", include("attachment.fhir.api_urls")),
]

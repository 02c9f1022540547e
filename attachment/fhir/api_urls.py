"""The FHIR export on the integration API (namespace ``api``)."""

from django.urls import URLPattern, path

from attachment.fhir import api

urlpatterns: list[URLPattern] = [
    path(
        "clients/<str:code>/fhir/",
        api.ClientFhirView.as_view(),
        name="client_fhir",
    ),
]

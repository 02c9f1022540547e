"""URLs of the FHIR export (namespace ``attachment``)."""

from django.urls import URLPattern, path

from attachment.fhir import views

urlpatterns: list[URLPattern] = [
    path(
        "clients/<int:client_id>/fhir/",
        views.client_fhir_bundle,
        name="client_fhir_bundle",
    ),
]

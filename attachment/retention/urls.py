"""URLs of retention and destruction (namespace ``attachment``)."""

from django.urls import URLPattern, path

from attachment.retention import views

urlpatterns: list[URLPattern] = [
    path("retention/", views.retention_page, name="retention_page"),
    path("retention/period/", views.retention_settings, name="retention_settings"),
    path("retention/holds/", views.legal_hold_place, name="legal_hold_place"),
    path(
        "retention/holds/<int:hold_id>/lift/",
        views.legal_hold_lift,
        name="legal_hold_lift",
    ),
    path(
        "retention/clients/<int:client_id>/destroy/",
        views.client_destroy,
        name="client_destroy",
    ),
]

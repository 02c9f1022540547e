"""URLs of the contact-address pages (namespace ``attachment``)."""

from django.urls import URLPattern, path

from attachment.addresses import views

urlpatterns: list[URLPattern] = [
    path(
        "clients/<int:client_id>/addresses/",
        views.client_addresses,
        name="client_addresses",
    ),
    path(
        "clients/<int:client_id>/addresses/<int:address_id>/remove/",
        views.client_address_remove,
        name="client_address_remove",
    ),
    path("manage/addresses/", views.address_admin, name="address_admin"),
    path(
        "manage/addresses/<int:address_id>/remove/",
        views.address_admin_remove,
        name="address_admin_remove",
    ),
]

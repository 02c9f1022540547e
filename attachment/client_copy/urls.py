"""The client's copy of their record (right of access), printable; included
by :mod:`attachment.urls` under its namespace."""

from django.urls import URLPattern, path

from attachment.client_copy import views

urlpatterns: list[URLPattern] = [
    path("clients/<int:client_id>/copy/", views.client_copy, name="client_copy"),
]

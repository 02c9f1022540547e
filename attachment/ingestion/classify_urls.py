"""URLs of the to-classify list (namespace ``attachment``)."""

from django.urls import URLPattern, path

from attachment.ingestion import classify_views

urlpatterns: list[URLPattern] = [
    path(
        "contacts/<int:contact_id>/classify/",
        classify_views.contact_classify,
        name="contact_classify",
    ),
]

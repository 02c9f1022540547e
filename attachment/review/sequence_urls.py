"""The client sequence card's URL, in the ``attachment`` namespace."""

from django.urls import path

from attachment.review import sequence_views

urlpatterns = [
    path(
        "flags/clients/<int:client_id>/",
        sequence_views.client_sequence,
        name="client_sequence",
    ),
]

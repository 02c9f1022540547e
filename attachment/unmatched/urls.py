"""URLs of the unmatched inbox (namespace ``attachment``)."""

from django.urls import URLPattern, path

from attachment.unmatched import views

urlpatterns: list[URLPattern] = [
    path("unmatched/", views.unmatched_inbox, name="unmatched_inbox"),
    path(
        "unmatched/<int:message_id>/assign/",
        views.unmatched_assign,
        name="unmatched_assign",
    ),
    path(
        "unmatched/<int:message_id>/discard/",
        views.unmatched_discard,
        name="unmatched_discard",
    ),
]

"""URLs of the review pages, included by :mod:`attachment.urls` under its namespace."""

from django.urls import path

from attachment.review import views

flag = "flags/<int:flag_id>/"

urlpatterns = [
    path("flags/", views.flag_queue, name="flag_queue"),
    path(flag, views.flag_detail, name="flag_detail"),
    path(f"{flag}acknowledge/", views.flag_acknowledge, name="flag_acknowledge"),
    path(f"{flag}supervision/", views.flag_to_supervision, name="flag_to_supervision"),
    path(f"{flag}close/", views.flag_close, name="flag_close"),
    path(f"{flag}respond/", views.flag_respond, name="flag_respond"),
]

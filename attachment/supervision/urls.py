"""URLs of the supervision pages, included by :mod:`attachment.urls` under its namespace."""

from django.urls import path

from attachment.supervision import views

urlpatterns = [
    path("supervision/", views.session_list, name="supervision_sessions"),
    path("supervision/new/", views.session_new, name="supervision_session_new"),
    path(
        "supervision/<int:session_id>/",
        views.session_detail,
        name="supervision_session",
    ),
    path(
        "supervision/items/<int:item_id>/done/",
        views.action_item_done,
        name="action_item_done",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]

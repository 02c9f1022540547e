from django.urls import path

from clinic.integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.integration_list, name="list"),
    path("settings/", views.ingestion_settings, name="settings"),
    path("new/", views.integration_new, name="new"),
    path("<int:integration_id>/", views.integration_detail, name="detail"),
    path("<int:integration_id>/rate/", views.integration_rate, name="rate"),
    path("<int:integration_id>/mailbox/", views.integration_mailbox, name="mailbox"),
    path(
        "<int:integration_id>/secret/",
        views.integration_secret_rotate,
        name="secret",
    ),
    path("<int:integration_id>/rotate/", views.integration_rotate, name="rotate"),
    path("<int:integration_id>/revoke/", views.integration_revoke, name="revoke"),
]

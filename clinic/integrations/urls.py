from django.urls import path

from clinic.integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.integration_list, name="list"),
    path("new/", views.integration_new, name="new"),
    path("<int:integration_id>/rotate/", views.integration_rotate, name="rotate"),
    path("<int:integration_id>/revoke/", views.integration_revoke, name="revoke"),
]

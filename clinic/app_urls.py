from django.urls import path

from . import views

app_name = "clinic"

urlpatterns = [
    path("", views.home, name="home"),
    path("clients/<int:client_id>/", views.client_detail, name="client"),
    path("manage/clients/", views.manage_clients, name="manage_clients"),
    path("manage/policy/", views.policy_default, name="policy_default"),
    path(
        "manage/clients/<int:client_id>/policy/",
        views.policy_client,
        name="policy_client",
    ),
    path(
        "manage/clients/<int:client_id>/policy/remove/",
        views.policy_client_remove,
        name="policy_client_remove",
    ),
]

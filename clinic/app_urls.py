from django.urls import path

from clinic import views
from clinic.administration import views as admin_views

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
    path("manage/overrides/", admin_views.policy_overrides, name="policy_overrides"),
    path("manage/absences/", admin_views.absence_list, name="absence_list"),
    path("manage/absences/new/", admin_views.absence_new, name="absence_new"),
    path(
        "manage/absences/<int:absence_id>/",
        admin_views.absence_edit,
        name="absence_edit",
    ),
    path(
        "manage/absences/<int:absence_id>/delete/",
        admin_views.absence_delete,
        name="absence_delete",
    ),
    path("manage/supervision/", admin_views.supervision_list, name="supervision_list"),
    path(
        "manage/supervision/new/", admin_views.supervision_new, name="supervision_new"
    ),
    path(
        "manage/supervision/<int:link_id>/end/",
        admin_views.supervision_end,
        name="supervision_end",
    ),
    path(
        "manage/supervision/<int:link_id>/cosign/",
        admin_views.supervision_cosign,
        name="supervision_cosign",
    ),
]

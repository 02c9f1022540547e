"""URLs of the clinic admin's pages (``/manage/...``), and through the staff
page's own the welcome link (``/welcome/...``), included by
:mod:`clinic.app_urls` under the ``clinic`` namespace."""

from django.urls import include, path

from clinic.administration import views

urlpatterns = [
    path("manage/clients/", views.manage_clients, name="manage_clients"),
    path("manage/policy/", views.policy_default, name="policy_default"),
    path("manage/agreements/", views.agreement_status, name="agreement_status"),
    path("manage/absences/", views.absence_list, name="absence_list"),
    path("manage/absences/new/", views.absence_new, name="absence_new"),
    path(
        "manage/absences/<int:absence_id>/",
        views.absence_edit,
        name="absence_edit",
    ),
    path(
        "manage/absences/<int:absence_id>/delete/",
        views.absence_delete,
        name="absence_delete",
    ),
    path("manage/supervision/", views.supervision_list, name="supervision_list"),
    path("manage/supervision/new/", views.supervision_new, name="supervision_new"),
    path(
        "manage/supervision/<int:link_id>/end/",
        views.supervision_end,
        name="supervision_end",
    ),
    path(
        "manage/supervision/<int:link_id>/cosign/",
        views.supervision_cosign,
        name="supervision_cosign",
    ),
    path(
        "manage/supervision/<int:link_id>/approve/",
        views.supervision_approve,
        name="supervision_approve",
    ),
    path("", include("clinic.administration.staff.urls")),
    path("", include("clinic.administration.dates.urls")),
]
